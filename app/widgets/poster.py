"""A title's poster: Kitty or Sixel graphics where the terminal has them, half-blocks elsewhere."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from app.i18n import t

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

# Posters come from the network: refuse absurd dimensions before decoding them.
MAX_POSTER_PIXELS = 4096 * 4096
GRAPHIC_RENDERERS = ("kitty", "sixel")


def resolve_renderer(configured: str, environ: Mapping[str, str] = os.environ) -> str:
    """The renderer `configured` means here: "auto" picks Kitty graphics only where the terminal
    says it is Kitty (probing others over SSH can leak answers into the input), else half-blocks."""
    if configured != "auto":
        return configured
    if "KITTY_WINDOW_ID" in environ or "kitty" in environ.get("TERM", ""):
        return "kitty"
    return "halfblock"


def decode_poster(data: bytes, size: tuple[int, int]) -> PILImage:
    """Decode untrusted image bytes and fit them into `size` pixels.

    Pillow is imported here, in the worker thread, to keep it off the start-up path.
    """
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_POSTER_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", size)
            picture = image.convert("RGB")
        picture.thumbnail(size)
    except Exception as exc:  # Pillow raises many kinds (even SyntaxError) on hostile files
        raise ValueError(f"undecodable poster: {exc}") from exc
    return picture


class Poster(Container):
    """Shows poster bytes handed to `show()`; says so plainly when there is none."""

    DEFAULT_CSS = """
    Poster { width: 28; height: 21; }
    Poster > Static { width: 100%; height: 100%; content-align: center middle; color: $text-muted; }
    """

    def __init__(self, renderer: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.renderer = renderer

    def compose(self) -> ComposeResult:
        yield Static(t("Loading…"), id="poster-text")

    async def show(self, data: bytes | None) -> None:
        """Render `data` (image bytes) or the no-poster text; undecodable images count as none."""
        if self.renderer == "none":
            self.display = False
            return
        placeholder = self.query_one("#poster-text", Static)
        if not data:
            placeholder.update(t("No poster."))
            return
        columns, rows = self.size.width or 28, self.size.height or 21
        # Half-blocks draw two pixels a cell; graphics protocols get real resolution.
        scale = (10, 20) if self.renderer in GRAPHIC_RENDERERS else (1, 2)
        try:
            picture = await asyncio.to_thread(
                decode_poster, data, (columns * scale[0], rows * scale[1])
            )
        except ValueError:
            placeholder.update(t("No poster."))
            return
        if self.renderer in GRAPHIC_RENDERERS:
            from textual_image.widget import SixelImage, TGPImage

            widget_type = TGPImage if self.renderer == "kitty" else SixelImage
            await placeholder.remove()
            await self.mount(widget_type(picture))
            return
        from rich_pixels import Pixels

        placeholder.update(Pixels.from_image(picture))

"""Add a download by hand: a magnet link, a bare info-hash or the path of a .torrent file."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from app.i18n import t
from app.plaintext import one_line
from app.services.torrent_meta import TorrentInputError, parse_user_input
from app.widgets.localized import localize_bindings

if TYPE_CHECKING:
    from app.application import AniApp


class AddTorrentScreen(ModalScreen[None]):
    """Reads the input, then hands it to the app's add-download flow (file picker, queue)."""

    DEFAULT_CSS = """
    AddTorrentScreen { align: center middle; }
    AddTorrentScreen > Vertical {
        width: 90%; max-width: 100; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    AddTorrentScreen #add-problem { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("Add a download: a magnet link, an info-hash or a .torrent file path"))
            yield Input(placeholder="magnet:?xt=urn:btih:…  ·  ~/file.torrent", id="add-input")
            yield Static(id="add-problem", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.read_input(event.value.strip())

    @work(exclusive=True, group="add-input", exit_on_error=False)
    async def read_input(self, text: str) -> None:
        try:
            # A path means reading a file: off the event loop.
            spec = await asyncio.to_thread(parse_user_input, text)
        except TorrentInputError as error:
            self.query_one("#add-problem", Static).update(one_line(str(error)))
            return
        self.dismiss(None)
        source = "file" if spec.torrent is not None else "magnet"
        cast("AniApp", self.app).add_download(spec, source=source)

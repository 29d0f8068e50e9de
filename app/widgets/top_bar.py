"""The bar across the top: where you are, where the number keys go, DEMO / browse-only marks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from app.i18n import t
from app.shell import NavEntry, shell_of

if TYPE_CHECKING:
    from app.services.live import LiveStateChanged

LIVE_MARKS = {
    "connecting": ("◌ connecting", "$text-muted"),
    "live": ("● live", "$success"),
    "polling": ("○ polling", "$warning"),
}
"""How the top bar shows each `LiveState` (by value; nothing while idle). The live module is
not imported for it: websockets would slow the first paint."""


class TopBar(Static):
    """Static navigation line; `current` is the mode the screen belongs to. When the full line
    does not fit (80 columns), the other entries shrink to their keys."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(
        self,
        current: str,
        navigation: tuple[NavEntry, ...],
        *,
        demo: bool,
        browse_only: bool,
        context: str = "",
    ) -> None:
        super().__init__(id="top-bar")
        self.current = current
        self.navigation = navigation
        self.demo = demo
        self.browse_only = browse_only
        self.context = context
        self.live = "idle"

    def on_mount(self) -> None:
        shell = shell_of(self)
        shell.live_state_changed.subscribe(self, self.show_live)
        if shell.live_state is not None:
            self.live = shell.live_state.state.value

    def on_resize(self) -> None:
        self.redraw()

    def show_live(self, change: LiveStateChanged) -> None:
        self.live = change.state.value
        self.redraw()

    def show_context(self, context: str) -> None:
        """Name what the screen shows (e.g. the open title) after the navigation entries."""
        self.context = context
        self.redraw()

    def redraw(self) -> None:
        width = self.content_region.width
        line = self.line_content(compact=False)
        if width and line.cell_length > width:
            line = self.line_content(compact=True)
        self.update(line)

    def line_content(self, *, compact: bool) -> Content:
        parts: list[Content | tuple[str, str] | str] = [("anitui", "bold $accent"), "  "]
        for entry in self.navigation:
            key = f"{entry.key} " if entry.key else ""
            if entry.mode == self.current:
                parts.append((f" {key}{t(entry.label)} ", "reverse bold"))
            elif compact and entry.key:
                parts.append((f" {entry.key} ", "$text-muted"))
            else:
                parts.append((f" {key}{t(entry.label)} ", "$text-muted"))
        if self.context:
            parts.append((" › ", "$text-muted"))
            parts.append(Content(self.context))
        if self.demo:
            parts.append("  ")
            parts.append((f" {t('DEMO')} ", "bold $text on $warning"))
        if self.browse_only:
            parts.append("  ")
            parts.append((f" {t('browse-only')} ", "bold $text on $error"))
        if self.live in LIVE_MARKS:
            text, style = LIVE_MARKS[self.live]
            parts.append("  ")
            parts.append((t(text), style))
        return Content.assemble(*parts)

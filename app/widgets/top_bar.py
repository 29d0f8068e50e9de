"""The bar across the top: where you are, where the number keys go, DEMO / browse-only marks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

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


CONTEXT_MARK = " › "
MIN_CONTEXT = 12
"""The fewest cells the open title's name keeps before the other screens shrink to keys."""


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

    def on_unmount(self) -> None:
        # The signal would keep a closed screen's bar alive until it next publishes.
        shell_of(self).live_state_changed.unsubscribe(self)

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
        """The widest line that fits: full names, then full names without the app's own,
        then short ones with the open title's name cut short, then without it (the screen
        shows it anyway), and only as a last resort the other screens as bare number keys."""
        width = self.content_region.width
        tries: list[tuple[Literal["full", "unbranded", "short", "keys"], int | None]] = [
            ("full", None),
            ("unbranded", None),
            ("short", None),
            ("short", self.context_room("short", width)),
            ("short", 0),
            ("keys", self.context_room("keys", width)),
        ]
        for labels, context_width in tries:
            line = self.line_content(labels=labels, context_width=context_width)
            if not width or line.cell_length <= width:
                break
        self.update(line)

    def context_room(
        self, labels: Literal["full", "unbranded", "short", "keys"], width: int
    ) -> int:
        """How many cells the context may take so that the line fits `width`."""
        without = self.line_content(labels=labels, context_width=0).cell_length
        return max(MIN_CONTEXT, width - without - len(CONTEXT_MARK))

    def line_content(
        self,
        *,
        labels: Literal["full", "unbranded", "short", "keys"],
        context_width: int | None = None,
    ) -> Content:
        """The bar's line; `context_width` cuts the context (None: whole). Past full labels
        the app's name goes; short labels also keep only the live mark's symbol: every cell
        counts there."""
        narrow = labels in ("short", "keys")
        parts: list[Content | tuple[str, str] | str] = (
            [("anitui", "bold $accent"), "  "] if labels == "full" else []
        )
        for entry in self.navigation:
            key = f"{entry.key} " if entry.key else ""
            name = t(entry.short_label) if narrow and entry.short_label else t(entry.label)
            if entry.mode == self.current:
                parts.append((f" {key}{name} ", "reverse bold"))
            elif labels == "keys" and entry.key:
                parts.append((f" {entry.key} ", "$text-muted"))
            else:
                parts.append((f" {key}{name} ", "$text-muted"))
        if self.context and context_width != 0:
            context = self.context
            if context_width is not None and len(context) > context_width:
                context = context[: max(1, context_width - 1)] + "…"
            parts.append((CONTEXT_MARK, "$text-muted"))
            parts.append(Content(context))
        if self.demo:
            parts.append(" ")
            parts.append((f" {t('DEMO')} ", "bold $text on $warning"))
        if self.browse_only:
            parts.append(" ")
            parts.append((f" {t('browse-only')} ", "bold $text on $error"))
        if self.live in LIVE_MARKS:
            text, style = LIVE_MARKS[self.live]
            parts.append(" ")
            parts.append((t(text).split()[0] if narrow else t(text), style))
        return Content.assemble(*parts)

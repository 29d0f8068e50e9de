"""The bar across the top: where you are, where the number keys go, DEMO / browse-only marks."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from app.i18n import t

NAVIGATION = (
    ("1", "schedule", "Schedule"),
    ("2", "updates", "Updates"),
    ("3", "search", "Search"),
    ("4", "torrents", "Torrents"),
    ("5", "favorites", "Favorites"),
    ("6", "downloads", "Downloads"),
    ("7", "history", "History"),
)


class TopBar(Static):
    """Static navigation line; `current` is the mode the screen belongs to."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, current: str, *, demo: bool, browse_only: bool, context: str = "") -> None:
        super().__init__(self.line_content(current, demo, browse_only, context), id="top-bar")
        self.current = current
        self.demo = demo
        self.browse_only = browse_only

    def show_context(self, context: str) -> None:
        """Name what the screen shows (e.g. the open title) after the navigation entries."""
        self.update(self.line_content(self.current, self.demo, self.browse_only, context))

    @staticmethod
    def line_content(current: str, demo: bool, browse_only: bool, context: str) -> Content:
        parts: list[Content | tuple[str, str] | str] = [("anitui", "bold $accent"), "  "]
        for key, mode, label in NAVIGATION:
            style = "reverse bold" if mode == current else "$text-muted"
            parts.append((f" {key} {t(label)} ", style))
            parts.append(" ")
        if context:
            parts.append(("› ", "$text-muted"))
            parts.append(Content(context))
        if demo:
            parts.append("  ")
            parts.append((f" {t('DEMO')} ", "bold $text on $warning"))
        if browse_only:
            parts.append("  ")
            parts.append((f" {t('browse-only')} ", "bold $text on $error"))
        return Content.assemble(*parts)

"""A virtualised, keyboard-first table of titles (thousands of rows stay fast)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from app.plaintext import one_line
from app.widgets.localized import localize_bindings


def cell(text: str | None, style: str = "") -> Text:
    """API text as a table cell: plain text, never markup, one line."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis")


class KeyTable(DataTable[Text]):
    """A row-cursor DataTable with vi keys: j/k, g/G; Enter selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        localize_bindings(self)

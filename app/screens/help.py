"""Help: every key that works where you were, generated from the live bindings."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from app.i18n import t
from app.widgets.localized import localize_bindings
from app.widgets.title_table import KeyTable, cell


def key_label(key: str) -> str:
    """How a Textual key name reads on a keyboard."""
    names = {
        "question_mark": "?",
        "slash": "/",
        "escape": "Esc",
        "enter": "Enter",
        "left": "←",
        "right": "→",
        "up": "↑",
        "down": "↓",
        "tab": "Tab",
        "shift+tab": "Shift+Tab",
    }
    return names.get(key, key)


def place_name(node: object) -> str:
    """Where a binding lives, in the user's words: a screen's name, "Lists" for tables."""
    from app.screens.base import AniScreen
    from app.widgets.title_table import KeyTable

    if isinstance(node, KeyTable):
        return t("Lists")
    if isinstance(node, AniScreen):
        return t(node.SCREEN_NAME)
    return type(node).__name__


def help_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, action, where) for the bindings active on `screen`, app-wide ones last.

    Keys of one binding (e.g. "left,h") are joined; hidden bindings of Textual's own widgets are
    listed too when they have a description, because the user can press them.
    """
    rows: dict[tuple[str, str], list[str]] = {}
    app = screen.app
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description or binding.system:
            continue
        binding_description = t(binding.description)
        where = t("Everywhere") if active.node is app else place_name(active.node)
        rows.setdefault((binding_description, where), []).append(key_label(key))
    ordered = sorted(rows.items(), key=lambda item: (item[0][1] == t("Everywhere"), item[0][1]))
    return [(" ".join(keys), description, where) for (description, where), keys in ordered]


class HelpScreen(ModalScreen[None]):
    """A list of keys for the screen underneath; Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Back"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.rows = help_rows(under)
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label(t("Keys"), id="help-title")
            table = KeyTable(id="help-table")
            table.add_column(t("Key"), key="key")
            table.add_column(t("Action"), key="action")
            table.add_column(t("Where"), key="where")
            table.add_rows(
                [cell(keys, "bold"), cell(action), cell(where, "dim")]
                for keys, action, where in self.rows
            )
            yield table

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

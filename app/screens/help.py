"""Help: every key that works where you were, generated from the live bindings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.keys import format_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from app.i18n import t
from app.widgets.localized import localize_bindings
from app.widgets.title_table import KeyTable, cell


def key_label(key: str) -> str:
    """How a Textual key name reads on a keyboard: `[` rather than left_square_bracket."""
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
        "space": "Space",
    }
    return names.get(key) or format_key(key)


def place_name(node: object) -> str:
    """Where a binding lives, in the user's words: a screen's name, "Lists" for tables."""
    from app.screens.base import AniScreen
    from app.widgets.title_table import KeyTable

    if isinstance(node, KeyTable):
        return t("Lists")
    if isinstance(node, AniScreen):
        return t(node.SCREEN_NAME)
    return type(node).__name__


def declared_by_anitui(node: object) -> frozenset[str]:
    """The keys anitui's own classes bind on `node` (not those it inherits from Textual's)."""
    return frozenset(
        binding.key
        for cls in type(node).__mro__
        if cls.__module__.startswith("app.")
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", []))
    )


def help_rows(
    screen: Screen[object], while_playing: Sequence[Binding] = ()
) -> list[tuple[str, str, str]]:
    """(keys, action, where) for the bindings active on `screen`, then the app-wide ones, then
    `while_playing` (listed whether or not something plays).

    Keys of one binding (e.g. "left,h") are joined. Textual's own widgets' bindings are listed
    only where their footer shows them: the rest are its internals (ctrl+pageup …).
    """
    rows: dict[tuple[str, str], list[str]] = {}
    app = screen.app
    playing_actions = {binding.action for binding in while_playing}
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description or binding.system or binding.action in playing_actions:
            continue
        hidden = not binding.show and binding.action != "command_palette"
        if hidden and key not in declared_by_anitui(active.node):
            continue
        where = t("Everywhere") if active.node is app else place_name(active.node)
        rows.setdefault((t(binding.description), where), []).append(key_label(key))
    ordered = sorted(rows.items(), key=lambda item: (item[0][1] == t("Everywhere"), item[0][1]))
    playing: dict[str, list[str]] = {}
    for binding in while_playing:
        playing.setdefault(t(binding.description), []).append(key_label(binding.key))
    return [
        *((" ".join(keys), description, where) for (description, where), keys in ordered),
        *(
            (" ".join(keys), description, t("While playing"))
            for description, keys in playing.items()
        ),
    ]


class HelpScreen(ModalScreen[None]):
    """A list of keys for the screen underneath; Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Back"),
    ]

    def __init__(self, under: Screen[object], while_playing: Sequence[Binding] = ()) -> None:
        super().__init__()
        self.rows = help_rows(under, while_playing)
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

"""Every English msgid the UI shows has its Russian translation: `t("…")` literals, the
descriptions of key bindings (Help and the footer show them), and the messages services hand
the UI to translate (typed errors, `Phrase`s, the player's failure events, startup notices),
across the whole package."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import app.services
from app.i18n import RU, RU_PLURALS
from app.services.errors import ExplainedError

APP = Path(__file__).resolve().parents[1] / "app"

# Where each other callable that carries a msgid takes it (positional index).
MSGID_ARGUMENT = {
    "t": 0,
    "Binding": 2,
    "Phrase": 0,
    "ExplainedError": 0,
    "PlaybackFailed": 2,
    "PlayerUnavailable": 0,
    "StartupNotice": 0,
    "_fail": 2,  # PlayerService._fail(title, episode, message, **values)
    "SideColumn": 1,  # a column's header
    "Note": 1,  # a library scan note: Note(folder, message, **values)
}


def explained_error_names() -> set[str]:
    """The names of every `ExplainedError` subclass in the services."""
    for module in pkgutil.iter_modules(app.services.__path__):
        importlib.import_module(f"app.services.{module.name}")
    names: set[str] = set()
    pending: list[type[ExplainedError]] = [ExplainedError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return names


def literals(node: ast.expr) -> Iterator[str]:
    """The string literals `node` can be: itself, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from literals(node.body)
        yield from literals(node.orelse)


def msgid_arguments(tree: ast.AST, errors: set[str]) -> Iterator[ast.expr]:
    """The argument of every call in `tree` that carries a msgid, including an error class's
    own `super().__init__("…", …)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in errors:
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "__init__"
                    and call.args
                ):
                    yield call.args[0]
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        index = 0 if name in errors else MSGID_ARGUMENT.get(name or "")
        if index is not None and len(node.args) > index:
            yield node.args[index]


def shown_msgids() -> dict[str, str]:
    """msgid -> the file that first uses it."""
    errors = explained_error_names()
    found: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for argument in msgid_arguments(tree, errors):
            for msgid in literals(argument):
                found.setdefault(msgid, path.name)
    return found


def test_every_shown_string_has_a_russian_translation() -> None:
    missing = {msgid: where for msgid, where in shown_msgids().items() if msgid not in RU}
    assert missing == {}


def test_every_plural_has_its_russian_forms() -> None:
    plurals: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tn":
                for msgid in literals(node.args[1]):
                    plurals.setdefault(msgid, path.name)
    assert "{count} titles" in plurals
    assert {msgid: where for msgid, where in plurals.items() if msgid not in RU_PLURALS} == {}


def test_the_scan_sees_every_kind_of_msgid() -> None:
    msgids = shown_msgids()
    assert "Play while downloading" in msgids  # a Binding description
    assert "Queue started." in msgids  # a t() literal
    assert "The torrent lists more than {count} files." in msgids  # a typed error
    assert "Already in the downloads: {name} ({status})" in msgids  # an error's own __init__
    assert "its piece hashes do not fit its size" in msgids  # a Phrase
    assert "{title} has no episodes to play yet" in msgids  # a conditional player failure
    assert "libmpv could not start: {reason}" in msgids  # a player event
    assert "S/L" in msgids  # a column header

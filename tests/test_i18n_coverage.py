"""Every English msgid the UI shows has its Russian translation: `t("…")` literals and the
descriptions of key bindings (Help and the footer show them), across the whole package."""

from __future__ import annotations

import ast
from pathlib import Path

from app.i18n import RU

APP = Path(__file__).resolve().parents[1] / "app"


def shown_msgids() -> dict[str, str]:
    """msgid -> the file that first uses it."""
    found: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "t" and node.args:
                argument = node.args[0]
            elif name == "Binding" and len(node.args) >= 3:
                argument = node.args[2]
            else:
                continue
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.setdefault(argument.value, path.name)
    return found


def test_every_shown_string_has_a_russian_translation() -> None:
    missing = {msgid: where for msgid, where in shown_msgids().items() if msgid not in RU}
    assert missing == {}


def test_the_scan_sees_both_kinds_of_msgid() -> None:
    msgids = shown_msgids()
    assert "Play while downloading" in msgids  # a Binding description
    assert "Queue started." in msgids  # a t() literal

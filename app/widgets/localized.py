"""Key descriptions in the UI language: the footer and Help show what the bindings say."""

from __future__ import annotations

import dataclasses
from weakref import WeakKeyDictionary

from textual.binding import BindingsMap
from textual.dom import DOMNode

from app.i18n import t

_ENGLISH: WeakKeyDictionary[DOMNode, BindingsMap] = WeakKeyDictionary()
"""Each localized node's bindings as first seen, their descriptions English msgids: a language
switch translates from these, so bindings added at run time (Textual's ctrl+p) survive it."""


def localize_bindings(node: DOMNode) -> None:
    """Translate the descriptions of `node`'s bindings (English msgids in the class BINDINGS)
    into the current language; again after each language switch.

    First called from `__init__`, after Textual copied the class bindings into the instance.
    """
    english = _ENGLISH.setdefault(node, node._bindings.copy())
    table = node._bindings.key_to_bindings
    for key, bindings in english.key_to_bindings.items():
        table[key] = [
            dataclasses.replace(b, description=t(b.description)) if b.description else b
            for b in bindings
        ]

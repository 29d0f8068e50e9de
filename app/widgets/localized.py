"""Key descriptions in the UI language: the footer and Help show what the bindings say."""

from __future__ import annotations

import dataclasses

from textual.dom import DOMNode

from app.i18n import t


def localize_bindings(node: DOMNode) -> None:
    """Translate the descriptions of `node`'s bindings (English msgids in the class BINDINGS).

    Called from `__init__`, after Textual copied the class bindings into the instance.
    """
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            dataclasses.replace(b, description=t(b.description)) if b.description else b
            for b in bindings
        ]

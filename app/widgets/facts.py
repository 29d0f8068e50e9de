"""Information lines as the Title and torrent detail screens show them."""

from __future__ import annotations

from textual.content import Content

from app.i18n import t
from app.plaintext import one_line


def fact(label: str, value: str | Content) -> Content:
    """`label: value`, the label (an English msgid) styled, the value plain text."""
    body = value if isinstance(value, Content) else Content(one_line(value))
    return Content.assemble((f"{t(label)}: ", "bold $text-muted"), body)

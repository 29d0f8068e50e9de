"""The one way anitui shows a toast: as plain text, since messages carry API text (titles,
torrent names, server errors) that must never be read as Textual markup (textual#5599)."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.notifications import SeverityLevel


def tell(
    node: DOMNode,
    message: str,
    *,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """Notify `message` (and `title`) literally, from `node`'s app."""
    node.app.notify(message, title=title, severity=severity, timeout=timeout, markup=False)

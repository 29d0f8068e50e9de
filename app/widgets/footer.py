"""The key line at the bottom: as many keys as fit, the rest in Help."""

from __future__ import annotations

from itertools import accumulate

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS_SHOWN = "help"
"""The action whose key stays in the footer however crowded: it leads to every other key."""


def key_width(key: FooterKey) -> int:
    """Cells a key takes in a compact footer: key, space, description, then a one-cell margin
    (the palette key has a one-cell border on its left instead)."""
    return cell_len(key.key_display) + 1 + cell_len(key.description) + 1


class KeyFooter(Footer):
    """A compact Footer that leaves out the keys that do not fit. Textual's Footer scrolls
    sideways under the palette key docked on its right, so an overflowing line shows cut keys
    on both sides of it (`6▏^p palette7`). Keys keep their order; the first that does not fit
    ends the line, but Help's key is always there."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        optional = [
            k for k in keys if k.action != ALWAYS_SHOWN and not k.has_class("-command-palette")
        ]
        room = self.size.width - sum(key_width(k) for k in keys if k not in optional)
        used = accumulate(key_width(k) for k in optional)
        dropped = {key for key, width in zip(optional, used, strict=True) if width > room}
        yield from (w for w in widgets if w not in dropped)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.recompose)

"""A `KeyTable` that tells when it has first drawn its rows: the moment a light first frame is
on screen and what was left out of it may join."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.geometry import Region
from textual.strip import Strip

from app.widgets.title_table import KeyTable


class DrawnTable(KeyTable):
    """Calls `when_rows_drawn` after the first frame that shows its rows (`rows_drawn`).

    Only a frame says so: DataTable lays new rows out on its own idle turn, and the screen's
    "after refresh" callbacks can run before that frame (during a batch update, say)."""

    def __init__(self, *, id: str, flexible: tuple[str, ...]) -> None:
        super().__init__(id=id, flexible=flexible)
        self.rows_drawn = False
        self.when_rows_drawn: Callable[[], Awaitable[None]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if not self.rows_drawn and self.row_count and self.virtual_size.height > self.header_height:
            self.rows_drawn = True
            if self.when_rows_drawn is not None:
                # Next, after this frame has reached the terminal.
                self.call_next(self.when_rows_drawn)
        return lines

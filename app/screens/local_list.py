"""A screen listing what the local database holds: read again whenever it may have changed."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult

from app.screens.base import AniScreen
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable


class LocalListScreen(AniScreen):
    """One table of local rows under a status line (ids `LIST_ID-table`, `LIST_ID-status`). The
    database answers in a millisecond, so the table is filled as the screen opens, each time it
    comes back and on `ctrl+r`, rather than kept in step with every change."""

    LIST_ID: ClassVar[str]
    FLEXIBLE: ClassVar[tuple[str, ...]]
    """The column keys that take the room left over."""

    def context(self) -> str:
        """What the top bar says beside the screen's name."""
        return ""

    def columns(self) -> list[tuple[str, str]]:
        """Each column's heading (translated) and key."""
        raise NotImplementedError

    def fill(self) -> None:
        """Read the rows and show them, with what the status line says about them."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield self.top_bar(self.context())
        yield StatusLine(id=f"{self.LIST_ID}-status")
        table = KeyTable(id=f"{self.LIST_ID}-table", flexible=self.FLEXIBLE)
        for heading, key in self.columns():
            table.add_column(heading, key=key)
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.fill()

    def on_screen_resume(self) -> None:
        self.fill()

    def action_refresh_screen(self) -> None:
        self.fill()

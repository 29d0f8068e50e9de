"""History: the titles you watched, newest first, with where you stopped."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import DataTable

from app.formatting import date_text
from app.i18n import t
from app.messages import TitleOpened
from app.screens.local_list import LocalListScreen
from app.store.history import RecentTitle
from app.widgets.now_playing import clock
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, RowItems, cell

HISTORY_LENGTH = 500


def episode_text(entry: RecentTitle) -> str:
    number = entry.episode
    return str(int(number)) if float(number).is_integer() else str(number)


def name_cell(entry: RecentTitle, missing_on: str | None) -> Text:
    """The title's name; marked when the API in use does not have it (`missing_on`)."""
    name = cell(entry.name or f"#{entry.title_id}", "bold")
    if missing_on is None:
        return name
    marker = (" · " + t("not on {api}", api=missing_on), "dim")
    return Text.assemble(name, marker, no_wrap=True, overflow="ellipsis")


def where_text(entry: RecentTitle) -> Text:
    if entry.watched:
        return Text("✓", style="bold green")
    return cell(f"{clock(entry.position)} / {clock(entry.duration)}", "yellow")


class HistoryScreen(LocalListScreen):
    """Recently watched titles (from the local database, so it works offline)."""

    MODE = "history"
    SCREEN_NAME = "History"
    LIST_ID = "history"
    FLEXIBLE = ("name",)

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[RecentTitle] = []
        self.row_entries: RowItems[RecentTitle] = RowItems()

    def columns(self) -> list[tuple[str, str]]:
        return [
            (t("Name"), "name"),
            (t("Episode"), "episode"),
            (t("Stopped at"), "where"),
            (t("Last played"), "when"),
        ]

    def on_mount(self) -> None:
        self.shell.history_changed.subscribe(self, lambda _title_id: self.fill())
        self.start()

    def fill(self) -> None:
        self.entries = self.runtime.history.recent_titles(HISTORY_LENGTH)
        missing = self.runtime.carry_over.missing()
        table = self.query_one(KeyTable)
        cursor = table.cursor_row
        table.clear()
        self.row_entries.clear()
        keys = table.add_keyed_rows(
            (
                str(entry.title_id),
                [
                    name_cell(entry, missing.get(entry.title_id)),
                    cell(episode_text(entry)),
                    where_text(entry),
                    cell(date_text(entry.played_at)),
                ],
            )
            for entry in self.entries
        )
        self.row_entries.add(keys, self.entries)
        if self.entries:
            table.move_cursor(row=min(cursor, len(self.entries) - 1))
            self.query_one(StatusLine).clear()
        else:
            self.query_one(StatusLine).info(t("Nothing watched yet."))

    @on(DataTable.RowSelected, "#history-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self.row_entries.get(event.row_key)
        if entry is not None:
            self.post_message(TitleOpened(entry.title_id))

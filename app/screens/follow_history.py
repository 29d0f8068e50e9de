"""A followed title's history (`H` on a Title, a Library series or its episodes): every decision
the follow service took for its episodes — a torrent found, queued, skipped because the episode
is on disk or already queued, or none found — newest first, with when."""

from __future__ import annotations

from textual.app import ComposeResult

from app.formatting import clock_time
from app.i18n import t
from app.plaintext import one_line
from app.screens.base import AniScreen
from app.store.follow import FollowEntry
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, cell

OUTCOME_STYLES = {"found": "cyan", "queued": "green", "present": "dim", "not_found": "yellow"}


def outcome_text(entry: FollowEntry) -> str:
    """What was decided, in a word or two."""
    if entry.outcome == "present":
        # The service says which of the two kept it from being queued again.
        return t("skipped: on disk") if entry.detail == "on disk" else t("skipped: queued")
    return {
        "found": t("found"),
        "queued": t("queued"),
        "not_found": t("not found"),
    }[entry.outcome]


class FollowHistoryScreen(AniScreen):
    """The follow decisions of one title (`title_id`, shown as `name`)."""

    SCREEN_NAME = "Follow history"

    def __init__(self, title_id: int, name: str) -> None:
        super().__init__()
        self.title_id = title_id
        self.name_shown = one_line(name)

    def compose(self) -> ComposeResult:
        yield self.top_bar(self.name_shown)
        yield StatusLine(id="follow-history-status")
        table = KeyTable(id="follow-history-table", flexible=("detail",))
        table.add_column(t("When"), key="when")
        table.add_column(t("Episode"), key="episode")
        table.add_column(t("Decision"), key="outcome")
        table.add_column(t("Source"), key="source")
        table.add_column(t("Detail"), key="detail")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.shell.follows_changed.subscribe(self, lambda _ids: self.fill())
        self.start()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.fill()

    def on_screen_resume(self) -> None:
        self.fill()

    def action_refresh_screen(self) -> None:
        self.fill()

    def fill(self) -> None:
        follow = self.runtime.follow
        entries = follow.history(self.title_id)
        table = self.query_one(KeyTable)
        table.clear()
        now = self.now()
        table.add_keyed_rows(
            (
                f"entry-{index}",
                [
                    cell(clock_time(entry.at, now), "dim"),
                    cell(f"{entry.episode:g}"),
                    cell(outcome_text(entry), OUTCOME_STYLES[entry.outcome]),
                    cell(entry.source or ""),
                    # A torrent's name or the API's reason (`cell` keeps it plain text); a
                    # skip is said in full by its decision.
                    cell(entry.detail if entry.outcome != "present" else ""),
                ],
            )
            for index, entry in enumerate(entries)
        )
        status = self.query_one(StatusLine)
        followed = follow.is_followed(self.title_id)
        if entries:
            status.info(
                t("Followed: new episodes are downloaded by themselves.")
                if followed
                else t("Not followed any more; what was decided while it was.")
            )
        else:
            status.info(
                t("Nothing decided yet: new episodes will be listed here.")
                if followed
                else t("Not followed: F on a favorite follows it.")
            )

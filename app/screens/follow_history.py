"""A followed title's history (`H` on a Title, a Library series or its episodes): every decision
the follow service took for its episodes — a torrent found, queued, skipped because the episode
is on disk or already queued, or none found — newest first, with when."""

from __future__ import annotations

from app.formatting import clock_time
from app.i18n import t
from app.plaintext import one_line
from app.screens.local_list import LocalListScreen
from app.store.follow import FollowEntry
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


class FollowHistoryScreen(LocalListScreen):
    """The follow decisions of one title (`title_id`, shown as `name`)."""

    SCREEN_NAME = "Follow history"
    LIST_ID = "follow-history"
    FLEXIBLE = ("detail",)

    def __init__(self, title_id: int, name: str) -> None:
        super().__init__()
        self.title_id = title_id
        self.name_shown = one_line(name)

    def context(self) -> str:
        return self.name_shown

    def columns(self) -> list[tuple[str, str]]:
        return [
            (t("When"), "when"),
            (t("Episode"), "episode"),
            (t("Decision"), "outcome"),
            (t("Source"), "source"),
            (t("Detail"), "detail"),
        ]

    def on_mount(self) -> None:
        self.shell.follows_changed.subscribe(self, lambda _ids: self.fill())
        self.start()

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

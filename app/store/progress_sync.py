"""Watch progress as the account sync sees it: history's episodes by their v1 UUID, and the last
state both sides agreed on (the `timecodes` table), the base of the three-way merge.

The account's timecodes carry no modification time, so "who changed it" is read against the
base: a side whose value differs from the base changed it. A local change stays different from
the base until the account confirmed it, which makes it wait through any number of failed syncs
(the outbox is that difference; nothing else to lose).

Values are `Progress(position, watched)`; positions within `SAME_POSITION` seconds count as
equal (the account may round them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.store.db import Database

__all__ = ["NO_UUID", "SAME_POSITION", "EpisodeKey", "Progress", "ProgressSyncStore"]

SAME_POSITION = 1.0
"""Seconds two positions may differ by and still count as the same."""
NO_UUID = ""
"""The UUID stored for an episode the API has none for (looked up once, not again)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one episode was watched, as both sides can say it."""

    position: float
    watched: bool

    def same_as(self, other: Progress | None) -> bool:
        """Equal for the merge: the same mark and positions within `SAME_POSITION`."""
        return (
            other is not None
            and self.watched == other.watched
            and abs(self.position - other.position) < SAME_POSITION
        )


@dataclass(frozen=True, slots=True)
class EpisodeKey:
    """An episode in history: its title and number."""

    title_id: int
    episode: int | float


def _number(value: float) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


class ProgressSyncStore:
    """History's `watch_progress` by UUID and the `timecodes` base."""

    def __init__(self, db: Database) -> None:
        """Use the `watch_progress` and `timecodes` tables of `db`."""
        self._db = db

    # -- history by UUID -----------------------------------------------------------------------

    def local(self) -> dict[str, Progress]:
        """Every history episode with a known UUID, by UUID."""
        rows = self._db.query(
            "SELECT episode_uuid, position, watched FROM watch_progress"
            " WHERE episode_uuid IS NOT NULL AND episode_uuid != ''"
        )
        return {
            str(r["episode_uuid"]): Progress(float(r["position"]), bool(r["watched"])) for r in rows
        }

    def without_uuid(self) -> dict[int, list[int | float]]:
        """History episodes whose UUID was never looked up, by title."""
        rows = self._db.query(
            "SELECT title_id, episode FROM watch_progress WHERE episode_uuid IS NULL"
            " ORDER BY title_id, episode"
        )
        found: dict[int, list[int | float]] = {}
        for r in rows:
            found.setdefault(int(r["title_id"]), []).append(_number(r["episode"]))
        return found

    def set_uuids(self, title_id: int, uuids: Mapping[int | float, str]) -> None:
        """Keep the UUIDs of `title_id`'s episodes (`NO_UUID` for one the API does not have);
        a UUID already known stays."""
        with self._db.transaction() as conn:
            for episode, uuid in uuids.items():
                conn.execute(
                    "UPDATE watch_progress SET episode_uuid = ?"
                    " WHERE title_id = ? AND episode = ? AND episode_uuid IS NULL",
                    (uuid, title_id, float(episode)),
                )

    def episode_of(self, uuid: str) -> EpisodeKey | None:
        """The history episode with `uuid`, if there is one."""
        row = self._db.query_one(
            "SELECT title_id, episode FROM watch_progress WHERE episode_uuid = ?", (uuid,)
        )
        return None if row is None else EpisodeKey(int(row["title_id"]), _number(row["episode"]))

    def apply(self, key: EpisodeKey, uuid: str, progress: Progress, *, at: float) -> None:
        """Take the account's progress for one episode: its position and watched mark (what
        history knew of its duration and of the title stays)."""
        self._db.execute(
            "INSERT INTO watch_progress"
            " (title_id, episode, position, watched, updated_at, episode_uuid)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (title_id, episode) DO UPDATE SET"
            " position = excluded.position, watched = excluded.watched,"
            " updated_at = excluded.updated_at, episode_uuid = excluded.episode_uuid",
            (
                key.title_id,
                float(key.episode),
                max(0.0, progress.position),
                int(progress.watched),
                at,
                uuid,
            ),
        )

    def forget(self, uuid: str) -> None:
        """The account forgot an episode's progress: history forgets it too."""
        self._db.execute("DELETE FROM watch_progress WHERE episode_uuid = ?", (uuid,))

    # -- the base ------------------------------------------------------------------------------

    def base(self) -> dict[str, Progress]:
        """The last state both sides agreed on, by UUID."""
        rows = self._db.query("SELECT episode_uuid, position, watched FROM timecodes")
        return {
            str(r["episode_uuid"]): Progress(float(r["position"]), bool(r["watched"])) for r in rows
        }

    def agree(self, agreed: Mapping[str, Progress | None]) -> None:
        """Both sides now hold these values (None: neither has the episode any more)."""
        with self._db.transaction() as conn:
            for uuid, progress in agreed.items():
                if progress is None:
                    conn.execute("DELETE FROM timecodes WHERE episode_uuid = ?", (uuid,))
                else:
                    conn.execute(
                        "INSERT INTO timecodes (episode_uuid, position, watched) VALUES (?, ?, ?)"
                        " ON CONFLICT (episode_uuid) DO UPDATE SET"
                        " position = excluded.position, watched = excluded.watched",
                        (uuid, progress.position, int(progress.watched)),
                    )

    def detach(self, uuids: Iterable[str]) -> None:
        """The account refused these UUIDs: history keeps the episodes, unsynced."""
        with self._db.transaction() as conn:
            for uuid in uuids:
                conn.execute(
                    "UPDATE watch_progress SET episode_uuid = ? WHERE episode_uuid = ?",
                    (NO_UUID, uuid),
                )

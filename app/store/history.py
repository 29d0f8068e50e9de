"""Playback history: resume positions, watched marks, the last played episode and skip offsets.

Episode numbers are `int | float` as in the API (12.5 is a recap between 12 and 13); they are
stored as REAL and come back as `int` when whole, so `{1: ...}` lookups keep working. Beside the
number each episode keeps its AniLiberty v1 UUID when it is known (`uuid=`): the key the
account's watch progress is synced by (`app/store/progress_sync.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from app.store.db import Database

__all__ = ["EpisodeProgress", "HistoryStore", "RecentTitle"]


@dataclass(frozen=True, slots=True)
class EpisodeProgress:
    """How far one episode was watched."""

    episode: int | float
    position: float
    """Seconds from the start where playback stopped (the resume point)."""
    duration: float | None
    """The episode's length in seconds, when the player knew it."""
    watched: bool
    updated_at: float
    """Unix seconds of the last change."""


@dataclass(frozen=True, slots=True)
class RecentTitle:
    """A title in the History screen: what was played last and how far."""

    title_id: int
    name: str | None
    episode: int | float
    position: float
    duration: float | None
    watched: bool
    played_at: float
    """Unix seconds of the last recorded position."""


def _episode(value: float) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


class HistoryStore:
    """Per-episode positions and watched marks, per-title last episode and skip offset."""

    def __init__(self, db: Database) -> None:
        """Use the `watch_progress` and `watch_titles` tables of `db`."""
        self._db = db

    def record_position(
        self,
        title_id: int,
        episode: int | float,
        position: float,
        duration: float | None,
        *,
        at: float,
        title_name: str | None = None,
        uuid: str | None = None,
    ) -> None:
        """Remember where `episode` of `title_id` was left, and that it was played last.

        A watched mark stays; an unknown `duration` (None) keeps the one known before;
        `title_name` (None keeps the stored one) lets the History screen show the title offline;
        `uuid` is the episode's v1 UUID (None keeps the stored one).
        """
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO watch_progress"
                " (title_id, episode, position, duration, updated_at, episode_uuid)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (title_id, episode) DO UPDATE SET"
                " position = excluded.position,"
                " duration = COALESCE(excluded.duration, duration),"
                " updated_at = excluded.updated_at,"
                " episode_uuid = COALESCE(excluded.episode_uuid, episode_uuid)",
                (title_id, float(episode), max(0.0, position), duration, at, uuid),
            )
            _touch_title(conn, title_id)
            conn.execute(
                "UPDATE watch_titles SET last_episode = ?, last_played_at = ?,"
                " name = COALESCE(?, name) WHERE title_id = ?",
                (float(episode), at, title_name, title_id),
            )

    def mark_watched(
        self, title_id: int, episode: int | float, *, at: float, uuid: str | None = None
    ) -> None:
        """Mark `episode` watched (by hand, past the threshold, or at its end)."""
        self._set_watched(title_id, episode, True, at, uuid)

    def mark_unwatched(
        self, title_id: int, episode: int | float, *, at: float, uuid: str | None = None
    ) -> None:
        """Clear the watched mark of `episode`; its resume position is kept."""
        self._set_watched(title_id, episode, False, at, uuid)

    def progress(self, title_id: int, episode: int | float) -> EpisodeProgress | None:
        """What is known about one episode, or None if it was never played or marked."""
        row = self._db.query_one(
            "SELECT episode, position, duration, watched, updated_at FROM watch_progress"
            " WHERE title_id = ? AND episode = ?",
            (title_id, float(episode)),
        )
        return None if row is None else _progress(row)

    def positions(self, title_id: int) -> dict[int | float, EpisodeProgress]:
        """Every episode of `title_id` with a position or a watched mark, by episode number."""
        rows = self._db.query(
            "SELECT episode, position, duration, watched, updated_at FROM watch_progress"
            " WHERE title_id = ? ORDER BY episode",
            (title_id,),
        )
        return {progress.episode: progress for progress in map(_progress, rows)}

    def watched_count(self, title_id: int) -> int:
        """How many episodes of `title_id` are marked watched."""
        row = self._db.query_one(
            "SELECT COUNT(*) AS n FROM watch_progress WHERE title_id = ? AND watched = 1",
            (title_id,),
        )
        return 0 if row is None else int(row["n"])

    def last_episode(self, title_id: int) -> int | float | None:
        """The episode of `title_id` played last, or None."""
        row = self._db.query_one(
            "SELECT last_episode FROM watch_titles WHERE title_id = ?", (title_id,)
        )
        if row is None or row["last_episode"] is None:
            return None
        return _episode(row["last_episode"])

    def recent_titles(self, limit: int = 100) -> list[RecentTitle]:
        """Titles by the time they were last played, newest first (the History screen)."""
        rows = self._db.query(
            "SELECT t.title_id, t.name, t.last_episode, t.last_played_at,"
            " p.position, p.duration, p.watched"
            " FROM watch_titles AS t JOIN watch_progress AS p"
            " ON p.title_id = t.title_id AND p.episode = t.last_episode"
            " WHERE t.last_played_at IS NOT NULL"
            " ORDER BY t.last_played_at DESC, t.title_id LIMIT ?",
            (limit,),
        )
        return [
            RecentTitle(
                title_id=int(row["title_id"]),
                name=row["name"],
                episode=_episode(row["last_episode"]),
                position=float(row["position"]),
                duration=None if row["duration"] is None else float(row["duration"]),
                watched=bool(row["watched"]),
                played_at=float(row["last_played_at"]),
            )
            for row in rows
        ]

    def next_unwatched(self, title_id: int, episodes: Iterable[int | float]) -> int | float | None:
        """The episode "continue" should play among `episodes` (the title's playlist).

        The last played one while it is unwatched (to resume it); else the first unwatched
        episode after it; else the first unwatched at all; None when everything is watched.
        """
        available = sorted(episodes)
        watched = {e for e, p in self.positions(title_id).items() if p.watched}
        last = self.last_episode(title_id)
        if last is not None and last in available and last not in watched:
            return last
        unwatched = [e for e in available if e not in watched]
        if last is not None:
            later = [e for e in unwatched if e > last]
            if later:
                return later[0]
        return unwatched[0] if unwatched else None

    def skip_offset(self, title_id: int) -> float:
        """Seconds added to the API's opening/ending ranges for `title_id` (0 by default)."""
        row = self._db.query_one(
            "SELECT skip_offset FROM watch_titles WHERE title_id = ?", (title_id,)
        )
        return 0.0 if row is None else float(row["skip_offset"])

    def set_skip_offset(self, title_id: int, seconds: float) -> None:
        """Shift the skip ranges of `title_id` by `seconds` (negative: earlier)."""
        with self._db.transaction() as conn:
            _touch_title(conn, title_id)
            conn.execute(
                "UPDATE watch_titles SET skip_offset = ? WHERE title_id = ?",
                (float(seconds), title_id),
            )

    def _set_watched(
        self, title_id: int, episode: int | float, watched: bool, at: float, uuid: str | None
    ) -> None:
        self._db.execute(
            "INSERT INTO watch_progress (title_id, episode, watched, updated_at, episode_uuid)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (title_id, episode) DO UPDATE SET"
            " watched = excluded.watched, updated_at = excluded.updated_at,"
            " episode_uuid = COALESCE(excluded.episode_uuid, episode_uuid)",
            (title_id, float(episode), int(watched), at, uuid),
        )


def _touch_title(conn: sqlite3.Connection, title_id: int) -> None:
    conn.execute("INSERT OR IGNORE INTO watch_titles (title_id) VALUES (?)", (title_id,))


def _progress(row: sqlite3.Row) -> EpisodeProgress:
    return EpisodeProgress(
        episode=_episode(row["episode"]),
        position=float(row["position"]),
        duration=None if row["duration"] is None else float(row["duration"]),
        watched=bool(row["watched"]),
        updated_at=float(row["updated_at"]),
    )

"""Followed titles, the episodes already claimed for them, and the history of each decision.

A claim is the promise "this episode of this title is being (or was) queued": it is written in
the same transaction as the decision's history row and before the queue is touched, so a
restart, or a kill -9 between the two, never queues the episode a second time. The service
(`app/services/follow.py`) decides; this module only stores.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal

from app.store.db import Database

__all__ = ["FollowEntry", "FollowStore", "Followed", "Outcome"]

Outcome = Literal["found", "queued", "present", "not_found"]
"""What happened to a followed title's episode: a torrent was found for it, it was queued, it
was skipped because it is on disk or already queued, or no torrent was found."""


@dataclass(frozen=True, slots=True)
class Followed:
    """One followed title."""

    title_id: int
    followed_at: float
    nekobt_media: str | None
    """The nekoBT media id found for the title, once found."""


@dataclass(frozen=True, slots=True)
class FollowEntry:
    """One line of a followed title's history."""

    title_id: int
    episode: int | float
    outcome: Outcome
    source: str | None
    """`anilibria` or `nekobt` when a torrent was involved."""
    detail: str | None
    """The torrent's name, or why nothing was found (plain text from the APIs)."""
    at: float


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


class FollowStore:
    """Followed titles, claims and history in the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def followed(self) -> list[Followed]:
        """Every followed title, oldest first."""
        rows = self._db.query(
            "SELECT title_id, followed_at, nekobt_media FROM followed ORDER BY followed_at"
        )
        return [Followed(r["title_id"], r["followed_at"], r["nekobt_media"]) for r in rows]

    def get(self, title_id: int) -> Followed | None:
        """The title's follow, or None when it is not followed."""
        row = self._db.query_one(
            "SELECT title_id, followed_at, nekobt_media FROM followed WHERE title_id = ?",
            (title_id,),
        )
        return None if row is None else Followed(row[0], row[1], row[2])

    def follow(self, title_id: int, *, at: float) -> bool:
        """Follow the title; False when it already was (its media and claims are kept)."""
        return (
            self._db.execute(
                "INSERT OR IGNORE INTO followed (title_id, followed_at) VALUES (?, ?)",
                (title_id, at),
            )
            > 0
        )

    def unfollow(self, title_id: int) -> bool:
        """Stop following the title; its claims and history stay, so following it again never
        queues an episode a second time."""
        return self._db.execute("DELETE FROM followed WHERE title_id = ?", (title_id,)) > 0

    def remember_media(self, title_id: int, media_id: str) -> None:
        """Remember the nekoBT media found for a followed title."""
        self._db.execute(
            "UPDATE followed SET nekobt_media = ? WHERE title_id = ?", (media_id, title_id)
        )

    def claimed(self, title_id: int, episode: float) -> bool:
        """Whether the episode was already claimed (queued, or being queued)."""
        row = self._db.query_one(
            "SELECT 1 FROM follow_claims WHERE title_id = ? AND episode = ?", (title_id, episode)
        )
        return row is not None

    def claim(
        self,
        title_id: int,
        episode: float,
        *,
        info_hash: str | None,
        source: str,
        detail: str | None,
        at: float,
    ) -> bool:
        """Claim the episode and log it as queued, in one transaction; False (and nothing
        written) when it was claimed before — the caller then must not queue it."""
        with self._db.transaction() as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO follow_claims (title_id, episode, info_hash, claimed_at)"
                " VALUES (?, ?, ?, ?)",
                (title_id, episode, info_hash, at),
            ).rowcount
            if not inserted:
                return False
            _log(conn, title_id, episode, "queued", source, detail, at)
            return True

    def record(
        self,
        title_id: int,
        episode: float,
        outcome: Outcome,
        *,
        source: str | None = None,
        detail: str | None = None,
        at: float,
    ) -> None:
        """Add a line to the title's history (for outcomes that claim nothing)."""
        with self._db.transaction() as conn:
            _log(conn, title_id, episode, outcome, source, detail, at)

    def unresolved(self, title_id: int) -> frozenset[int | float]:
        """The title's episodes no torrent was found for and none was claimed since: a later
        torrent (a reissued one, a nekoBT upload) may still bring them."""
        rows = self._db.query(
            "SELECT DISTINCT episode FROM follow_log l WHERE title_id = ? AND outcome = 'not_found'"
            " AND NOT EXISTS (SELECT 1 FROM follow_claims c"
            " WHERE c.title_id = l.title_id AND c.episode = l.episode)",
            (title_id,),
        )
        return frozenset(_number(r["episode"]) for r in rows)

    def history(self, title_id: int) -> list[FollowEntry]:
        """The title's decisions, newest first."""
        rows = self._db.query(
            "SELECT title_id, episode, outcome, source, detail, at FROM follow_log"
            " WHERE title_id = ? ORDER BY at DESC, id DESC",
            (title_id,),
        )
        return [
            FollowEntry(
                r["title_id"],
                _number(r["episode"]),
                r["outcome"],
                r["source"],
                r["detail"],
                r["at"],
            )
            for r in rows
        ]


def _log(
    conn: sqlite3.Connection,
    title_id: int,
    episode: float,
    outcome: Outcome,
    source: str | None,
    detail: str | None,
    at: float,
) -> None:
    conn.execute(
        "INSERT INTO follow_log (title_id, episode, outcome, source, detail, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (title_id, episode, outcome, source, detail, at),
    )

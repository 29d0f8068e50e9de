"""When each screen was last visited, so the Updates screen can mark what changed since then."""

from __future__ import annotations

from app.store.db import Database

__all__ = ["VisitStore"]


class VisitStore:
    """The time of the previous visit to each screen, by screen name."""

    def __init__(self, db: Database) -> None:
        """Use the `visits` table of `db`."""
        self._db = db

    def last_visit(self, screen: str) -> float | None:
        """Unix seconds of the latest recorded visit to `screen`, or None if it was never seen."""
        row = self._db.query_one("SELECT visited_at FROM visits WHERE screen = ?", (screen,))
        return None if row is None else float(row["visited_at"])

    def record_visit(self, screen: str, at: float) -> float | None:
        """Record a visit to `screen` at `at` (unix seconds); return the previous visit's time.

        A screen marks the items updated after the returned time as new; None means a first
        visit, when nothing is marked.
        """
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT visited_at FROM visits WHERE screen = ?", (screen,)
            ).fetchone()
            conn.execute(
                "INSERT INTO visits (screen, visited_at) VALUES (?, ?)"
                " ON CONFLICT (screen) DO UPDATE SET visited_at = excluded.visited_at",
                (screen, at),
            )
        return None if row is None else float(row["visited_at"])

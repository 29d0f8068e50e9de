"""Small pieces of UI state remembered between runs (the last weekday shown, and the like).

Not for settings the user edits (those live in config.toml) nor for secrets.
"""

from __future__ import annotations

from app.store.db import Database

__all__ = ["KeyValueStore"]


class KeyValueStore:
    """String values by string key, in the `kv` table."""

    def __init__(self, db: Database) -> None:
        """Use the `kv` table of `db`."""
        self._db = db

    def get(self, key: str) -> str | None:
        """The value stored under `key`, or None when there is none."""
        row = self._db.query_one("SELECT value FROM kv WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`, replacing any previous value."""
        self._db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

"""Favorites, local first: the titles, their names for display offline, and their sync state.

Every favorite is a row whether or not an account is logged in. `state` says what the
AniLibria account still has to learn about it:

- `synced`: the server had it the last time the lists were compared;
- `pending_add`: added here, not yet confirmed by the server (all favorites of a user without an
  account are in this state: they are pushed after the first login);
- `pending_delete`: removed here, the server not yet told; hidden from `visible()`.

`remote` is "the server may have it": set when the server listed it and *before* an
addFavorite is sent (the answer can be lost after the server acted). Removing a favorite the
server may have queues a delete; removing one it cannot have just forgets the row.

The service (`app/services/favorites.py`) owns the sync rules; this module only stores, and
`confirm()` / `reconcile()` change a row only if it is still the way the sync saw it, so a
change the user makes while a request is on its way is never overwritten.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from app.store.db import Database

__all__ = ["FavoriteRow", "FavoritesStore", "RemoteFavorite", "SyncState"]


class SyncState(enum.Enum):
    """What the account still has to learn about a favorite."""

    SYNCED = "synced"
    PENDING_ADD = "pending_add"
    PENDING_DELETE = "pending_delete"


@dataclass(frozen=True, slots=True)
class FavoriteRow:
    """One stored favorite."""

    title_id: int
    name_ru: str | None
    name_en: str | None
    added_at: float
    """Unix seconds when it was added here (or first seen in the account's list)."""
    state: SyncState
    remote: bool
    """The server may have it (it listed it, or an addFavorite was sent)."""
    changed_at: float
    """Unix seconds of the last local change; `confirm()` compares it."""

    @property
    def pending(self) -> bool:
        """A change the account has not confirmed yet."""
        return self.state is not SyncState.SYNCED


@dataclass(frozen=True, slots=True)
class RemoteFavorite:
    """A favorite as the account's list (getFavorites) has it."""

    title_id: int
    name_ru: str | None = None
    name_en: str | None = None


_COLUMNS = "title_id, name_ru, name_en, added_at, state, remote, changed_at"


def _row(row: sqlite3.Row) -> FavoriteRow:
    return FavoriteRow(
        title_id=int(row["title_id"]),
        name_ru=row["name_ru"],
        name_en=row["name_en"],
        added_at=float(row["added_at"]),
        state=SyncState(row["state"]),
        remote=bool(row["remote"]),
        changed_at=float(row["changed_at"]),
    )


class FavoritesStore:
    """The `favorites` table."""

    def __init__(self, db: Database) -> None:
        """Use the `favorites` table of `db`."""
        self._db = db

    def get(self, title_id: int) -> FavoriteRow | None:
        """The row of `title_id` (pending deletes included), or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM favorites WHERE title_id = ?", (title_id,)
        )
        return None if row is None else _row(row)

    def visible(self) -> list[FavoriteRow]:
        """The favorites the user has (pending deletes left out), oldest first."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM favorites WHERE state != 'pending_delete'"
            " ORDER BY added_at, title_id"
        )
        return [_row(r) for r in rows]

    def contains(self, title_id: int) -> bool:
        """Whether `title_id` is a favorite (a pending delete is not)."""
        row = self._db.query_one(
            "SELECT 1 FROM favorites WHERE title_id = ? AND state != 'pending_delete'",
            (title_id,),
        )
        return row is not None

    def ids(self) -> frozenset[int]:
        """The ids of `visible()`."""
        rows = self._db.query("SELECT title_id FROM favorites WHERE state != 'pending_delete'")
        return frozenset(int(r["title_id"]) for r in rows)

    def pending(self) -> list[FavoriteRow]:
        """Changes the account has not confirmed, in the order they were made."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM favorites WHERE state != 'synced'"
            " ORDER BY changed_at, title_id"
        )
        return [_row(r) for r in rows]

    def add(
        self, title_id: int, *, at: float, name_ru: str | None = None, name_en: str | None = None
    ) -> bool:
        """Make `title_id` a favorite (queued for the account); False if it already was one.

        Known names are kept when None is given.
        """
        with self._db.transaction() as conn:
            found = conn.execute(
                "SELECT state FROM favorites WHERE title_id = ?", (title_id,)
            ).fetchone()
            if found is None:
                conn.execute(
                    f"INSERT INTO favorites ({_COLUMNS}) VALUES (?, ?, ?, ?, 'pending_add', 0, ?)",
                    (title_id, name_ru, name_en, at, at),
                )
                return True
            conn.execute(
                "UPDATE favorites SET name_ru = COALESCE(?, name_ru),"
                " name_en = COALESCE(?, name_en) WHERE title_id = ?",
                (name_ru, name_en, title_id),
            )
            if found["state"] != SyncState.PENDING_DELETE.value:
                return False
            # Re-adding what was queued for deletion: ask for an add (idempotent on the server)
            # rather than assume the server still has it.
            conn.execute(
                "UPDATE favorites SET state = 'pending_add', added_at = ?, changed_at = ?"
                " WHERE title_id = ?",
                (at, at, title_id),
            )
            return True

    def remove(self, title_id: int, *, at: float) -> bool:
        """Stop `title_id` being a favorite; False if it was not one."""
        with self._db.transaction() as conn:
            found = conn.execute(
                "SELECT state, remote FROM favorites WHERE title_id = ?", (title_id,)
            ).fetchone()
            if found is None or found["state"] == SyncState.PENDING_DELETE.value:
                return False
            if found["remote"]:
                conn.execute(
                    "UPDATE favorites SET state = 'pending_delete', changed_at = ?"
                    " WHERE title_id = ?",
                    (at, title_id),
                )
            else:
                conn.execute("DELETE FROM favorites WHERE title_id = ?", (title_id,))
            return True

    def mark_remote(self, title_id: int) -> None:
        """Note that the server may have `title_id` (call before sending its addFavorite)."""
        self._db.execute("UPDATE favorites SET remote = 1 WHERE title_id = ?", (title_id,))

    def confirm(self, row: FavoriteRow) -> bool:
        """The server applied `row`'s pending change: an add becomes synced, a delete goes.

        Does nothing (False) if the row changed locally since `row` was read.
        """
        if row.state is SyncState.PENDING_ADD:
            changed = self._db.execute(
                "UPDATE favorites SET state = 'synced', remote = 1 WHERE title_id = ?"
                " AND state = 'pending_add' AND changed_at = ?",
                (row.title_id, row.changed_at),
            )
        elif row.state is SyncState.PENDING_DELETE:
            changed = self._db.execute(
                "DELETE FROM favorites WHERE title_id = ? AND state = 'pending_delete'"
                " AND changed_at = ?",
                (row.title_id, row.changed_at),
            )
        else:
            return False
        return changed > 0

    def requeue_all(self, *, at: float) -> int:
        """Turn every synced favorite into a pending add (after a login: merge, lose nothing)."""
        return self._db.execute(
            "UPDATE favorites SET state = 'pending_add', changed_at = ? WHERE state = 'synced'",
            (at,),
        )

    def reconcile(
        self, server: Iterable[RemoteFavorite], *, at: float
    ) -> tuple[frozenset[int], frozenset[int]]:
        """Make the synced favorites equal the account's list; pending rows are left alone.

        Titles the server lists that are not here are added as synced; synced titles it no
        longer lists are removed. Returns (added ids, removed ids).
        """
        listed = {f.title_id: f for f in server}
        added: set[int] = set()
        removed: set[int] = set()
        with self._db.transaction() as conn:
            local = {
                int(r["title_id"]): str(r["state"])
                for r in conn.execute("SELECT title_id, state FROM favorites")
            }
            for title_id, favorite in listed.items():
                state = local.get(title_id)
                if state is None:
                    conn.execute(
                        f"INSERT INTO favorites ({_COLUMNS}) VALUES (?, ?, ?, ?, 'synced', 1, ?)",
                        (title_id, favorite.name_ru, favorite.name_en, at, at),
                    )
                    added.add(title_id)
                else:
                    conn.execute(
                        "UPDATE favorites SET remote = 1, name_ru = COALESCE(?, name_ru),"
                        " name_en = COALESCE(?, name_en) WHERE title_id = ?",
                        (favorite.name_ru, favorite.name_en, title_id),
                    )
            for title_id, state in local.items():
                if title_id in listed:
                    continue
                if state == SyncState.SYNCED.value:
                    conn.execute("DELETE FROM favorites WHERE title_id = ?", (title_id,))
                    removed.add(title_id)
                elif state == SyncState.PENDING_DELETE.value:
                    # Gone on the server already: nothing left to tell it.
                    conn.execute("DELETE FROM favorites WHERE title_id = ?", (title_id,))
        return frozenset(added), frozenset(removed)

"""Collections (planned, watching, watched, postponed, abandoned), local first: a title is in at
most one, with its names for display offline and its sync state against the account.

One row per title the user or the account ever put in a collection:

- `collection` is the collection it is in here; NULL means "taken out here" while the account
  has not been told yet (a pending removal, hidden from `visible()`);
- `state` is `synced` (the account had exactly this the last time the lists were compared) or
  `pending` (changed here, not yet confirmed by the account);
- `remote` is "the account may have it": set when the account listed it and *before* a change
  is sent (the answer can be lost after the server acted). Taking out a title the account
  cannot have just forgets the row.

The service (`app/services/collections.py`) owns the sync rules; this module only stores, and
`confirm()` / `reconcile()` change a row only if it is still the way the sync saw it, so a
change the user makes while a request is on its way is never overwritten.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from app.store.db import Database

__all__ = ["CollectionRow", "CollectionsStore", "RemoteEntry"]


@dataclass(frozen=True, slots=True)
class CollectionRow:
    """One stored title and its collection."""

    title_id: int
    collection: str | None
    """The collection here; None: taken out here, the account not told yet."""
    name_ru: str | None
    name_en: str | None
    pending: bool
    """A change the account has not confirmed yet."""
    remote: bool
    """The account may have it in a collection."""
    changed_at: float
    """Unix seconds of the last local change; `confirm()` compares it."""


@dataclass(frozen=True, slots=True)
class RemoteEntry:
    """A title in one of the account's collections, as its list has it."""

    title_id: int
    collection: str


_COLUMNS = "title_id, collection, name_ru, name_en, state, remote, changed_at"


def _row(row: sqlite3.Row) -> CollectionRow:
    return CollectionRow(
        title_id=int(row["title_id"]),
        collection=row["collection"],
        name_ru=row["name_ru"],
        name_en=row["name_en"],
        pending=row["state"] == "pending",
        remote=bool(row["remote"]),
        changed_at=float(row["changed_at"]),
    )


class CollectionsStore:
    """The `collections` table."""

    def __init__(self, db: Database) -> None:
        """Use the `collections` table of `db`."""
        self._db = db

    def get(self, title_id: int) -> CollectionRow | None:
        """The row of `title_id` (pending removals included), or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM collections WHERE title_id = ?", (title_id,)
        )
        return None if row is None else _row(row)

    def collection_of(self, title_id: int) -> str | None:
        """The collection `title_id` is in here, None when in none."""
        row = self.get(title_id)
        return None if row is None else row.collection

    def visible(self, collection: str | None = None) -> list[CollectionRow]:
        """The titles in a collection (only `collection`'s when given), by id."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM collections WHERE collection IS NOT NULL"
            " AND (? IS NULL OR collection = ?) ORDER BY title_id",
            (collection, collection),
        )
        return [_row(r) for r in rows]

    def pending(self) -> list[CollectionRow]:
        """Changes the account has not confirmed, in the order they were made."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM collections WHERE state = 'pending'"
            " ORDER BY changed_at, title_id"
        )
        return [_row(r) for r in rows]

    def without_names(self) -> list[int]:
        """Titles in a collection whose names are not known yet (arrived from the account)."""
        rows = self._db.query(
            "SELECT title_id FROM collections WHERE collection IS NOT NULL"
            " AND name_ru IS NULL AND name_en IS NULL ORDER BY title_id"
        )
        return [int(r["title_id"]) for r in rows]

    def set_names(self, title_id: int, name_ru: str | None, name_en: str | None) -> None:
        """Keep `title_id`'s names for display offline (None keeps a known one)."""
        self._db.execute(
            "UPDATE collections SET name_ru = COALESCE(?, name_ru),"
            " name_en = COALESCE(?, name_en) WHERE title_id = ?",
            (name_ru, name_en, title_id),
        )

    def put(
        self,
        title_id: int,
        collection: str | None,
        *,
        at: float,
        name_ru: str | None = None,
        name_en: str | None = None,
    ) -> bool:
        """Put `title_id` in `collection` (None: in none), queued for the account; False when it
        already was there."""
        with self._db.transaction() as conn:
            found = conn.execute(
                "SELECT collection, remote FROM collections WHERE title_id = ?", (title_id,)
            ).fetchone()
            if found is None:
                if collection is None:
                    return False
                conn.execute(
                    f"INSERT INTO collections ({_COLUMNS}) VALUES (?, ?, ?, ?, 'pending', 0, ?)",
                    (title_id, collection, name_ru, name_en, at),
                )
                return True
            conn.execute(
                "UPDATE collections SET name_ru = COALESCE(?, name_ru),"
                " name_en = COALESCE(?, name_en) WHERE title_id = ?",
                (name_ru, name_en, title_id),
            )
            if found["collection"] == collection:
                return False
            if collection is None and not found["remote"]:
                conn.execute("DELETE FROM collections WHERE title_id = ?", (title_id,))
            else:
                conn.execute(
                    "UPDATE collections SET collection = ?, state = 'pending', changed_at = ?"
                    " WHERE title_id = ?",
                    (collection, at, title_id),
                )
            return True

    def mark_remote(self, title_id: int) -> None:
        """Note that the account may have `title_id` (call before sending its change)."""
        self._db.execute("UPDATE collections SET remote = 1 WHERE title_id = ?", (title_id,))

    def confirm(self, row: CollectionRow) -> bool:
        """The account applied `row`'s pending change: it becomes synced (a removal goes).

        Does nothing (False) if the row changed locally since `row` was read.
        """
        if row.collection is None:
            changed = self._db.execute(
                "DELETE FROM collections WHERE title_id = ? AND state = 'pending'"
                " AND collection IS NULL AND changed_at = ?",
                (row.title_id, row.changed_at),
            )
        else:
            changed = self._db.execute(
                "UPDATE collections SET state = 'synced', remote = 1 WHERE title_id = ?"
                " AND state = 'pending' AND collection = ? AND changed_at = ?",
                (row.title_id, row.collection, row.changed_at),
            )
        return changed > 0

    def requeue_all(self, *, at: float) -> int:
        """Turn every synced title into a pending change (after a login: merge, lose nothing)."""
        return self._db.execute(
            "UPDATE collections SET state = 'pending', changed_at = ?"
            " WHERE state = 'synced' AND collection IS NOT NULL",
            (at,),
        )

    def reconcile(self, account: Iterable[RemoteEntry], *, at: float) -> frozenset[int]:
        """Make the synced titles equal the account's lists; pending rows are left alone.

        A title the account lists comes in (or moves) as synced; a synced title it no longer
        lists is taken out. Returns the ids whose collection changed here.
        """
        listed = {entry.title_id: entry.collection for entry in account}
        changed: set[int] = set()
        with self._db.transaction() as conn:
            local = {
                int(r["title_id"]): (r["collection"], str(r["state"]))
                for r in conn.execute("SELECT title_id, collection, state FROM collections")
            }
            for title_id, collection in listed.items():
                here = local.get(title_id)
                if here is None:
                    conn.execute(
                        "INSERT INTO collections (title_id, collection, state, remote, changed_at)"
                        " VALUES (?, ?, 'synced', 1, ?)",
                        (title_id, collection, at),
                    )
                    changed.add(title_id)
                elif here[1] == "synced" and here[0] != collection:
                    conn.execute(
                        "UPDATE collections SET collection = ?, remote = 1 WHERE title_id = ?",
                        (collection, title_id),
                    )
                    changed.add(title_id)
                else:
                    conn.execute(
                        "UPDATE collections SET remote = 1 WHERE title_id = ?", (title_id,)
                    )
            for title_id, (collection, state) in local.items():
                if title_id in listed:
                    continue
                if state == "synced":
                    conn.execute("DELETE FROM collections WHERE title_id = ?", (title_id,))
                    changed.add(title_id)
                elif collection is None:
                    # Gone from the account already: nothing left to tell it.
                    conn.execute("DELETE FROM collections WHERE title_id = ?", (title_id,))
        return frozenset(changed)

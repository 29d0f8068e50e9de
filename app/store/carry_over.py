"""The user's titles across AniLibria's APIs: favorites, history (resume positions, watched
marks, skip offsets) and downloads refer to titles by id, and ids may differ between two APIs
of one catalog (v2 and AniLiberty v1). What this store keeps to carry them over:

- `title_codes`: each title's code as the API called it (v2's `code` is v1's `alias`),
  remembered as titles are read, for the titles whose id the next API does not know;
- `missing_titles`: the user's titles the API in use does not have: kept, and listed;
- the `kv` key `catalog.api`: the API the data was made under (see `made_under`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.store.db import Database

__all__ = ["MADE_UNDER_KEY", "CarryOverStore", "UserTitle"]

MADE_UNDER_KEY = "catalog.api"
"""The `kv` key naming the API the stored data refers to (`CatalogApi.api_name`)."""


@dataclass(frozen=True, slots=True)
class UserTitle:
    """A title some of the user's data refers to, with its name and code as last stored."""

    title_id: int
    name: str | None
    code: str | None


class CarryOverStore:
    """Title codes, missing titles and moving the user's data from one title id to another."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def remember_codes(self, codes: Mapping[int, str]) -> None:
        """Store each title's code (the API's own name for it), replacing an older one."""
        if not codes:
            return
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO title_codes (title_id, code) VALUES (?, ?)"
                " ON CONFLICT (title_id) DO UPDATE SET code = excluded.code",
                codes.items(),
            )

    def user_titles(self) -> list[UserTitle]:
        """Every title a favorite, a collection, a history entry or a download refers to, by
        id."""
        rows = self._db.query(
            """
            SELECT ids.title_id,
                   COALESCE(
                       (SELECT COALESCE(name_ru, name_en) FROM favorites f
                        WHERE f.title_id = ids.title_id),
                       (SELECT name FROM watch_titles w WHERE w.title_id = ids.title_id),
                       (SELECT title_name FROM downloads d WHERE d.title_id = ids.title_id
                        ORDER BY added_at LIMIT 1),
                       (SELECT COALESCE(name_ru, name_en) FROM collections k
                        WHERE k.title_id = ids.title_id)
                   ) AS name,
                   (SELECT code FROM title_codes c WHERE c.title_id = ids.title_id) AS code
            FROM (
                SELECT title_id FROM favorites
                UNION SELECT title_id FROM watch_titles
                UNION SELECT title_id FROM watch_progress
                UNION SELECT title_id FROM downloads WHERE title_id IS NOT NULL
                UNION SELECT title_id FROM collections
            ) AS ids
            ORDER BY ids.title_id
            """
        )
        return [UserTitle(int(r["title_id"]), r["name"], r["code"]) for r in rows]

    def move(self, old_id: int, new_id: int) -> None:
        """Let everything stored under title `old_id` refer to `new_id` (the same title on
        another API). Where `new_id` already has a row of its own (a favorite, an episode's
        progress) that row is kept and the old one stays under `old_id`: nothing is lost."""
        with self._db.transaction() as conn:
            # The moved favorite is new to the account of the other API: sync adds it there
            # instead of taking its absence from that account's list for a removal.
            conn.execute(
                "UPDATE OR IGNORE favorites SET title_id = ?, remote = 0,"
                " state = CASE state WHEN 'synced' THEN 'pending_add' ELSE state END"
                " WHERE title_id = ?",
                (new_id, old_id),
            )
            # Likewise a collection: the other API's account has yet to hear of it.
            conn.execute(
                "UPDATE OR IGNORE collections SET title_id = ?, remote = 0, state = 'pending'"
                " WHERE title_id = ?",
                (new_id, old_id),
            )
            for table in ("watch_progress", "watch_titles", "downloads", "title_codes"):
                conn.execute(
                    f"UPDATE OR IGNORE {table} SET title_id = ? WHERE title_id = ?",
                    (new_id, old_id),
                )

    def made_under(self) -> str | None:
        """The API the stored data refers to; None when nothing was made yet."""
        row = self._db.query_one("SELECT value FROM kv WHERE key = ?", (MADE_UNDER_KEY,))
        return None if row is None else str(row["value"])

    def carried_over(self, api: str, missing: Iterable[UserTitle]) -> None:
        """The data now refers to `api`'s titles; `missing` are those `api` does not have."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM missing_titles")
            conn.executemany(
                "INSERT INTO missing_titles (title_id, name, api) VALUES (?, ?, ?)",
                ((title.title_id, title.name, api) for title in missing),
            )
            conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (MADE_UNDER_KEY, api),
            )

    def missing(self) -> dict[int, str]:
        """The user's titles the API in use does not have: id -> that API's name."""
        rows = self._db.query("SELECT title_id, api FROM missing_titles")
        return {int(r["title_id"]): str(r["api"]) for r in rows}

"""The Torrents screen's filters: the ones in use (one row) and the named presets.

The filters are stored as the JSON text `TorrentFilters.to_json()` writes; reading it back (and
refusing what cannot be read) is the service's business, so this module never needs to change
when a filter is added.
"""

from __future__ import annotations

from app.store.db import Database

__all__ = ["TorrentFilterStore"]


class TorrentFilterStore:
    """The `torrent_filters` and `torrent_filter_presets` tables."""

    def __init__(self, db: Database) -> None:
        """Use the tables of `db`."""
        self._db = db

    def current(self) -> str | None:
        """The filters last in use, or None when none were saved."""
        row = self._db.query_one("SELECT filters FROM torrent_filters WHERE slot = 1")
        return None if row is None else str(row["filters"])

    def set_current(self, filters: str) -> None:
        """Remember `filters` as the ones in use."""
        self._db.execute(
            "INSERT INTO torrent_filters (slot, filters) VALUES (1, ?)"
            " ON CONFLICT (slot) DO UPDATE SET filters = excluded.filters",
            (filters,),
        )

    def preset_names(self) -> list[str]:
        """The presets' names, alphabetically (case aside)."""
        rows = self._db.query(
            "SELECT name FROM torrent_filter_presets ORDER BY name COLLATE NOCASE, name"
        )
        return [str(row["name"]) for row in rows]

    def preset(self, name: str) -> str | None:
        """The filters of the preset `name`, or None when there is no such preset."""
        row = self._db.query_one(
            "SELECT filters FROM torrent_filter_presets WHERE name = ?", (name,)
        )
        return None if row is None else str(row["filters"])

    def save_preset(self, name: str, filters: str) -> None:
        """Save `filters` as the preset `name`, replacing a preset of that name."""
        self._db.execute(
            "INSERT INTO torrent_filter_presets (name, filters) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET filters = excluded.filters",
            (name, filters),
        )

    def delete_preset(self, name: str) -> None:
        """Forget the preset `name` (nothing happens when there is none)."""
        self._db.execute("DELETE FROM torrent_filter_presets WHERE name = ?", (name,))

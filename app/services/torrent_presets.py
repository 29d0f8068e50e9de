"""The Torrents screen's filters kept between runs: the ones in use and the named presets.

What is stored is read back strictly (`TorrentFilters.from_json`): a value that cannot be read
(written by hand, by a broken version) is reported and never half-applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.services.torrent_search import TorrentFilters
from app.store.torrent_filters import TorrentFilterStore

__all__ = ["RestoredFilters", "TorrentFilterMemory", "UnreadablePresetError"]

log = logging.getLogger("anitui.torrent_presets")


@dataclass(frozen=True)
class RestoredFilters:
    """The filters to start with, and whether the saved ones had to be set aside."""

    filters: TorrentFilters
    unreadable: bool = False
    """The saved filters could not be read: `filters` are the defaults."""


class UnreadablePresetError(ValueError):
    """A preset whose stored filters cannot be read (it stays, for the user to delete)."""


class TorrentFilterMemory:
    """Saves and reads the Torrents screen's filters."""

    def __init__(self, store: TorrentFilterStore) -> None:
        self._store = store

    def restore(self) -> RestoredFilters:
        """The filters last in use (the defaults the first time)."""
        saved = self._store.current()
        if saved is None:
            return RestoredFilters(TorrentFilters())
        try:
            return RestoredFilters(TorrentFilters.from_json(saved))
        except ValueError as exc:
            log.warning("the saved torrent filters are ignored: %s", exc)
            return RestoredFilters(TorrentFilters(), unreadable=True)

    def remember(self, filters: TorrentFilters) -> None:
        """Keep `filters` as the ones in use for the next run."""
        self._store.set_current(filters.to_json())

    def preset_names(self) -> list[str]:
        """The presets' names, alphabetically."""
        return self._store.preset_names()

    def preset(self, name: str) -> TorrentFilters | None:
        """The filters of the preset `name`; None when there is none. Raises
        `UnreadablePresetError` when its stored filters cannot be read."""
        saved = self._store.preset(name)
        if saved is None:
            return None
        try:
            return TorrentFilters.from_json(saved)
        except ValueError as exc:
            log.warning("the torrent filter preset %r is unreadable: %s", name, exc)
            raise UnreadablePresetError(name) from exc

    def save_preset(self, name: str, filters: TorrentFilters) -> None:
        """Save `filters` as the preset `name` (replacing one of that name)."""
        self._store.save_preset(name, filters.to_json())

    def delete_preset(self, name: str) -> None:
        """Forget the preset `name`."""
        self._store.delete_preset(name)

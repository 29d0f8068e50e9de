"""The stored Torrents filters: the ones in use and the named presets, kept across reopening;
an older database gains the tables and keeps its data."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store import db as db_module
from app.store.db import MIGRATIONS, Database
from app.store.kv import KeyValueStore
from app.store.torrent_filters import TorrentFilterStore

FILTERS_MIGRATION = next(
    number for number, script in enumerate(MIGRATIONS, 1) if "torrent_filter_presets" in script
)


def test_current_filters_and_presets_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "anitui.db"
    db = Database.open(path)
    store = TorrentFilterStore(db)
    assert store.current() is None and store.preset_names() == []
    store.set_current('{"mtl": false}')
    store.set_current('{"mtl": true}')
    store.save_preset("zeta", "{}")
    store.save_preset("Alpha", '{"group": "x"}')
    store.save_preset("beta [/]", "{}")
    store.save_preset("Alpha", '{"group": "y"}')
    store.save_preset("gone", "{}")
    store.delete_preset("gone")
    store.delete_preset("never there")
    db.close()
    db = Database.open(path)
    try:
        store = TorrentFilterStore(db)
        assert store.current() == '{"mtl": true}'
        assert store.preset_names() == ["Alpha", "beta [/]", "zeta"]
        assert store.preset("Alpha") == '{"group": "y"}'
        assert store.preset("gone") is None
    finally:
        db.close()


def test_an_older_database_gains_the_tables_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS[: FILTERS_MIGRATION - 1])
    old = Database.open(path)
    KeyValueStore(old).set("schedule.weekday", "3")
    with pytest.raises(db_module.StoreError):
        TorrentFilterStore(old).current()
    old.close()
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS)
    upgraded = Database.open(path)
    try:
        assert KeyValueStore(upgraded).get("schedule.weekday") == "3"
        store = TorrentFilterStore(upgraded)
        assert store.current() is None
        store.save_preset("after the upgrade", "{}")
        assert store.preset_names() == ["after the upgrade"]
    finally:
        upgraded.close()

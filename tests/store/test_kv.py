"""The key/value table for small remembered UI state."""

from __future__ import annotations

from pathlib import Path

from app.store.db import Database
from app.store.kv import KeyValueStore


def test_get_set_replace_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "anitui.db"
    db = Database.open(path)
    kv = KeyValueStore(db)
    assert kv.get("schedule.weekday") is None
    kv.set("schedule.weekday", "3")
    kv.set("schedule.weekday", "5")
    kv.set("other", "[b]not markup[/b]")
    assert kv.get("schedule.weekday") == "5"
    db.close()
    db = Database.open(path)
    try:
        kv = KeyValueStore(db)
        assert kv.get("schedule.weekday") == "5"
        assert kv.get("other") == "[b]not markup[/b]"
    finally:
        db.close()

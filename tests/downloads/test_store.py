"""DownloadStore: rows round trip, survive a reopen, and migration 3 upgrades a version-2 db."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store import db as db_module
from app.store.db import MIGRATIONS, Database, StoreError
from app.store.downloads import PRIORITIES, STATUSES, DownloadRecord, DownloadStore
from app.store.history import HistoryStore
from tests.downloads.conftest import stored


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "anitui.db")
    yield database
    database.close()


def user_version(db: Database) -> int:
    """The database's schema version (PRAGMA user_version)."""
    row = db.query_one("PRAGMA user_version")
    assert row is not None
    return int(row[0])


def record(n: int = 1, **changes: Any) -> DownloadRecord:
    base = DownloadRecord(
        id=f"id-{n}",
        info_hash=f"{n:040x}",
        name=f"[SubsPlease] Show {n} \x1b[31m",
        title_id=9000 + n,
        title_name="Шоу",
        episodes="1-12",
        source="anilibria",
        magnet=None,
        status="pending",
        priority="NORMAL",
        position=n,
        folder="Show",
        selected=(0, 2),
        added_at=100.0 + n,
        started_at=None,
        completed_at=None,
        done=0,
        wanted=1000,
        error=None,
        retry_count=0,
        next_retry_at=None,
    )
    return dataclasses.replace(base, **changes)


def test_round_trip_and_lookups(db: Database) -> None:
    store = DownloadStore(db)
    first = record(1)
    second = record(2, selected=None, magnet="magnet:?xt=urn:btih:" + "2" * 40, title_id=None)
    store.insert(first, b"d4:infod4:name1:xee")
    store.insert(second, None)
    assert store.get("id-1") == first
    assert store.by_info_hash(second.info_hash) == second
    assert store.get("nope") is None and store.by_info_hash("0" * 40) is None
    assert [r.id for r in store.all()] == ["id-1", "id-2"]
    assert store.torrent("id-1") == b"d4:infod4:name1:xee"
    assert store.torrent("id-2") is None
    store.set_torrent("id-2", b"abc")
    assert store.torrent("id-2") == b"abc"
    assert store.next_position() == 3


def test_every_status_and_priority_passes_the_tables_check(db: Database) -> None:
    """The CHECK constraints of migration 3 write the values out; they must match the types."""
    store = DownloadStore(db)
    for n, status in enumerate(STATUSES):
        store.insert(record(n, status=status, priority=PRIORITIES[n % len(PRIORITIES)]), None)
    assert [(r.status, r.priority) for r in store.all()] == [
        (status, PRIORITIES[n % len(PRIORITIES)]) for n, status in enumerate(STATUSES)
    ]


def test_duplicate_info_hash_is_refused(db: Database) -> None:
    store = DownloadStore(db)
    store.insert(record(1), None)
    with pytest.raises(StoreError):
        store.insert(record(1, id="other"), None)


def test_update_progress_positions_and_delete(db: Database) -> None:
    store = DownloadStore(db)
    for n in (1, 2, 3):
        store.insert(record(n), None)
    store.update(
        "id-1",
        status="failed",
        error="disk full",
        retry_count=2,
        next_retry_at=500.0,
        selected=(5,),
        started_at=1.5,
    )
    got = store.get("id-1")
    assert got is not None
    assert (got.status, got.error, got.retry_count, got.next_retry_at) == (
        "failed",
        "disk full",
        2,
        500.0,
    )
    assert got.selected == (5,) and got.started_at == 1.5
    store.update("id-1", selected=None)
    assert stored(store, "id-1").selected is None
    with pytest.raises(StoreError):
        store.update("id-1", info_hash="x")
    with pytest.raises(StoreError):  # the CHECK constraint
        store.update("id-1", status="bogus")
    store.save_progress([("id-2", 300, 1000), ("id-3", 1000, 1000)])
    assert (stored(store, "id-2").done, stored(store, "id-3").done) == (300, 1000)
    store.set_positions([("id-1", 3), ("id-3", 1)])
    assert [r.id for r in store.all()] == ["id-3", "id-2", "id-1"]
    assert store.delete("id-2") and not store.delete("id-2")
    assert store.delete_ids(["id-1", "id-3", "zzz"]) == 2
    assert store.all() == []
    assert store.next_position() == 0


def test_queue_running_flag(db: Database) -> None:
    store = DownloadStore(db)
    assert store.queue_running()
    store.set_queue_running(False)
    assert not store.queue_running()
    store.set_queue_running(True)
    assert store.queue_running()


def test_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "anitui.db"
    db = Database.open(path)
    store = DownloadStore(db)
    store.insert(record(1, status="downloading", done=10), b"torrent")
    store.set_queue_running(False)
    db.close()
    db = Database.open(path)
    try:
        store = DownloadStore(db)
        assert store.all() == [record(1, status="downloading", done=10)]
        assert store.torrent("id-1") == b"torrent"
        assert not store.queue_running()
    finally:
        db.close()


def test_damaged_selection_falls_back_to_all(db: Database) -> None:
    store = DownloadStore(db)
    store.insert(record(1), None)
    db.execute("UPDATE downloads SET selected = 'not json' WHERE id = 'id-1'")
    assert stored(store, "id-1").selected is None


def test_migration_from_version_2_keeps_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "anitui.db"
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "MIGRATIONS", MIGRATIONS[:2])
        old = Database.open(path)
        assert user_version(old) == 2
        # Written as that version wrote it: today's store knows columns it did not have.
        with old.transaction() as conn:
            conn.execute(
                "INSERT INTO watch_progress (title_id, episode, position, duration, updated_at)"
                " VALUES (1, 3, 12.0, 100.0, 5.0)"
            )
        old.close()
    db = Database.open(path)
    try:
        assert user_version(db) == len(MIGRATIONS)
        assert len(MIGRATIONS) >= 3
        progress = HistoryStore(db).progress(1, 3)
        assert progress is not None and progress.position == 12.0
        store = DownloadStore(db)
        store.insert(record(1), None)
        assert store.get("id-1") == record(1)
    finally:
        db.close()


def test_migration_5_names_old_title_downloads_with_their_episodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "anitui.db"
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "MIGRATIONS", MIGRATIONS[:4])
        old = Database.open(path)
        DownloadStore(old).insert(record(1), None)
        DownloadStore(old).insert(record(2, title_name=None, episodes=None, source="magnet"), None)
        old.close()
    db = Database.open(path)
    try:
        store = DownloadStore(db)
        assert stored(store, "id-1").title_name == "Шоу · 1-12"
        assert stored(store, "id-2").title_name is None
    finally:
        db.close()


def test_has_unfinished_ignores_completed_downloads(db: Database) -> None:
    store = DownloadStore(db)
    assert not store.has_unfinished()
    store.insert(record(1, status="completed"), None)
    assert not store.has_unfinished()
    store.insert(record(2, status="paused"), None)
    assert store.has_unfinished()

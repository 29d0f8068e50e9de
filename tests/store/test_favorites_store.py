"""The favorites table: states, the `remote` flag, compare-and-set confirms and reconcile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.db import Database
from app.store.favorites import FavoritesStore, RemoteFavorite, SyncState


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FavoritesStore]:
    db = Database.open(tmp_path / "anitui.db")
    try:
        yield FavoritesStore(db)
    finally:
        db.close()


def test_add_remove_without_the_server_forgets_the_row(store: FavoritesStore) -> None:
    assert store.add(1, at=1.0, name_en="One")
    row = store.get(1)
    assert row is not None and row.state is SyncState.PENDING_ADD and not row.remote
    assert store.remove(1, at=2.0)
    assert store.get(1) is None  # the server never had it: nothing to delete there


def test_a_row_the_server_may_have_queues_a_delete(store: FavoritesStore) -> None:
    store.add(1, at=1.0)
    store.mark_remote(1)  # an addFavorite went out; its answer may be lost
    assert store.remove(1, at=2.0)
    row = store.get(1)
    assert row is not None and row.state is SyncState.PENDING_DELETE
    assert not store.contains(1) and store.ids() == frozenset() and store.visible() == []
    assert not store.remove(1, at=3.0)
    assert store.add(1, at=4.0)  # re-added: an add again, never "assume still there"
    row = store.get(1)
    assert row is not None and row.state is SyncState.PENDING_ADD


def test_confirm_is_compare_and_set(store: FavoritesStore) -> None:
    store.add(1, at=1.0)
    seen = store.get(1)
    assert seen is not None
    store.mark_remote(1)
    store.remove(1, at=2.0)  # changed while the request was on its way
    assert not store.confirm(seen)
    row = store.get(1)
    assert row is not None and row.state is SyncState.PENDING_DELETE
    assert store.confirm(row)
    assert store.get(1) is None


def test_reconcile_leaves_pending_rows_alone(store: FavoritesStore) -> None:
    store.add(1, at=1.0)  # pending add, not listed by the server
    store.add(2, at=2.0)
    two = store.get(2)
    assert two is not None and store.confirm(two)  # synced, not listed: removed elsewhere
    store.add(3, at=3.0)
    three = store.get(3)
    assert three is not None and store.confirm(three)
    store.remove(3, at=4.0)  # pending delete, still listed: stays queued
    added, removed = store.reconcile(
        [RemoteFavorite(3), RemoteFavorite(4, "Четыре", "Four")], at=5.0
    )
    assert added == {4} and removed == {2}
    assert store.ids() == {1, 4}
    row = store.get(3)
    assert row is not None and row.state is SyncState.PENDING_DELETE
    four = store.get(4)
    assert four is not None and four.state is SyncState.SYNCED and four.name_en == "Four"
    assert store.requeue_all(at=6.0) == 1
    assert [r.title_id for r in store.pending()] == [1, 3, 4]

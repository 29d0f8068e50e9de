"""The carry-over tables: which API the stored data was made under, and moving a title's data
to its id on another API without losing any of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sources.anilibria.client import AniLibriaClient
from app.store import db as db_module
from app.store.carry_over import CarryOverStore
from app.store.collections import CollectionsStore
from app.store.db import MIGRATIONS, Database
from app.store.favorites import FavoritesStore, SyncState
from app.store.history import HistoryStore

CARRY_OVER_MIGRATION = 7


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    opened = Database.open(tmp_path / "anitui.db")
    try:
        yield opened
    finally:
        opened.close()


def test_data_from_before_the_carry_over_was_made_under_api_v2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS[: CARRY_OVER_MIGRATION - 1])
    old = Database.open(path)
    FavoritesStore(old).add(7, at=1.0, name_ru="Семь")
    old.close()
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS)
    upgraded = Database.open(path)
    try:
        # The only API anitui spoke then: named as that client names itself.
        assert CarryOverStore(upgraded).made_under() == AniLibriaClient.api_name
    finally:
        upgraded.close()


def test_a_new_database_was_made_under_no_api_yet(db: Database) -> None:
    assert CarryOverStore(db).made_under() is None


def test_moving_a_title_keeps_every_row_and_requeues_its_favorite(db: Database) -> None:
    store, favorites, history = CarryOverStore(db), FavoritesStore(db), HistoryStore(db)
    favorites.add(1, at=1.0, name_ru="Один")
    favorites.mark_remote(1)
    [synced] = favorites.pending()
    assert favorites.confirm(synced)
    before = favorites.get(1)
    assert before is not None and before.state is SyncState.SYNCED and before.remote
    history.record_position(1, 1, 100.0, 1440.0, at=2.0, title_name="Один")
    history.record_position(1, 2, 200.0, 1440.0, at=3.0, title_name="Один")
    # The new id already has episode 2: that row stays, the old one is kept under the old id.
    history.record_position(5, 2, 900.0, 1440.0, at=4.0, title_name="Один")
    store.remember_codes({1: "odin"})

    store.move(1, 5)

    row = favorites.get(5)
    assert favorites.get(1) is None and row is not None
    # New to the other API's account: sent there, never taken as removed from it.
    assert row.state is SyncState.PENDING_ADD and not row.remote
    assert history.progress(5, 1) is not None and history.progress(1, 1) is None
    episode_two = history.progress(5, 2)
    assert episode_two is not None and episode_two.position == 900.0
    assert history.progress(1, 2) is not None
    assert [(t.title_id, t.code) for t in store.user_titles()] == [(1, None), (5, "odin")]


def test_moving_a_title_takes_its_collection_along_for_the_new_account(db: Database) -> None:
    store, collections = CarryOverStore(db), CollectionsStore(db)
    collections.put(1, "WATCHING", at=1.0, name_ru="Один")
    collections.mark_remote(1)
    assert [t.title_id for t in store.user_titles()] == [1]

    store.move(1, 5)

    row = collections.get(5)
    assert collections.get(1) is None and row is not None
    assert row.collection == "WATCHING" and row.pending and not row.remote

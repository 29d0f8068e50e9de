"""Visits: the previous visit to a screen, for "updated since your last visit" marks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.db import Database
from app.store.visits import VisitStore


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "anitui.db")
    yield database
    database.close()


def test_first_visit_has_no_previous(db: Database) -> None:
    visits = VisitStore(db)
    assert visits.last_visit("updates") is None
    assert visits.record_visit("updates", 1000.5) is None
    assert visits.last_visit("updates") == 1000.5


def test_record_returns_previous_and_stores_new(db: Database) -> None:
    visits = VisitStore(db)
    visits.record_visit("updates", 1000.0)
    assert visits.record_visit("updates", 2000.0) == 1000.0
    assert visits.record_visit("updates", 3000.0) == 2000.0
    assert visits.last_visit("updates") == 3000.0


def test_screens_are_independent(db: Database) -> None:
    visits = VisitStore(db)
    visits.record_visit("updates", 1000.0)
    visits.record_visit("feed", 5.0)
    assert visits.last_visit("updates") == 1000.0
    assert visits.last_visit("feed") == 5.0
    assert visits.last_visit("schedule") is None


def test_visits_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "anitui.db"
    first = Database.open(path)
    VisitStore(first).record_visit("updates", 1234.0)
    first.close()
    second = Database.open(path)
    try:
        assert VisitStore(second).last_visit("updates") == 1234.0
    finally:
        second.close()

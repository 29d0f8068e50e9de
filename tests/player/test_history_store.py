"""HistoryStore: resume positions, watched marks, the History list, "continue" and offsets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.db import Database
from app.store.history import HistoryStore


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "anitui.db")
    yield database
    database.close()


@pytest.fixture
def history(db: Database) -> HistoryStore:
    return HistoryStore(db)


def test_position_is_recorded_and_updated(history: HistoryStore) -> None:
    assert history.progress(1, 3) is None
    history.record_position(1, 3, 12.5, 1400.0, at=100.0, title_name="Name")
    history.record_position(1, 3, 20.0, None, at=110.0)
    progress = history.progress(1, 3)
    assert progress is not None
    assert (progress.position, progress.duration, progress.watched) == (20.0, 1400.0, False)
    assert progress.updated_at == 110.0
    assert progress.episode == 3 and isinstance(progress.episode, int)


def test_fractional_episodes_keep_their_number(history: HistoryStore) -> None:
    history.record_position(1, 12.5, 5.0, 60.0, at=1.0)
    assert list(history.positions(1)) == [12.5]


def test_watched_marks_survive_positions_and_can_be_cleared(history: HistoryStore) -> None:
    history.mark_watched(1, 1, at=1.0)
    history.record_position(1, 1, 30.0, 100.0, at=2.0)
    history.mark_watched(1, 2, at=3.0)
    assert history.watched_count(1) == 2
    first = history.progress(1, 1)
    assert first is not None and first.watched and first.position == 30.0
    history.mark_unwatched(1, 1, at=4.0)
    assert history.watched_count(1) == 1
    assert history.watched_count(2) == 0
    again = history.progress(1, 1)
    assert again is not None and not again.watched and again.position == 30.0


def test_recent_titles_newest_first_with_last_episode(history: HistoryStore) -> None:
    history.record_position(1, 1, 10.0, 100.0, at=10.0, title_name="One")
    history.record_position(2, 4, 50.0, 100.0, at=20.0, title_name="Two")
    history.record_position(1, 2, 5.0, 100.0, at=30.0)
    history.mark_watched(3, 1, at=40.0)  # a hand mark is not "played"
    recent = history.recent_titles()
    assert [(r.title_id, r.name, r.episode, r.position) for r in recent] == [
        (1, "One", 2, 5.0),
        (2, "Two", 4, 50.0),
    ]
    assert [r.title_id for r in history.recent_titles(limit=1)] == [1]


def test_next_unwatched(history: HistoryStore) -> None:
    episodes = [1, 2, 3, 4]
    assert history.next_unwatched(1, episodes) == 1
    history.record_position(1, 2, 40.0, 100.0, at=1.0)
    assert history.next_unwatched(1, episodes) == 2  # resume the unfinished one
    history.mark_watched(1, 2, at=2.0)
    assert history.next_unwatched(1, episodes) == 3
    history.mark_watched(1, 3, at=3.0)
    history.mark_watched(1, 4, at=3.0)
    assert history.next_unwatched(1, episodes) == 1  # 1 was skipped over
    history.mark_watched(1, 1, at=4.0)
    assert history.next_unwatched(1, episodes) is None


def test_skip_offset(history: HistoryStore) -> None:
    assert history.skip_offset(7) == 0.0
    history.set_skip_offset(7, -2.5)
    assert history.skip_offset(7) == -2.5
    history.record_position(7, 1, 1.0, 2.0, at=1.0)
    assert history.skip_offset(7) == -2.5

"""Followed titles: the flag, the claim that keeps an episode from being queued twice (also
after a kill -9 between the claim and the queue), and the decision history."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.db import Database
from app.store.follow import FollowStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    opened = Database.open(tmp_path / "anitui.db")
    try:
        yield opened
    finally:
        opened.close()


def test_follow_is_a_per_title_flag_with_its_media(db: Database) -> None:
    store = FollowStore(db)
    assert store.follow(7, at=1.0)
    assert not store.follow(7, at=2.0)
    store.remember_media(7, "m-42")
    followed = store.get(7)
    assert followed is not None and followed.nekobt_media == "m-42"
    assert followed.followed_at == 1.0
    assert [f.title_id for f in store.followed()] == [7]
    assert store.unfollow(7) and store.get(7) is None


def test_an_episode_is_claimed_once_and_the_claim_outlives_unfollow(db: Database) -> None:
    store = FollowStore(db)
    store.follow(7, at=1.0)
    assert store.claim(7, 3, info_hash="ab" * 20, source="nekobt", detail="x - 03", at=2.0)
    assert not store.claim(7, 3, info_hash="cd" * 20, source="anilibria", detail=None, at=3.0)
    store.unfollow(7)
    store.follow(7, at=4.0)
    assert store.claimed(7, 3) and not store.claimed(7, 4)
    # The refused second claim left no history line behind.
    assert [(e.episode, e.outcome, e.source) for e in store.history(7)] == [(3, "queued", "nekobt")]


def test_history_lists_every_outcome_newest_first(db: Database) -> None:
    store = FollowStore(db)
    store.record(7, 1, "present", at=1.0)
    store.record(7, 2, "found", source="anilibria", detail="[b]x[/b]", at=2.0)
    store.claim(7, 2, info_hash=None, source="anilibria", detail="[b]x[/b]", at=2.0)
    store.record(7, 12.5, "not_found", detail="no torrent", at=3.0)
    assert [(e.episode, e.outcome) for e in store.history(7)] == [
        (12.5, "not_found"),
        (2, "queued"),
        (2, "found"),
        (1, "present"),
    ]
    assert store.history(8) == []


def test_a_kill_9_after_the_claim_never_queues_the_episode_again(tmp_path: Path) -> None:
    path = tmp_path / "anitui.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from app.store.db import Database
        from app.store.follow import FollowStore
        store = FollowStore(Database.open(Path({str(path)!r})))
        store.follow(7, at=1.0)
        assert store.claim(7, 5, info_hash=None, source="anilibria", detail=None, at=2.0)
        os.kill(os.getpid(), signal.SIGKILL)  # dies before it could queue anything
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert result.returncode == -9
    db = Database.open(path)
    try:
        store = FollowStore(db)
        assert not store.claim(7, 5, info_hash=None, source="nekobt", detail=None, at=3.0)
        assert [e.outcome for e in store.history(7)] == ["queued"]
    finally:
        db.close()


def test_unresolved_episodes_are_those_not_found_and_not_claimed_since(db: Database) -> None:
    store = FollowStore(db)
    store.record(7, 3, "not_found", detail="none yet", at=1.0)
    store.record(7, 4, "not_found", detail="none yet", at=1.0)
    store.record(7, 5, "present", detail="on disk", at=1.0)
    store.claim(7, 4, info_hash=None, source="anilibria", detail=None, at=2.0)
    assert store.unresolved(7) == {3}
    assert store.unresolved(8) == frozenset()

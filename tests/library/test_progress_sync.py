"""ProgressSyncService against the devserver's v1 API: the three-way merge table, positions and
watched marks both ways keyed by the episode UUID, an offline change sent later, history rows
learning their UUIDs, episodes this device never saw, and v2 keeping history local."""

from __future__ import annotations

import pytest

from app.services.account_sync import LibrarySync, LibrarySynced
from app.services.progress_sync import merge
from app.store.progress_sync import Progress
from tests.library.conftest import TITLE, Library

BASE = Progress(100.0, False)
MINE = Progress(300.0, False)
THEIRS = Progress(500.0, True)


@pytest.mark.parametrize(
    ("local", "remote", "push", "pull"),
    [
        pytest.param(BASE, BASE, None, None, id="neither changed: nothing"),
        pytest.param(MINE, BASE, MINE, None, id="local only changed: sent"),
        pytest.param(BASE, THEIRS, None, THEIRS, id="remote only changed: taken"),
        pytest.param(MINE, THEIRS, MINE, None, id="both changed: local wins"),
        pytest.param(Progress(100.4, False), BASE, None, None, id="under a second: the same"),
    ],
)
def test_the_merge_table(
    local: Progress, remote: Progress, push: Progress | None, pull: Progress | None
) -> None:
    merged = merge({"e": local}, {"e": remote}, {"e": BASE})
    assert merged.push == ({} if push is None else {"e": push})
    assert merged.pull == ({} if pull is None else {"e": pull})


def test_the_merge_of_new_and_forgotten_episodes() -> None:
    merged = merge({"mine": MINE, "kept": BASE}, {"theirs": THEIRS}, {"kept": BASE})
    assert merged.push == {"mine": MINE}
    assert merged.pull == {"theirs": THEIRS, "kept": None}  # forgotten on the account
    both = merge({"e": THEIRS}, {"e": THEIRS}, {})
    assert both.agreed == {"e": THEIRS} and not both.push and not both.pull


async def test_progress_goes_both_ways_by_uuid(library: Library) -> None:
    first, second, third = (await library.episodes())[:3]
    assert first.uuid and second.uuid and third.uuid
    history = library.history
    history.record_position(TITLE, first.serie, 312.0, 1400.0, at=library.clock(), uuid=first.uuid)
    history.mark_watched(TITLE, second.serie, at=library.clock(), uuid=second.uuid)
    await library.log_in()

    result = await library.progress.sync()
    assert result.status is LibrarySync.SYNCED and result.pushed == 2
    assert library.server_timecodes() == {first.uuid: (312.0, False), second.uuid: (0.0, True)}

    # Another device: resumes episode 1 further, marks episode 3 watched.
    library.server_timecodes()[first.uuid] = (900.0, False)
    library.server_timecodes()[third.uuid] = (1300.0, True)
    result = await library.progress.sync()
    assert result.pulled == 2 and result.pushed == 0 and result.titles == {TITLE}
    positions = history.positions(TITLE)
    assert positions[first.serie].position == 900.0 and not positions[first.serie].watched
    assert positions[first.serie].duration == 1400.0  # what history knew stays
    assert positions[third.serie].watched and positions[third.serie].position == 1300.0

    # Nothing changed on either side: nothing sent, nothing taken.
    before = len(library.server.requests)
    result = await library.progress.sync()
    assert result.pushed == result.pulled == 0
    assert [r.path for r in library.server.requests[before:]] == [
        "/api/v1/accounts/users/me/views/timecodes"
    ]
    await library.settle()
    synced = [e for e in library.events if isinstance(e, LibrarySynced) and e.what == "progress"]
    assert synced[-1].status is LibrarySync.SYNCED


async def test_both_sides_changed_this_device_wins(library: Library) -> None:
    episode = (await library.episodes())[0]
    assert episode.uuid
    await library.log_in()
    library.history.record_position(TITLE, episode.serie, 100.0, None, at=1.0, uuid=episode.uuid)
    await library.progress.sync()
    library.server_timecodes()[episode.uuid] = (700.0, True)
    library.history.record_position(TITLE, episode.serie, 250.0, None, at=2.0)
    result = await library.progress.sync()
    assert result.pushed == 1 and result.pulled == 0
    assert library.server_timecodes()[episode.uuid] == (250.0, False)
    progress = library.history.progress(TITLE, episode.serie)
    assert progress is not None and progress.position == 250.0 and not progress.watched


async def test_an_episode_forgotten_on_the_account_is_forgotten_here(library: Library) -> None:
    episode = (await library.episodes())[0]
    assert episode.uuid
    await library.log_in()
    library.history.mark_watched(TITLE, episode.serie, at=1.0, uuid=episode.uuid)
    await library.progress.sync()
    del library.server_timecodes()[episode.uuid]
    await library.progress.sync()
    assert library.history.progress(TITLE, episode.serie) is None
    assert episode.uuid not in library.server_timecodes()


async def test_an_offline_change_is_sent_later(library: Library) -> None:
    episode = (await library.episodes())[1]
    assert episode.uuid
    await library.log_in()
    library.server.faults.fail_next("/api/v1/accounts/users/me/views", 503, times=5)
    library.history.record_position(TITLE, episode.serie, 42.0, None, at=1.0, uuid=episode.uuid)
    assert (await library.progress.sync()).status is LibrarySync.OFFLINE
    assert library.server_timecodes() == {}
    library.server.faults.clear()
    result = await library.progress.sync()
    assert result.status is LibrarySync.SYNCED and result.pushed == 1
    assert library.server_timecodes() == {episode.uuid: (42.0, False)}


async def test_old_history_learns_its_uuids_and_unknown_episodes_are_placed(
    library: Library,
) -> None:
    episodes = await library.episodes()
    other = (await library.episodes(9002))[0]
    assert other.uuid
    # A row written before the UUIDs were kept (or on API v2).
    library.history.record_position(TITLE, episodes[0].serie, 60.0, None, at=1.0)
    # Watched on another device, an episode this device never saw.
    library.server_timecodes()[other.uuid] = (20.0, True)
    await library.log_in()
    result = await library.progress.sync()
    assert library.server_timecodes()[str(episodes[0].uuid)] == (60.0, False)
    assert result.titles == {9002}
    placed = library.history.progress(9002, other.serie)
    assert placed is not None and placed.watched


async def test_logged_out_history_stays_local(library: Library) -> None:
    assert (await library.progress.sync()).status is LibrarySync.LOCAL


async def test_on_v2_history_stays_local(library_v2: Library) -> None:
    await library_v2.log_in()
    assert not library_v2.progress.syncable
    assert (await library_v2.progress.sync()).status is LibrarySync.V1_ONLY

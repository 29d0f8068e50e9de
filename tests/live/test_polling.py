"""PollingLive against the devserver's AniLiberty API v1 over real HTTP: new episodes, changes and
torrents found by polling, marks kept in the database, failures that change nothing, and the
injected sleep holding the service between two polls (no test waits on the wall clock)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.services.live import (
    SINCE_KEY,
    EpisodeReleased,
    LiveState,
    LiveStateChanged,
    TitleChanged,
    TorrentsChanged,
)
from app.services.live_poll import V1_SINCE_KEY
from app.sources.release_news import LATEST_NEWS_FIELDS, TORRENT_NEWS_FIELDS
from tests.live.conftest import POLL_SETTINGS, PollRig, until


def _marks(rig: PollRig) -> dict[str, int | None] | None:
    text = rig.kv.get(V1_SINCE_KEY)
    return None if text is None else json.loads(text)


def _torrents(rig: PollRig) -> list[dict[str, Any]]:
    return [e for t in rig.server.catalog.titles for e in (t.get("torrents") or {}).get("list", [])]


def _newest(rig: PollRig) -> dict[str, int]:
    """The server's newest `fresh_at` and torrent `updated_at`: where those marks must stand
    (both lists are read newest first)."""
    return {
        "updates": max(int(t.get("updated") or 0) for t in rig.server.catalog.titles),
        "torrents": max(int(e.get("uploaded_timestamp") or 0) for e in _torrents(rig)),
    }


def _last_change(rig: PollRig, title_id: int) -> int:
    title = rig.server.catalog.title(title_id)
    assert title is not None
    return int(title["last_change"])


def _torrent_of(rig: PollRig, title_id: int) -> int:
    title = rig.server.catalog.title(title_id)
    assert title is not None
    return int(title["torrents"]["list"][0]["torrent_id"])


def _news(rig: PollRig) -> list[Any]:
    return [e for e in rig.events if not isinstance(e, LiveStateChanged)]


async def _new_episode(rig: PollRig, title_id: int) -> str:
    return await asyncio.to_thread(rig.server.live.new_episode, title_id)


async def test_the_first_poll_sets_the_marks_and_announces_nothing_older(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    rig.following = None
    await _new_episode(rig, catalog_ids[0])  # before the very first start: never announced
    service = rig.make()
    await rig.started(service)

    marks = _marks(rig)
    assert marks is not None and marks == {**_newest(rig), "changes": marks["changes"]}
    assert marks["changes"] == _last_change(rig, catalog_ids[0])
    assert _news(rig) == []
    assert rig.kv.get(SINCE_KEY) is None  # v2's marks are not v1's
    # Polling is the state throughout; the wait before the next poll is the interval.
    assert rig.of(LiveStateChanged) == [
        LiveStateChanged(
            LiveState.POLLING, POLL_SETTINGS.poll_interval, "API v1 has no push: polling"
        )
    ]
    assert rig.sleeps.delays == [POLL_SETTINGS.poll_interval]
    # Small answers: trimmed with include=, one torrent page for a baseline.
    assert rig.requests("anime/releases/latest") == [
        {"limit": "3", "include": ",".join(LATEST_NEWS_FIELDS)}
    ]
    assert len(rig.requests("anime/schedule/now")) == 1
    assert rig.requests("anime/torrents") == [
        {"page": "1", "limit": "3", "include": ",".join(TORRENT_NEWS_FIELDS)}
    ]
    assert not [r for r in rig.server.requests if "/ws" in r.path or "/v2/" in r.path]


async def test_a_favorites_new_episode_is_announced_once_and_others_are_ignored(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    a, b = catalog_ids[:2]
    rig.following = {a}
    service = rig.make()
    await rig.started(service)

    episode = await _new_episode(rig, a)
    await _new_episode(rig, b)  # not followed
    await rig.poll()
    [released] = rig.of(EpisodeReleased)
    assert (released.title_id, released.episode, released.reupload) == (a, episode, False)
    assert released.title is not None and released.title.id == a
    assert [(e.title_id, e.title is not None) for e in rig.of(TitleChanged)] == [(a, True)]
    assert _marks(rig) == {**_newest(rig), "changes": _last_change(rig, b)}

    await rig.poll()  # nothing new since
    assert len(_news(rig)) == 2
    assert service.state is LiveState.POLLING


async def test_the_schedule_keeps_a_favorite_on_air_in_sight_past_a_full_latest_list(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    today = (await rig.client.schedule_now()).value.today
    on_air = today[0].title.id
    others = [i for i in catalog_ids if i != on_air][:3]
    rig.following = {on_air}
    await rig.started(rig.make())

    episode = await _new_episode(rig, on_air)
    for other in others:  # raised after it: the latest list (3 a poll) holds only these
        await _new_episode(rig, other)
    await rig.poll()
    assert [(e.title_id, e.episode) for e in rig.of(EpisodeReleased)] == [(on_air, episode)]

    # Raised last, it is in both lists: announced once.
    again = await _new_episode(rig, on_air)
    await rig.poll()
    assert rig.requests("anime/releases/latest")[-1]["limit"] == "3"
    assert [(e.title_id, e.episode) for e in rig.of(EpisodeReleased)] == [
        (on_air, episode),
        (on_air, again),
    ]
    assert [e.title_id for e in rig.of(TitleChanged)] == [on_air, on_air]


async def test_a_restart_catches_up_from_the_marks_in_the_database(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    a, b, c = catalog_ids[:3]
    rig.following = {a, b}
    first = rig.make()
    await rig.started(first)
    await rig.stop(rig.tasks[-1])
    stored = _marks(rig)

    # While anitui is closed.
    ep_a = await _new_episode(rig, a)
    await _new_episode(rig, c)
    ep_b = await _new_episode(rig, b)
    info_hash = await asyncio.to_thread(rig.server.aniliberty.grow_torrent, _torrent_of(rig, b))

    rig.sleeps = type(rig.sleeps)()
    await rig.started(rig.make())
    assert stored is not None and stored != _marks(rig)
    assert [(e.title_id, e.episode) for e in rig.of(EpisodeReleased)] == [(a, ep_a), (b, ep_b)]
    assert [e.title_id for e in rig.of(TitleChanged)] == [a, b]
    assert rig.of(TorrentsChanged) == [TorrentsChanged(b)]
    assert _marks(rig) == {**_newest(rig), "changes": _last_change(rig, b)}
    assert info_hash in {e["hash"] for e in _torrents(rig)}


async def test_torrents_new_and_updated_in_place_are_paged_until_nothing_new(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    a, b, c, d = catalog_ids[:4]
    rig.following = None
    await rig.started(rig.make())
    polled = len(rig.requests("anime/torrents"))

    # An ongoing release's torrent updated in place: same id, new updated_at and info-hash.
    grown = _torrent_of(rig, b)
    old_hash = next(e["hash"] for e in _torrents(rig) if e["torrent_id"] == grown)
    await _new_episode(rig, b)
    new_hash = await asyncio.to_thread(rig.server.aniliberty.grow_torrent, grown)
    assert new_hash != old_hash
    # A new torrent (a new id), and two more updates: four, more than a page of three.
    await asyncio.to_thread(rig.server.live.update_torrents, a)
    for other in (c, d):
        await asyncio.to_thread(rig.server.aniliberty.grow_torrent, _torrent_of(rig, other))
    rig.events.clear()
    await rig.poll()

    assert sorted(e.title_id for e in rig.of(TorrentsChanged)) == sorted([a, b, c, d])
    # Page 2 still held news; page 3 held none, so the poll stopped there.
    pages = [q["page"] for q in rig.requests("anime/torrents")[polled:]]
    assert pages == ["1", "2", "3"]
    marks = _marks(rig)
    assert marks is not None and marks == {**_newest(rig), "changes": marks["changes"]}

    rig.events.clear()
    await rig.poll()
    assert _news(rig) == []
    assert [q["page"] for q in rig.requests("anime/torrents")[polled + 3 :]] == ["1"]


async def test_a_failing_server_changes_no_mark_and_the_next_poll_catches_up(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    a = catalog_ids[0]
    rig.following = {a}
    await rig.started(rig.make())
    baseline = _marks(rig)

    episode = await _new_episode(rig, a)
    await asyncio.to_thread(rig.server.live.update_torrents, a)
    # The releases are read, then the torrents fail: nothing is announced, no mark moves.
    rig.server.faults.fail_next("/api/v1/anime/torrents", 500)
    await rig.poll()
    rig.server.faults.fail_next("/api/v1/anime/releases/latest", 503)
    await rig.poll()
    rig.server.faults.fail_next("/api/v1/anime/schedule/now", 500, body="<html>down</html>")
    await rig.poll()
    assert _news(rig) == [] and _marks(rig) == baseline

    await rig.poll()
    assert [(e.title_id, e.episode) for e in rig.of(EpisodeReleased)] == [(a, episode)]
    assert rig.of(TorrentsChanged) == [TorrentsChanged(a)]
    assert _marks(rig) == {**_newest(rig), "changes": _last_change(rig, a)}
    assert rig.states() == [LiveState.POLLING]


async def test_following_nothing_is_idle_and_a_resubscribe_polls_at_once(
    poll_rig: PollRig, catalog_ids: list[int]
) -> None:
    rig = poll_rig
    a, b = catalog_ids[:2]
    rig.following = set()
    service = rig.make()
    rig.sleeps.hold()
    rig.start(service)
    await until(lambda: rig.states() == [LiveState.IDLE], what="IDLE")
    assert not rig.requests("anime/releases/latest")  # nothing followed: nothing polled

    rig.following = {a}
    service.resubscribe()
    await until(lambda: rig.sleeps.waiting == 1, what="the first poll")
    assert rig.states() == [LiveState.IDLE, LiveState.POLLING]
    episode = await _new_episode(rig, b)

    # A new favorite: polled at once, the wait between polls cut short.
    rig.following = {a, b}
    service.resubscribe()
    await until(lambda: len(rig.requests("anime/releases/latest")) == 2, what="a second poll")
    await until(lambda: rig.sleeps.waiting == 1, what="the wait after it")
    assert [(e.title_id, e.episode) for e in rig.of(EpisodeReleased)] == [(b, episode)]
    assert len(rig.sleeps.delays) == 2

    rig.following = set()
    service.resubscribe()
    await rig.until_state(service, LiveState.IDLE, 2)

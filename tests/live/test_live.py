"""LiveService against real sockets: the devserver's WebSocket (`DevServer.live`) and its HTTP
API, a scripted server that ignores filters, the real bus, and an injected sleep that records
every requested delay (no test waits on the wall clock)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.services.live import (
    SINCE_KEY,
    EncodingProgress,
    EpisodeReleased,
    LiveSettings,
    LiveState,
    LiveStateChanged,
    TitleChanged,
    TorrentsChanged,
    episode_key,
    subscribe_messages,
)
from tests.live.conftest import Randoms, Rig, ScriptedServer, until

IDLE, CONNECTING, LIVE, POLLING = (
    LiveState.IDLE,
    LiveState.CONNECTING,
    LiveState.LIVE,
    LiveState.POLLING,
)


async def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one of the hub's blocking calls off the loop (it waits for the server's thread)."""
    return await asyncio.to_thread(function, *args, **kwargs)


def _marks(rig: Rig) -> dict[str, int | None] | None:
    text = rig.kv.get(SINCE_KEY)
    return None if text is None else json.loads(text)


def _newest(rig: Rig) -> dict[str, int]:
    """The server's newest `updated` and `last_change`: where the poll marks must stand."""
    titles = rig.server.catalog.titles
    return {
        "updates": max(t.get("updated") or 0 for t in titles),
        "changes": max(t.get("last_change") or 0 for t in titles),
    }


def _subscriptions(rig: Rig) -> list[list[Any]]:
    return [[s.match for s in client.subscriptions] for client in rig.server.live.clients]


def _jittered(base: float, r: float) -> float:
    """The documented delay: the doubling base minus up to a quarter, by `random()`."""
    return base * (1 - 0.25 * r)


def _not_state(rig: Rig) -> list[Any]:
    return [e for e in rig.events if not isinstance(e, LiveStateChanged)]


def _playlist(title_id: int | str, episode: Any, reupload: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": title_id, "player": {}, "updated_episode": {}, "diff": {}}
    return {
        "type": "playlist_update",
        "playlist_update": {**body, "episode": episode, "reupload": reupload},
    }


def _encode(kind: str, title_id: int | str, episode: Any, **more: Any) -> dict[str, Any]:
    body = {"id": title_id, "episode": episode, "resolution": "480", "quality": "sd", **more}
    return {"type": kind, kind: body}


def _torrents(title_id: int | str, digest: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": title_id,
        "torrents": {},
        "updated_torrent_id": 1,
        "diff": {},
        "hash": digest,
    }
    return {"type": "torrent_update", "torrent_update": body}


# -- subscribing ----------------------------------------------------------------------------


async def test_subscribes_per_followed_id_or_to_everything_with_the_messages_as_sent(
    rig: Rig, scripted: ScriptedServer, catalog_ids: list[int]
) -> None:
    a, b = catalog_ids[:2]
    assert subscribe_messages(frozenset({b, a})) == [
        f'{{"subscribe": {{"id": {a}}}}}',
        f'{{"subscribe": {{"id": {b}}}}}',
    ]
    assert subscribe_messages(None) == ['{"subscribe": {"id": "*"}}']  # "*" quoted: JSON

    # Favorites: exactly one subscribe per id, as sent on the wire.
    rig.following = {b, a}
    task = rig.start(rig.make(url=scripted.url))
    await until(lambda: len(scripted.received) == 2, what="two subscribe messages")
    assert scripted.received == subscribe_messages(frozenset({a, b}))
    await rig.stop(task)

    # Everything: one "*" subscription.
    rig.following = None
    rig.start(rig.make(url=scripted.url))
    await until(lambda: len(scripted.received) == 3, what="the '*' subscription")
    assert scripted.received[2] == '{"subscribe": {"id": "*"}}'

    # The devserver understands both (it answers malformed commands with an error object).
    rig.following = {a, b}
    service = rig.make()
    rig.start(service)
    await rig.until_state(service, LIVE)
    await _call(rig.server.live.wait_for_clients, 1, subscriptions=2)
    assert _subscriptions(rig) == [[{"id": a}, {"id": b}]]


async def test_following_nothing_stays_idle_until_resubscribe_brings_ids(
    rig: Rig, catalog_ids: list[int]
) -> None:
    a, b = catalog_ids[:2]
    rig.following = set()
    service = rig.make()
    rig.start(service)
    await until(lambda: rig.states() == [IDLE], what="IDLE")
    assert rig.of(LiveStateChanged)[0].reason
    assert not [r for r in rig.server.requests if "/ws" in r.path]  # never connected

    rig.following = {a}
    service.resubscribe()
    await rig.until_live(service)
    assert _subscriptions(rig) == [[{"id": a}]]
    first = rig.server.live.clients[0].id

    # Favorites changed: the socket is closed and opened afresh at once (no backoff).
    rig.following = {a, b}
    service.resubscribe()
    clients = await _call(rig.server.live.wait_for_clients, 1, subscriptions=2)
    assert clients[0].id != first
    assert _subscriptions(rig) == [[{"id": a}, {"id": b}]]
    await rig.until_live(service, 2, subscriptions=2)

    # Nothing left to follow: the socket closes, IDLE.
    rig.following = set()
    service.resubscribe()
    await rig.until_state(service, IDLE, 2)
    await _call(rig.server.live.wait_for_clients, 0)

    # A resubscribe also cuts a reconnect delay short.
    rig.following = {b}
    rig.server.live.refuse = True
    rig.sleeps.hold()
    service.resubscribe()
    await until(lambda: rig.sleeps.waiting == 1, what="a held reconnect delay")
    assert service.state is POLLING
    rig.server.live.refuse = False
    service.resubscribe()
    await rig.until_live(service, 3)
    assert rig.sleeps.waiting == 0  # that sleep was cancelled, not waited out
    assert _subscriptions(rig) == [[{"id": b}]]
    assert len(rig.sleeps.delays) == 1  # only the 503 asked for a delay


# -- notifications --------------------------------------------------------------------------


async def test_each_event_type_delivered_twice_is_published_once(
    rig: Rig, catalog_ids: list[int]
) -> None:
    a, b = catalog_ids[:2]
    rig.following = {a, b}
    service = rig.make()
    rig.start(service)
    await rig.until_state(service, LIVE)
    await _call(rig.server.live.wait_for_clients, 1, subscriptions=2)
    title = {"id": a, "names": {"ru": "Имя", "en": "Name"}, "updated": 5, "last_change": 7}
    title_update = {
        "type": "title_update",
        "title_update": {"hash": "c3499c27", "title": title, "diff": {"names": {}}},
    }
    # Each twice, the second time with ids and episodes spelled differently.
    pairs: list[tuple[Any, Any]] = [
        (_encode("encode_start", str(a), "2"), _encode("encode_start", a, 2)),
        (
            _encode("encode_progress", str(a), "2", encoded_percent="25"),
            _encode("encode_progress", a, 2.0, encoded_percent=25),
        ),
        (_encode("encode_end", str(a), "2"), _encode("encode_end", a, " 2 ")),
        ({"id": str(a), "episode": "2"}, {"id": a, "episode": 2}),  # encode_finish: bare
        (_playlist(a, "2"), _playlist(str(a), 2)),
        (_playlist(a, "2", reupload=True), _playlist(a, 2, reupload=True)),
        (title_update, title_update),
        (_torrents(str(a), "81f7dbc2"), _torrents(a, "81f7dbc2")),
    ]
    for first, second in pairs:
        assert await _call(rig.server.live.push, first) == 1
        assert await _call(rig.server.live.push, second) == 1
    await _call(rig.server.live.push, _torrents(b, "sentinel"))
    await until(lambda: TorrentsChanged(b) in rig.events, what="the sentinel")

    events = _not_state(rig)
    changed = [e for e in events if isinstance(e, TitleChanged)]
    assert events == [
        EncodingProgress(a, "2", "sd", 0, False),
        EncodingProgress(a, "2", "sd", 25, False),
        EncodingProgress(a, "2", "sd", 100, True),
        EncodingProgress(a, "2", None, 100, True),
        EpisodeReleased(a, "2", False, None),
        EpisodeReleased(a, "2", True, None),
        *changed,
        TorrentsChanged(a),
        TorrentsChanged(b),
    ]
    assert len(changed) == 1
    assert changed[0].title_id == a and changed[0].title is not None
    assert changed[0].title.names.en == "Name" and changed[0].title.last_change == 7
    assert rig.states() == [CONNECTING, LIVE]  # one connection throughout


async def test_devserver_events_arrive_and_one_seen_on_the_socket_and_by_a_poll_is_published_once(
    rig: Rig, catalog_ids: list[int]
) -> None:
    a, b, c = catalog_ids[:3]
    rig.following = {a, b, c}
    service = rig.make()
    rig.start(service)
    await rig.until_state(service, LIVE)
    await _call(rig.server.live.wait_for_clients, 1, subscriptions=3)
    await until(lambda: _marks(rig) == _newest(rig), what="the baseline")
    baseline = _newest(rig)

    episode = await _call(rig.server.live.new_episode, a)
    await _call(rig.server.live.update_title, b, description="new words")
    await _call(rig.server.live.update_torrents, c)
    await until(lambda: TorrentsChanged(c) in rig.events, what="torrent_update")
    progress = rig.of(EncodingProgress)
    assert [(p.quality, p.percent) for p in progress[:5]] == [
        ("fhd", 0),
        ("fhd", 25),
        ("fhd", 50),
        ("fhd", 75),
        ("fhd", 100),
    ]
    assert progress[-1] == EncodingProgress(a, episode, None, 100, True)
    assert len(progress) == 3 * 5 + 1
    assert rig.of(EpisodeReleased) == [EpisodeReleased(a, episode, False, None)]
    [changed] = rig.of(TitleChanged)
    assert changed.title_id == b and changed.title is not None
    assert changed.title.description == "new words"
    # title_update's timestamp moved the changes mark (the server's, not the local clock);
    # playlist_update carries none, so the updates mark stays.
    b_served = rig.server.catalog.title(b)
    assert b_served is not None
    b_change = b_served["last_change"]
    assert _marks(rig) == {"updates": baseline["updates"], "changes": b_change}

    # The socket drops; the gap poll after the reconnect finds the same episode and change.
    polls_before = len(rig.requests("getUpdates"))
    await _call(rig.server.live.drop)
    await rig.until_state(service, LIVE, 2)
    await until(lambda: _marks(rig) == _newest(rig), what="the gap poll")
    gap = rig.requests("getUpdates")[polls_before:]
    assert gap and gap[0]["since"] == str(baseline["updates"])
    assert rig.of(EpisodeReleased) == [EpisodeReleased(a, episode, False, None)]
    assert [e.title_id for e in rig.of(TitleChanged)].count(b) == 1
    # update_torrents moved c's last_change: that change is only known from the poll.
    assert [e.title_id for e in rig.of(TitleChanged)] == [b, c]


async def test_hostile_messages_are_skipped_and_the_connection_stays(
    rig: Rig, catalog_ids: list[int]
) -> None:
    a = catalog_ids[0]
    rig.following = None
    service = rig.make()
    rig.start(service)
    await rig.until_state(service, LIVE)
    await _call(rig.server.live.wait_for_clients, 1, subscriptions=1)
    await until(lambda: _marks(rig) == _newest(rig), what="the baseline")
    marks = _marks(rig)
    client = rig.server.live.clients[0].id
    long = "9" * 400
    hostile = [
        "not json at all",
        "[1, 2, 3]",
        '"a string"',
        "null",
        '{"type": 42}',
        '{"type": "no_such_event", "no_such_event": {}}',
        '{"type": "playlist_update", "playlist_update": "x"}',
        '{"type": "playlist_update", "playlist_update": {"id": "abc", "episode": "1"}}',
        '{"type": "playlist_update", "playlist_update": {"id": 1' + "0" * 30 + ', "episode": 1}}',
        '{"type": "playlist_update", "playlist_update": {"id": -5, "episode": "1"}}',
        '{"type": "playlist_update", "playlist_update": {"id": true, "episode": "1"}}',
        f'{{"type": "playlist_update", "playlist_update": {{"id": {a}, "episode": {{"x": 1}}}}}}',
        f'{{"type": "playlist_update", "playlist_update": {{"id": {a}, "episode": 1e999}}}}',
        f'{{"type": "playlist_update", "playlist_update": {{"id": {a}, "episode": "{long}"}}}}',
        f'{{"type": "encode_progress", "encode_progress": {{"id": {a}, "episode": "1",'
        ' "encoded_percent": "lots"}}',
        '{"type": "title_update", "title_update": {"hash": "h", "title": "nope"}}',
        '{"type": "title_update", "title_update": {"hash": 5, "title": {"id": "x"}}}',
        '{"type": "torrent_update", "torrent_update": {"id": 1' + "0" * 5000 + "}}",
        '{"id": true, "episode": true}',
        '{"id": null, "episode": "1"}',
        # Valid, but its timestamps would stop every later poll: published, marks untouched.
        f'{{"type": "title_update", "title_update": {{"title": {{"id": {a},'
        ' "updated": 1e300, "last_change": 99999999999999999999}}}',
    ]
    for message in hostile:
        await _call(rig.server.live.push, message)
    await _call(rig.server.live.push, _playlist(a, 3))
    await until(lambda: rig.of(EpisodeReleased), what="the valid message after the hostile ones")

    assert _not_state(rig) == [rig.of(TitleChanged)[0], EpisodeReleased(a, "3", False, None)]
    assert rig.of(TitleChanged)[0].title_id == a
    assert _marks(rig) == marks
    assert rig.states() == [CONNECTING, LIVE]
    assert [c.id for c in rig.server.live.clients] == [client]
    assert rig.sleeps.delays == []


async def test_a_server_that_ignores_filters_and_sends_garbage_frames(
    rig: Rig, scripted: ScriptedServer, catalog_ids: list[int]
) -> None:
    a, b, c = catalog_ids[:3]
    rig.following = {a, b}
    service = rig.make(url=scripted.url)
    rig.start(service)
    await until(lambda: len(scripted.received) == 2, what="the subscriptions")
    await scripted.send(
        json.dumps(_playlist(c, "4")),  # not followed: dropped
        "[" * 100_000,  # nested too deeply to parse
        b"\xff\xfe\x00binary",
        json.dumps(_torrents(c, "x")),
        json.dumps(_playlist(a, "4")),
        json.dumps(_torrents(b, "end")),
    )
    await until(lambda: TorrentsChanged(b) in rig.events, what="the last message")
    assert _not_state(rig) == [EpisodeReleased(a, "4", False, None), TorrentsChanged(b)]
    assert service.state is LIVE and rig.states() == [CONNECTING, LIVE]


# -- reconnecting ---------------------------------------------------------------------------


async def test_reconnects_after_drops_and_clean_closes_with_jittered_growing_capped_reset_delays(
    rig: Rig, catalog_ids: list[int]
) -> None:
    a = catalog_ids[0]
    r = (0.0, 1.0, 0.5, 0.2, 0.8, 0.4)
    rig.randoms = Randoms(*r)
    rig.following = {a}
    service = rig.make()  # reconnect 1 s doubling up to 8 s
    rig.start(service)
    await rig.until_live(service)

    # Dropped (no close frame), then refused (503) a few times: 1, 2, 4, 8, 8, ... jittered.
    rig.server.live.refuse = True
    await _call(rig.server.live.drop)
    await until(lambda: len(rig.sleeps.delays) >= 6, what="six reconnect delays")
    rig.server.live.refuse = False
    await rig.until_live(service, 2)
    n = len(rig.sleeps.delays)
    expected = [_jittered(min(8.0, 2.0**i), r[i % len(r)]) for i in range(n)]
    assert rig.sleeps.delays == expected
    assert expected[:5] == pytest.approx([1.0, 1.5, 3.5, 7.6, 6.4])
    polling = [e for e in rig.of(LiveStateChanged) if e.state is POLLING]
    assert [e.retry_in for e in polling] == expected
    assert polling[0].reason == "the connection was lost"
    assert {e.reason for e in polling[1:]} == {"the server refused the connection (HTTP 503)"}

    # This connection delivers, then closes cleanly: a delay all the same, back at 1 s.
    await _call(rig.server.live.push, _torrents(a, "one"))
    await until(lambda: TorrentsChanged(a) in rig.events, what="a delivered message")
    await _call(rig.server.live.close, 1000)
    await rig.until_live(service, 3)
    assert rig.sleeps.delays[n:] == [_jittered(1.0, r[n % len(r)])]
    polling = [e for e in rig.of(LiveStateChanged) if e.state is POLLING]
    assert polling[-1].reason == "the server closed the connection (code 1000)"

    # A connection that delivered nothing does not reset the doubling: 2 s next.
    await _call(rig.server.live.drop)
    await rig.until_state(service, LIVE, 4)
    assert rig.sleeps.delays[n + 1 :] == [_jittered(2.0, r[(n + 1) % len(r)])]


async def test_a_rejected_handshake_honours_retry_after_and_polls_meanwhile(
    rig: Rig, catalog_ids: list[int]
) -> None:
    rig.following = {catalog_ids[0]}
    rig.server.faults.fail_next("/v2/ws", 429, headers={"Retry-After": "30"})
    service = rig.make()
    rig.start(service)
    await rig.until_state(service, LIVE)
    assert rig.sleeps.delays == [30.0]  # more than reconnect_max (8): the server's wish wins
    assert rig.states() == [CONNECTING, POLLING, CONNECTING, LIVE]
    polling = rig.of(LiveStateChanged)[1]
    assert polling.retry_in == 30.0
    assert polling.reason == "the server refused the connection (HTTP 429)"
    # HTTP worked meanwhile: the baseline was read while POLLING, outside the cache.
    assert rig.requests("getUpdates")[0] == {"since": "0", "limit": "1"}
    assert rig.requests("getChanges")[0] == {"since": "0", "limit": "1"}


# -- polling --------------------------------------------------------------------------------


async def test_an_outage_is_caught_up_by_polling_every_update_once(
    rig: Rig, catalog_ids: list[int]
) -> None:
    followed, others = catalog_ids[:7], catalog_ids[7:9]
    rig.following = set(followed)
    settings = LiveSettings(
        reconnect_min=100.0, reconnect_max=100.0, poll_interval=5.0, ping_interval=5.0, poll_page=3
    )
    service = rig.make(settings)
    rig.start(service)
    await rig.until_live(service)
    await until(lambda: _marks(rig) == _newest(rig), what="the baseline")
    before = _newest(rig)

    # The socket goes down and stays refused; the service waits between two polls.
    rig.server.live.refuse = True
    rig.sleeps.hold()
    await _call(rig.server.live.drop)
    await until(lambda: rig.sleeps.waiting == 1, what="a poll interval")
    assert service.state is POLLING
    assert rig.sleeps.delays == [5.0]  # the 100 s retry delay, waited out in poll intervals
    episodes = {tid: await _call(rig.server.live.new_episode, tid) for tid in followed + others}
    after = _newest(rig)
    # The first poll fails: nothing changes, the next interval tries again.
    rig.server.faults.fail_next("/v2/getUpdates", 500)
    rig.sleeps.release()
    await until(lambda: _marks(rig) == after, what="a poll that caught up")
    await until(
        lambda: (
            [q.get("since") for q in rig.requests("getUpdates")].count(str(after["updates"])) >= 2
        ),
        what="two more polls",
    )

    released = rig.of(EpisodeReleased)
    assert sorted((e.title_id, e.episode) for e in released) == sorted(
        (tid, episodes[tid]) for tid in followed
    )
    assert all(e.title is not None and e.title.id == e.title_id for e in released)
    assert not any(e.reupload for e in released)
    assert sorted(e.title_id for e in rig.of(TitleChanged)) == sorted(followed)
    # Paged with limit/after from the server's own timestamps, never the local clock.
    catch_up = [q for q in rig.requests("getUpdates") if q.get("since") == str(before["updates"])]
    assert {q["limit"] for q in catch_up} == {"3"}
    assert {"0", "3", "6", "9"} <= {q["after"] for q in catch_up}
    changes = [q for q in rig.requests("getChanges") if q.get("since") == str(before["changes"])]
    assert {"0", "3", "6", "9"} <= {q["after"] for q in changes}
    assert [r.path for r in rig.server.requests].count("/v2/getUpdates") >= 6
    # The outage never looked like anything but POLLING between attempts.
    after_drop = rig.states()[rig.states().index(LIVE) + 1 :]
    assert set(after_drop) <= {POLLING, CONNECTING}


async def test_a_restart_catches_up_from_the_stored_marks_and_a_first_start_announces_nothing_old(
    rig: Rig, catalog_ids: list[int]
) -> None:
    a, b, c = catalog_ids[:3]
    rig.following = {a, b, c}
    # Before the very first start: older than the baseline, never announced.
    await _call(rig.server.live.new_episode, c)

    first = rig.make()
    task = rig.start(first)
    await rig.until_live(first, subscriptions=3)
    await until(lambda: _marks(rig) == _newest(rig), what="the baseline")
    assert rig.requests("getUpdates") == [{"since": "0", "limit": "1"}]
    await rig.stop(task)
    assert not rig.of(EpisodeReleased) and not rig.of(TitleChanged)
    stored = _marks(rig)

    # While the app is closed.
    ep_a = await _call(rig.server.live.new_episode, a)
    ep_b1 = await _call(rig.server.live.new_episode, b)
    ep_b2 = await _call(rig.server.live.new_episode, b)

    second = rig.make()
    rig.start(second)
    await rig.until_state(second, LIVE, 2)
    await until(lambda: _marks(rig) == _newest(rig), what="the catch-up poll")
    assert stored is not None
    assert rig.requests("getUpdates")[1]["since"] == str(stored["updates"])
    assert [(e.title_id, e.episode) for e in rig.of(EpisodeReleased)] == [
        (a, ep_a),
        (b, ep_b1),
        (b, ep_b2),
    ]
    assert [e.title_id for e in rig.of(TitleChanged)] == [a, b]


def test_episode_numbers_are_normalised() -> None:
    assert episode_key(4) == episode_key("4") == episode_key(4.0) == episode_key(" 4 ") == "4"
    assert episode_key("12.5") == episode_key(12.5) == "12.5"
    assert episode_key(True) is None and episode_key(None) is None and episode_key(1e999) is None
    assert episode_key("OVA") == "OVA"

"""The devserver's AniLibria WebSocket over real sockets: both URLs, subscriptions and their
wildcards, filter/remove, every notification's shape, the push API and the catalog changes
behind it, outages (drop, close, refuse), pings, the demo's new episodes and stopping."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus

from app.bootstrap import start_demo_server
from app.devserver.catalog import Catalog
from app.devserver.demo import DEMO_EPISODE_DELAYS, demo_server
from app.devserver.live import LiveClient, diff, matches, parse_command
from app.devserver.server import DevServer
from app.paths import AppPaths

pytestmark = pytest.mark.timeout(60)

RECEIVE_TIMEOUT = 5.0
SHA1 = re.compile(r"^[0-9a-f]{40}$")


def ws_url(server: DevServer, path: str = "/v2/ws/") -> str:
    return f"ws://{server.host}:{server.port}{path}"


@contextlib.asynccontextmanager
async def client(
    server: DevServer, *subscribe: Any, path: str = "/v2/ws/"
) -> AsyncIterator[ClientConnection]:
    """A connected WebSocket client that sent `subscribe` (objects are sent as JSON), once the
    server has registered it and its subscriptions; on leaving, once the server forgot it."""
    hub = server.live
    known = {c.id for c in hub.clients}

    def mine() -> LiveClient | None:
        return next((c for c in hub.clients if c.id not in known), None)

    async with connect(ws_url(server, path)) as ws:
        await until(mine)
        for message in subscribe:
            await ws.send(message if isinstance(message, str) else json.dumps(message))
        await until(lambda: len(getattr(mine(), "subscriptions", ())) == len(subscribe))
        yield ws
    await until(lambda: mine() is None)


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait (without blocking the loop) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def receive(ws: ClientConnection) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT))


async def push(server: DevServer, message: Any) -> int:
    return await asyncio.to_thread(server.live.push, message)


def note(title_id: int | str, kind: str = "encode_start", **extra: Any) -> dict[str, Any]:
    """A small notification about a title."""
    return {"type": kind, kind: {"id": str(title_id), "episode": "1", **extra}}


def get(server: DevServer, method: str, **params: Any) -> Any:
    response = httpx.get(f"{server.anilibria_api}/{method}", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def title_with_episodes(server: DevServer, at_least: int, fewer: bool = False) -> int:
    for title in server.catalog.titles:
        count = len(title["player"]["playlist"])
        if (count < at_least) if fewer else (count >= at_least):
            return int(title["id"])
    raise AssertionError("no such title")


# --- connecting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v2/ws/", "/v2/ws", "/v2/webSocket/", "/v2/webSocket", "/api/v2/ws/", "/v2.13/ws/"]
)
async def test_every_url_connects_and_gets_everything_by_default(
    fresh_devserver: DevServer, path: str
) -> None:
    async with client(fresh_devserver, path=path) as ws:
        assert ws.response is not None
        assert ws.response.headers["API-Version"] == "2.13.15"
        assert await push(fresh_devserver, note(9001)) == 1
        assert await receive(ws) == note(9001)
        assert await push(fresh_devserver, "not even JSON") == 1
        assert await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT) == "not even JSON"


def test_the_websocket_paths_are_no_api_methods(fresh_devserver: DevServer) -> None:
    plain = httpx.get(f"{fresh_devserver.anilibria_api}/ws/", timeout=5)
    assert plain.status_code == 400 and plain.json()["error"]["code"] == 400
    assert get(fresh_devserver, "getTitle", id=9001, filter="id") == {"id": 9001}


# --- subscriptions ---------------------------------------------------------------------------


async def test_subscribe_by_id_as_number_or_string(fresh_devserver: DevServer) -> None:
    async with (
        client(fresh_devserver, {"subscribe": {"id": 9001}}) as by_number,
        client(fresh_devserver, {"subscribe": {"id": "9002"}}) as by_string,
        client(fresh_devserver) as everything,
    ):
        assert await push(fresh_devserver, note(9001)) == 2
        assert await push(fresh_devserver, note(9002)) == 2
        assert await push(fresh_devserver, note(9003)) == 1
        assert await receive(by_number) == note(9001)
        assert await receive(by_string) == note(9002)  # 9001 never came
        assert [await receive(everything) for _ in range(3)] == [
            note(9001),
            note(9002),
            note(9003),
        ]
        # The bare encode_finish is matched by its id too.
        assert await push(fresh_devserver, {"id": "9002", "episode": "3"}) == 2
        assert await receive(by_string) == {"id": "9002", "episode": "3"}


async def test_two_subscriptions_let_either_through(fresh_devserver: DevServer) -> None:
    async with client(
        fresh_devserver, {"subscribe": {"id": 9001}}, {"subscribe": {"code": "*", "id": 9003}}
    ) as ws:
        assert [s.match for s in fresh_devserver.live.clients[0].subscriptions] == [
            {"id": 9001},
            {"code": "*", "id": 9003},
        ]
        for title_id in (9002, 9003, 9004, 9001):
            await push(fresh_devserver, note(title_id))
        assert [(await receive(ws))["encode_start"]["id"] for _ in range(2)] == ["9003", "9001"]


@pytest.mark.parametrize(
    "command",
    [
        '{"subscribe": {"player": {"playlist": {"12": "*"}}}}',
        '{"subscribe": {"player": {"playlist": {"12": *}}}}',  # the spec's bare wildcard
        '{"subscribe":{"player":{"playlist":{"12":*}}}, "filter": "id,code"}',
    ],
)
async def test_the_wildcard_matches_any_value_present(
    fresh_devserver: DevServer, command: str
) -> None:
    long, short = (
        title_with_episodes(fresh_devserver, 12),
        title_with_episodes(fresh_devserver, 12, fewer=True),
    )
    async with client(fresh_devserver, command) as ws:
        assert fresh_devserver.live.clients[0].subscriptions[0].match == {
            "player": {"playlist": {"12": "*"}}
        }
        assert await push(fresh_devserver, note(short)) == 0
        assert await push(fresh_devserver, note(long)) == 1
        assert (await receive(ws))["encode_start"]["id"] == str(long)


async def test_a_season_filter_and_a_null_never_match_the_wildcard(
    fresh_devserver: DevServer,
) -> None:
    titles = fresh_devserver.catalog.titles
    no_english = next(t for t in titles if t["names"]["en"] is None)
    english = next(t for t in titles if t["names"]["en"])
    year = english["season"]["year"]
    other_year = next(t for t in titles if t["season"]["year"] != year)
    async with (
        client(fresh_devserver, {"subscribe": {"names": {"en": "*"}}}) as named,
        client(fresh_devserver, {"subscribe": {"season": {"year": str(year)}}}) as season,
    ):
        assert await push(fresh_devserver, note(no_english["id"])) == 0
        assert await push(fresh_devserver, note(other_year["id"])) == int(
            other_year["names"]["en"] is not None
        )
        await push(fresh_devserver, note(english["id"]))
        assert (await receive(season))["encode_start"]["id"] == str(english["id"])
        while (message := await receive(named))["encode_start"]["id"] != str(english["id"]):
            assert message["encode_start"]["id"] == str(other_year["id"])


async def test_filter_and_remove_shape_the_titles_like_get_params(
    fresh_devserver: DevServer,
) -> None:
    shaped = {
        "subscribe": {"id": 9005},
        "filter": "id,names,description,player.playlist.1",
        "remove": "names.en",
    }
    async with client(fresh_devserver, shaped) as narrow, client(fresh_devserver) as full:
        digest = await asyncio.to_thread(
            fresh_devserver.live.update_title, 9005, description="Новое <b>описание</b>"
        )
        narrow_note, full_note = await receive(narrow), await receive(full)
    assert narrow_note["title_update"]["title"] == get(
        fresh_devserver,
        "getTitle",
        id=9005,
        filter="id,names,description,player.playlist.1",
        remove="names.en",
    )
    assert full_note["title_update"]["title"] == get(fresh_devserver, "getTitle", id=9005)
    assert narrow_note["title_update"]["hash"] == full_note["title_update"]["hash"] == digest
    assert narrow_note["title_update"]["diff"] == full_note["title_update"]["diff"]


@pytest.mark.parametrize(
    "command",
    [
        "not json",
        '{"subscribe": {"id": *x}}',
        "[1, 2]",
        '{"subscribe": 9001}',
        '{"filter": "id"}',
        '{"subscribe": {"id": 9001}, "filter": "names..ru"}',
        '{"subscribe": {"id": 9001}, "remove": 5}',
    ],
)
async def test_a_bad_subscribe_is_answered_and_the_connection_stays(
    fresh_devserver: DevServer, command: str
) -> None:
    async with client(fresh_devserver) as ws:
        await ws.send(command)
        answer = await receive(ws)
        assert set(answer) == {"error"} and answer["error"]["code"] == 400
        assert answer["error"]["message"]
        assert fresh_devserver.live.clients[0].subscriptions == ()
        await ws.send(json.dumps({"subscribe": {"id": 9002}, "unknown": True}))
        await until(lambda: len(fresh_devserver.live.clients[0].subscriptions) == 1)
        assert await push(fresh_devserver, note(9001)) == 0
        assert await push(fresh_devserver, note(9002)) == 1
        assert (await receive(ws)) == note(9002)


# --- notifications ---------------------------------------------------------------------------


async def test_a_new_episode_notifies_encoding_then_the_playlist(
    fresh_devserver: DevServer,
) -> None:
    title_id = 9001
    before = get(fresh_devserver, "getTitle", id=title_id)["player"]
    last = before["series"]["last"]
    async with client(fresh_devserver, {"subscribe": {"id": title_id}}) as ws:
        episode = await asyncio.to_thread(fresh_devserver.live.new_episode, title_id)
        messages = [await receive(ws) for _ in range(17)]
        assert await push(fresh_devserver, note(title_id)) == 1
        assert await receive(ws) == note(title_id)  # nothing else came in between
    assert episode == str(last + 1)
    ids = {"id": str(title_id), "episode": episode}
    expected: list[Any] = []
    for quality, resolution in (("fhd", "1080"), ("hd", "720"), ("sd", "480")):
        detail = {**ids, "resolution": resolution, "quality": quality}
        expected.append({"type": "encode_start", "encode_start": detail})
        expected += [
            {"type": "encode_progress", "encode_progress": {**detail, "encoded_percent": p}}
            for p in ("25", "50", "75")
        ]
        expected.append({"type": "encode_end", "encode_end": detail})
    expected.append(ids)  # encode_finish: bare
    assert messages[:16] == expected
    update = messages[16]
    assert set(update) == {"type", "playlist_update"} and update["type"] == "playlist_update"
    body = update["playlist_update"]
    assert list(body) == ["id", "player", "updated_episode", "episode", "diff", "reupload"]
    player = get(fresh_devserver, "getTitle", id=title_id)["player"]
    assert body["id"] == title_id and body["episode"] == episode and body["reupload"] is False
    assert body["player"] == player
    assert body["updated_episode"] == player["playlist"][episode]
    assert body["updated_episode"]["serie"] == last + 1
    assert player["series"] == {"first": 1, "last": last + 1, "string": f"1-{last + 1}"}
    assert body["diff"] == {
        "series": {"last": last, "string": before["series"]["string"]},
        "playlist": {episode: None},
    }
    hls = httpx.get(fresh_devserver.anilibria_site + body["updated_episode"]["hls"]["sd"])
    assert hls.status_code == 200 and hls.text.startswith("#EXTM3U")


async def test_a_reupload_notifies_the_same_episode(fresh_devserver: DevServer) -> None:
    title = get(fresh_devserver, "getTitle", id=9002)
    last = str(title["player"]["series"]["last"])
    async with client(fresh_devserver) as ws:
        episode = await asyncio.to_thread(fresh_devserver.live.new_episode, 9002, reupload=True)
        messages = [await receive(ws) for _ in range(17)]
    assert episode == last
    body = messages[-1]["playlist_update"]
    assert body["reupload"] is True and body["episode"] == last
    after = get(fresh_devserver, "getTitle", id=9002)
    assert after["updated"] == title["updated"] and after["last_change"] > title["last_change"]
    assert body["diff"] == {
        "playlist": {
            last: {"created_timestamp": title["player"]["playlist"][last]["created_timestamp"]}
        }
    }


async def test_title_update_has_hash_title_and_diff(fresh_devserver: DevServer) -> None:
    before = get(fresh_devserver, "getTitle", id=9003)
    async with client(fresh_devserver, {"subscribe": {"id": 9003}}) as ws:
        first = await asyncio.to_thread(
            fresh_devserver.live.update_title, 9003, description="Другое описание"
        )
        second = await asyncio.to_thread(
            fresh_devserver.live.update_title, 9003, announce="Новая серия в субботу"
        )
        one, two = await receive(ws), await receive(ws)
    assert SHA1.match(first) and SHA1.match(second) and first != second
    assert set(one) == {"type", "title_update"} and one["type"] == "title_update"
    assert list(one["title_update"]) == ["hash", "title", "diff"]
    assert one["title_update"]["hash"] == first and two["title_update"]["hash"] == second
    assert two["title_update"]["title"] == get(fresh_devserver, "getTitle", id=9003)
    assert one["title_update"]["diff"] == {
        "last_change": before["last_change"],
        "description": before["description"],
    }
    assert one["title_update"]["title"]["description"] == "Другое описание"
    with pytest.raises(ValueError):
        fresh_devserver.live.update_title(9003, no_such_field=1)
    with pytest.raises(KeyError):
        fresh_devserver.live.update_title(1, description="x")


async def test_torrent_update_has_the_spec_shape(fresh_devserver: DevServer) -> None:
    await asyncio.to_thread(fresh_devserver.live.new_episode, 9001)
    before = get(fresh_devserver, "getTitle", id=9001)["torrents"]
    async with client(fresh_devserver, {"subscribe": {"id": 9001}}) as ws:
        digest = await asyncio.to_thread(fresh_devserver.live.update_torrents, 9001)
        message = await receive(ws)
    assert message["type"] == "torrent_update"
    body = message["torrent_update"]
    assert list(body) == ["id", "torrents", "updated_torrent_id", "diff", "hash"]
    after = get(fresh_devserver, "getTitle", id=9001)["torrents"]
    assert body["id"] == "9001" and body["hash"] == digest and SHA1.match(digest)
    assert body["torrents"] == after
    new = next(e for e in after["list"] if e["torrent_id"] == body["updated_torrent_id"])
    index = after["list"].index(new)
    old = before["list"][index]
    assert new["series"]["last"] == after["series"]["last"] == before["series"]["last"] + 1
    assert body["diff"]["list"][str(index)]["torrent_id"] == old["torrent_id"]
    raw = httpx.get(fresh_devserver.anilibria_site + new["url"]).content
    assert raw.startswith(b"d") and new["hash"] != old["hash"]


# --- the catalog behind new episodes -------------------------------------------------------


def test_new_episodes_reach_polling_through_since_and_paging(fresh_devserver: DevServer) -> None:
    hub = fresh_devserver.live
    assert hub.clients == []  # nobody listens: the catalog changes all the same
    newest = get(fresh_devserver, "getUpdates", filter="updated", limit=1)[0]["updated"]
    changed = get(fresh_devserver, "getChanges", filter="last_change", limit=1)[0]["last_change"]
    assert get(fresh_devserver, "getUpdates", since=newest) == []
    released = [9010, 9004, 9007]
    before = {
        i: get(fresh_devserver, "getTitle", id=i)["player"]["series"]["last"] for i in released
    }
    for title_id in released:
        assert hub.new_episode(title_id) == str(before[title_id] + 1)
    updates = get(fresh_devserver, "getUpdates", since=newest, filter="id,updated", limit=-1)
    assert [t["id"] for t in updates] == released[::-1]
    stamps = [t["updated"] for t in updates]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == 3
    assert min(stamps) > Catalog.demo().latest_timestamp()
    changes = get(fresh_devserver, "getChanges", since=changed, filter="id", limit=-1)
    assert [t["id"] for t in changes] == released[::-1]
    page = {"since": newest, "filter": "id", "limit": 2}
    assert get(fresh_devserver, "getUpdates", **page) == [{"id": 9007}, {"id": 9004}]
    assert get(fresh_devserver, "getUpdates", **page, after=2) == [{"id": 9010}]
    assert get(fresh_devserver, "getChanges", **page, after=1) == [{"id": 9004}, {"id": 9010}]
    assert get(fresh_devserver, "getUpdates", since=max(stamps)) == []
    for title_id in released:
        player = get(fresh_devserver, "getTitle", id=title_id, playlist_type="array")["player"]
        assert player["series"]["last"] == before[title_id] + 1
        assert player["playlist"][-1]["serie"] == before[title_id] + 1
    with pytest.raises(KeyError):
        hub.new_episode(1)


def test_the_catalog_changes_while_the_server_is_stopped() -> None:
    server = DevServer(catalog=Catalog.bulk(3))
    title_id = server.catalog.titles[0]["id"]
    last = server.catalog.titles[0]["player"]["series"]["last"]
    assert server.live.new_episode(title_id) == str(last + 1)
    assert server.live.push({"id": "1"}) == 0
    with pytest.raises(RuntimeError):
        server.live.drop()


# --- outages ---------------------------------------------------------------------------------


async def test_drop_cuts_without_a_close_frame_and_close_sends_one(
    fresh_devserver: DevServer,
) -> None:
    hub = fresh_devserver.live
    async with client(fresh_devserver) as dropped:
        assert await asyncio.to_thread(hub.drop) == 1
        with pytest.raises(ConnectionClosedError):
            await asyncio.wait_for(dropped.recv(), RECEIVE_TIMEOUT)
        assert dropped.close_code == 1006 and dropped.close_reason == ""
    assert hub.clients == []
    for code, error in ((1000, ConnectionClosedOK), (4000, ConnectionClosedError)):
        async with client(fresh_devserver) as closed:
            assert await asyncio.to_thread(hub.close, code) == 1
            with pytest.raises(error) as caught:
                await asyncio.wait_for(closed.recv(), RECEIVE_TIMEOUT)
            assert caught.value.rcvd is not None and caught.value.rcvd.code == code
        await asyncio.to_thread(hub.wait_for_clients, 0)


async def test_a_client_vanishing_is_forgotten(fresh_devserver: DevServer) -> None:
    hub = fresh_devserver.live
    async with client(fresh_devserver) as staying:
        async with client(fresh_devserver) as leaving:
            leaving.transport.abort()
            for _ in range(3):  # pushes while it goes: never an error
                await push(fresh_devserver, note(9001))
            await asyncio.to_thread(hub.wait_for_clients, 1)
        assert [await receive(staying) for _ in range(3)] == [note(9001)] * 3
        assert await push(fresh_devserver, note(9002)) == 1


async def test_refuse_rejects_handshakes_while_http_answers(fresh_devserver: DevServer) -> None:
    hub = fresh_devserver.live
    async with client(fresh_devserver) as already:
        hub.refuse = True
        try:
            with pytest.raises(InvalidStatus) as caught:
                async with connect(ws_url(fresh_devserver)):
                    pass
            assert caught.value.response.status_code == 503
            async with httpx.AsyncClient(base_url=fresh_devserver.anilibria_api) as http:
                answer = await http.get("/getTitle", params={"id": 9001, "filter": "id"})
            assert answer.json() == {"id": 9001}
            assert await push(fresh_devserver, note(9001)) == 1  # the open one stays
            assert await receive(already) == note(9001)
        finally:
            hub.refuse = False
    async with client(fresh_devserver) as again:
        assert await push(fresh_devserver, note(9002)) == 1
        assert await receive(again) == note(9002)


async def test_pings_arrive_at_the_interval(fresh_devserver: DevServer) -> None:
    hub = fresh_devserver.live
    assert hub.ping_interval == 30.0  # the spec's default
    hub.ping_interval = 0.2
    loop = asyncio.get_running_loop()
    pings: list[float] = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(ws_url(fresh_devserver), autoping=False) as ws,
    ):
        while len(pings) < 4:
            message = await ws.receive(timeout=RECEIVE_TIMEOUT)
            assert message.type is aiohttp.WSMsgType.PING
            pings.append(loop.time())
            await ws.pong(message.data)
    gaps = [b - a for a, b in itertools.pairwise(pings)]
    assert all(0.1 <= gap <= 2.0 for gap in gaps), gaps


async def test_stop_closes_every_socket_promptly() -> None:
    server = DevServer(catalog=Catalog.bulk(2))
    server.start()
    try:
        async with client(server) as one, client(server) as two:
            start = time.monotonic()
            await asyncio.to_thread(server.stop)
            assert time.monotonic() - start < 1.0
            for ws in (one, two):
                with pytest.raises(ConnectionClosedOK):
                    await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
                assert ws.close_code == 1001
    finally:
        server.stop()
    # The hub follows a restart.
    server.start()
    try:
        async with client(server) as ws:
            assert await push(server, {"id": "1"}) == 1
            assert await receive(ws) == {"id": "1"}
    finally:
        server.stop()


# --- the demo's new episodes ------------------------------------------------------------------


def test_demo_episodes_are_off_unless_asked_and_on_in_the_apps_demo(tmp_path: Path) -> None:
    assert DevServer().live.demo_episode_delays == ()
    assert demo_server().live.demo_episode_delays == ()
    assert demo_server(episode_delays=(1.0,)).live.demo_episode_delays == (1.0,)
    paths = AppPaths.resolve(tmp_path / "data", tmp_path / "cache", tmp_path / "dl", demo=True)
    server = start_demo_server(paths)
    try:
        assert server.live.demo_episode_delays == DEMO_EPISODE_DELAYS == (20.0, 120.0)
    finally:
        server.stop()


def _last_episode(server: DevServer, title_id: int) -> int:
    return int(get(server, "getTitle", id=title_id)["player"]["series"]["last"])


def _torrent_last(server: DevServer, title_id: int) -> int:
    """The last episode the title's torrents hold."""
    torrents = get(server, "getTitle", id=title_id)["torrents"]["list"]
    return max(int(t["series"]["last"] or 0) for t in torrents)


async def test_demo_episodes_follow_new_favorites_once(fresh_devserver: DevServer) -> None:
    hub = fresh_devserver.live
    hub.demo_episode_delays = (0.05, 0.25)
    ids = [9001, 9002, 9003, 9004, 9005, 9006]
    start = {i: _last_episode(fresh_devserver, i) for i in ids}

    def grown() -> dict[int, int]:
        return {i: _last_episode(fresh_devserver, i) - start[i] for i in ids}

    # The app starts with its favorites: no episodes for them.
    hub.demo_started_with([9001, 9002])
    async with client(fresh_devserver, {"subscribe": {"id": 9001}}, {"subscribe": {"id": "9002"}}):
        pass
    # A reconnect that subscribes a new one (the local-only app adding a favorite).
    async with client(
        fresh_devserver, {"subscribe": {"id": 9001}}, {"subscribe": {"id": 9003}}
    ) as ws:
        kinds: list[str] = []
        while len([k for k in kinds if k == "playlist_update"]) < 2:
            message = await receive(ws)
            kinds.append(message.get("type", "encode_finish"))
            assert message.get(message.get("type"), message)["id"] in ("9003", 9003)
    # Same delays for all: had 9001 (subscribed before 9003) fired, it would show by now.
    assert grown() == {9001: 0, 9002: 0, 9003: 2, 9004: 0, 9005: 0, 9006: 0}

    # addFavorite (the logged-in app), and a title that already had its episodes.
    with httpx.Client(base_url=fresh_devserver.base_url, timeout=5) as http:
        body = http.post("/public/login.php", data={"mail": "demo", "passwd": "demo-password"})
        session = body.json()["sessionId"]
        for title_id in (9003, 9004):
            http.put("/v2/addFavorite", params={"session": session, "title_id": title_id})
        http.delete("/v2/delFavorite", params={"session": session, "title_id": 9003})
        http.put("/v2/addFavorite", params={"session": session, "title_id": 9003})
    async with client(fresh_devserver, {"subscribe": {"id": 9003}}, {"subscribe": {"id": 9002}}):
        pass  # 9003: triggered already; 9002: one the app started with
    async with client(fresh_devserver, {"subscribe": {"id": 9005}}):
        pass
    await until(lambda: grown()[9005] == 2)
    assert grown() == {9001: 0, 9002: 0, 9003: 2, 9004: 2, 9005: 2, 9006: 0}
    assert _last_episode(fresh_devserver, 9004) == start[9004] + 2
    newest = get(fresh_devserver, "getUpdates", filter="id", limit=3)
    assert {t["id"] for t in newest} == {9003, 9004, 9005}


async def test_demo_episodes_follow_what_a_polling_app_follows(fresh_devserver: DevServer) -> None:
    """A v1 app polls: the server sees no subscription, the demo is told what it follows."""
    hub = fresh_devserver.live
    hub.demo_episode_delays = (0.05,)
    ids = [9001, 9002, 9003]
    start = {i: _last_episode(fresh_devserver, i) for i in ids}

    def grown() -> dict[int, int]:
        return {i: _last_episode(fresh_devserver, i) - start[i] for i in ids}

    hub.demo_started_with([9001])
    # From another thread, as the app's loop calls it.
    await asyncio.to_thread(hub.demo_following, [9001, 9002])
    await until(lambda: grown()[9002] == 1)
    # Its torrent is reissued to hold the new episode, as AniLibria does.
    await until(lambda: _torrent_last(fresh_devserver, 9002) == start[9002] + 1)
    await asyncio.to_thread(hub.demo_following, [9001, 9002])  # told again: once per title
    await asyncio.to_thread(hub.demo_following, [9001, 9002, 9003])
    await until(lambda: grown()[9003] == 1)
    assert grown() == {9001: 0, 9002: 1, 9003: 1}


# --- building blocks -------------------------------------------------------------------------


def test_matching_rules() -> None:
    title = {
        "id": 8700,
        "code": "a*b",
        "names": {"ru": "Имя", "en": None},
        "genres": ["Драма", "Комедия"],
        "blocked": {"blocked": False},
        "player": {"playlist": {"12": {"serie": 12}}, "list": [{"serie": 1}]},
    }
    assert matches({}, title) and matches({}, None)
    assert matches({"id": "8700"}, title) and matches({"id": 8700.0}, title)
    assert not matches({"id": "8701"}, title) and not matches({"id": 8700}, None)
    assert matches({"code": "a*b"}, title) and not matches({"code": "A*B"}, title)
    assert matches({"names": {"ru": "*"}}, title)
    assert not matches({"names": {"en": "*"}}, title)
    assert not matches({"names": {"jp": "*"}}, title)
    assert matches({"player": {"playlist": {"12": "*"}}}, title)
    assert not matches({"player": {"playlist": {"13": "*"}}}, title)
    assert matches({"player": {"list": {"0": {"serie": "1"}}}}, title)
    assert matches({"genres": ["Комедия"]}, title) and not matches({"genres": ["Ужасы"]}, title)
    assert matches({"blocked": {"blocked": False}}, title)
    assert not matches({"blocked": {"blocked": 0}}, title)
    assert not matches({"names": "*"}, {"names": None})


def test_bare_stars_are_quoted_only_outside_strings() -> None:
    assert parse_command('{"subscribe": {"code": "a*b", "x": *, "y": [*, "*"]}}') == {
        "subscribe": {"code": "a*b", "x": "*", "y": ["*", "*"]}
    }
    assert parse_command('{"s": "\\"*", "t": *}') == {"s": '"*', "t": "*"}
    with pytest.raises(ValueError):
        parse_command('{"x": 2 * 3}')


def test_diff_holds_previous_values() -> None:
    before = {"a": 1, "b": {"c": 2, "d": 3}, "list": [{"id": 1}, {"id": 2}], "gone": "x"}
    after = {"a": 1, "b": {"c": 5, "d": 3}, "list": [{"id": 1}, {"id": 9}], "new": "y"}
    assert diff(before, after) == {
        "b": {"c": 2},
        "list": {"1": {"id": 2}},
        "gone": "x",
        "new": None,
    }
    assert diff(before, before) == {}

"""Reaching AniLiberty API v1 through its mirrors, over real HTTP: DevServers on loopback stand
for the API roots (one answers 521 through the fault injector, one says it is not alive, one
is a port nobody listens on), and the client probes them through `/app/status` in order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

import app
from app.devserver.server import DevServer
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.cache import HttpCache
from app.sources.errors import (
    AuthError,
    NetworkError,
    RateLimitedError,
    ServerError,
    SourceError,
)
from app.sources.http import HttpSettings
from tests.sources.conftest import Sleeps, clock

DEMO_LOGIN = ("demo", "demo-password")
EVERY_V1_PATH = "/api/v1/"


@pytest.fixture
def servers() -> Iterator[list[DevServer]]:
    """Three v1 servers of the demo catalog, each on its own loopback port."""
    started = [DevServer() for _ in range(3)]
    for server in started:
        server.start()
    yield started
    for server in started:
        server.stop()


def host(api_url: str) -> str:
    return api_url.split("//", 1)[1].split("/", 1)[0]


def paths(server: DevServer) -> list[str]:
    return [r.path.removeprefix("/api/v1/") for r in server.requests]


def make(
    api_url: str,
    mirrors: list[str],
    sleeps: Sleeps,
    settings: HttpSettings,
    cache: HttpCache | None = None,
) -> AniLibertyClient:
    return AniLibertyClient.create(
        api_url, mirrors=mirrors, cache=cache, settings=settings, sleep=sleeps, clock=clock
    )


@pytest.fixture
async def closing() -> AsyncIterator[list[AniLibertyClient]]:
    """Clients a test makes, closed afterwards."""
    made: list[AniLibertyClient] = []
    yield made
    for client in made:
        await client.aclose()


async def test_a_down_root_gives_way_to_the_first_live_mirror_in_order(
    servers: list[DevServer],
    closed_port_url: str,
    sleeps: Sleeps,
    fast: HttpSettings,
    cache: HttpCache,
    closing: list[AniLibertyClient],
) -> None:
    down, not_alive, live = servers
    down.faults.fail_next(EVERY_V1_PATH, 521, times=1000)
    not_alive.aniliberty.is_alive = False
    unreachable = closed_port_url + "/api/v1"
    roots = [down.aniliberty_api, unreachable, not_alive.aniliberty_api, live.aniliberty_api]
    client = make(roots[0], roots[1:], sleeps, fast, cache)
    closing.append(client)

    assert (await client.schedule_week()).value
    assert client.http.active_base_url == live.aniliberty_api
    assert paths(down) == ["anime/schedule/week"]  # the probe never asks the root that failed
    assert paths(not_alive) == ["app/status"]
    assert paths(live) == ["app/status", "anime/schedule/week"]
    assert sleeps == []  # a live mirror is no failure to wait for

    # The live one is used from now on, without asking the others again.
    await client.genres()
    assert paths(live)[-1] == "anime/genres" and len(down.requests) == 1


async def test_the_live_mirror_is_remembered_and_re_probed_in_order_when_it_fails(
    servers: list[DevServer],
    sleeps: Sleeps,
    fast: HttpSettings,
    cache: HttpCache,
    closing: list[AniLibertyClient],
) -> None:
    first, second, third = servers
    first.faults.fail_next(EVERY_V1_PATH, 521, times=1000)
    second.aniliberty.is_alive = False
    roots = [s.aniliberty_api for s in servers]
    client = make(roots[0], roots[1:], sleeps, fast, cache)
    closing.append(client)
    await client.genres()
    assert client.http.active_base_url == third.aniliberty_api

    # The next start (same cache db) goes to the remembered mirror first.
    for server in servers:
        server.requests.clear()
    restarted = make(roots[0], roots[1:], sleeps, fast, cache)
    closing.append(restarted)
    await restarted.genres()
    assert first.requests == [] and paths(third) == ["anime/genres"]

    # It fails: the others are probed again, in order from the top.
    third.faults.fail_next(EVERY_V1_PATH, 503, times=1000)
    second.aniliberty.is_alive = True
    await restarted.genres()
    assert restarted.http.active_base_url == second.aniliberty_api
    assert paths(first) == ["app/status"] and paths(second) == ["app/status", "anime/genres"]
    assert sleeps == []


async def test_every_mirror_down_names_each_host_tried(
    servers: list[DevServer],
    closed_port_url: str,
    sleeps: Sleeps,
    fast: HttpSettings,
    closing: list[AniLibertyClient],
) -> None:
    down, not_alive, stopped = servers
    down.faults.fail_next(EVERY_V1_PATH, 521, times=1000)
    not_alive.aniliberty.is_alive = False
    stopped.stop()
    roots = [
        down.aniliberty_api,
        closed_port_url + "/api/v1",
        not_alive.aniliberty_api,
        stopped.aniliberty_api,
    ]
    client = make(roots[0], roots[1:], sleeps, fast)
    closing.append(client)
    with pytest.raises(NetworkError) as caught:
        await client.schedule_week()
    assert caught.value.url_host == host(down.aniliberty_api)
    assert caught.value.reason == "HTTP 521 (Injected failure)"  # the server's text
    assert caught.value.tried == tuple(host(root) for root in roots)
    assert f"tried {', '.join(caught.value.tried)}" in str(caught.value)
    # Each retry asks them all again, after the usual backoff.
    assert sleeps == [0.5, 1.0, 2.0]
    assert paths(down) == ["anime/schedule/week"] * 4
    assert paths(not_alive) == ["app/status"] * 4


async def test_a_down_root_asking_to_wait_is_waited_for_when_no_mirror_lives(
    servers: list[DevServer],
    sleeps: Sleeps,
    fast: HttpSettings,
    closing: list[AniLibertyClient],
) -> None:
    busy, not_alive, _ = servers
    busy.faults.fail_next(EVERY_V1_PATH, 503, headers={"Retry-After": "7"}, times=2)
    not_alive.aniliberty.is_alive = False
    client = make(busy.aniliberty_api, [not_alive.aniliberty_api], sleeps, fast)
    closing.append(client)
    assert (await client.genres()).value
    assert sleeps == [7.0, 7.0]
    assert client.http.active_base_url == busy.aniliberty_api


async def test_a_post_moves_to_a_mirror_only_when_the_api_never_got_it(
    servers: list[DevServer],
    sleeps: Sleeps,
    fast: HttpSettings,
    closing: list[AniLibertyClient],
) -> None:
    root, mirror, _ = servers
    client = make(root.aniliberty_api, [mirror.aniliberty_api], sleeps, fast)
    closing.append(client)
    login = "/api/v1/accounts/users/auth/login"
    # A 500 may come after the server acted: a login is never sent twice.
    root.faults.fail_next(login, 500)
    with pytest.raises(ServerError):
        await client.login(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    assert mirror.requests == []
    # A CDN's 521 says the API never saw it: the live mirror takes it.
    root.faults.fail_next(login, 521)
    assert await client.login(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    assert paths(mirror) == ["app/status", "accounts/users/auth/login"]


async def test_an_explicit_root_alone_keeps_the_server_s_own_errors(
    servers: list[DevServer], sleeps: Sleeps, fast: HttpSettings, closing: list[AniLibertyClient]
) -> None:
    root = servers[0]
    client = make(root.aniliberty_api, [], sleeps, fast)
    closing.append(client)
    root.faults.fail_next(EVERY_V1_PATH, 503, times=1000)
    with pytest.raises(ServerError):
        await client.genres()
    assert "app/status" not in paths(root)


async def test_with_retries_off_a_429_is_reported_at_once_with_its_wait(
    servers: list[DevServer], sleeps: Sleeps, closing: list[AniLibertyClient]
) -> None:
    root = servers[0]
    client = make(root.aniliberty_api, [], sleeps, HttpSettings(retries=0))
    closing.append(client)
    root.faults.fail_next("/api/v1/anime/genres", 429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimitedError) as caught:
        await client.genres()
    assert caught.value.retry_after == 30.0 and sleeps == []


async def test_an_error_s_text_is_the_server_s(
    servers: list[DevServer], sleeps: Sleeps, fast: HttpSettings, closing: list[AniLibertyClient]
) -> None:
    root = servers[0]
    client = make(root.aniliberty_api, [], sleeps, fast)
    closing.append(client)
    with pytest.raises(AuthError) as caught:
        await client.profile(token="not-a-token")
    assert caught.value.status == 403 and caught.value.message == "Необходимо авторизоваться"


async def test_a_poster_is_never_retried(
    servers: list[DevServer], sleeps: Sleeps, fast: HttpSettings, closing: list[AniLibertyClient]
) -> None:
    root = servers[0]
    client = make(root.aniliberty_api, [], sleeps, fast)
    closing.append(client)
    title = (await client.release(9001)).value
    assert title.posters is not None and title.posters.medium.url
    root.faults.fail_next(title.posters.medium.url.split("?")[0], 503)
    with pytest.raises(SourceError):
        await client.image(title.posters.medium.url)
    assert sleeps == []


async def test_every_request_names_the_app_and_its_version(
    servers: list[DevServer], sleeps: Sleeps, fast: HttpSettings, closing: list[AniLibertyClient]
) -> None:
    root, mirror, _ = servers
    client = make(root.aniliberty_api, [mirror.aniliberty_api], sleeps, fast)
    closing.append(client)
    root.faults.fail_next(EVERY_V1_PATH, 521)
    await client.genres()
    title = (await client.release(9001)).value
    assert title.posters is not None and title.posters.medium.url
    await client.image(title.posters.medium.url)
    agents = {r.headers["User-Agent"] for r in root.requests + mirror.requests}
    assert agents == {f"anitui/{app.__version__}"}
    assert len(root.requests + mirror.requests) == 5  # probe and image included

"""Fixtures of the live-updates tests: a LiveService on a devserver of the test's own, a real bus,
and an injected sleep that records the requested delays."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from app.devserver.server import DevServer
from app.services.events import Event, EventBus
from app.services.live import (
    LiveService,
    LiveSettings,
    LiveState,
    LiveStateChanged,
    LiveUpdates,
)
from app.services.live_poll import PollingLive
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.anilibria.client import AniLibriaClient
from app.sources.cache import HttpCache
from app.sources.http import HttpSettings
from app.store.db import Database
from app.store.kv import KeyValueStore

E = TypeVar("E", bound=Event)

SETTINGS = LiveSettings(
    reconnect_min=1.0, reconnect_max=8.0, poll_interval=1000.0, ping_interval=5.0, poll_page=3
)
"""Polls far apart (so the recorded sleeps are the reconnect delays), small poll pages."""


class Sleeps:
    """An injected `sleep`: records each requested delay, then yields without waiting.

    `hold()` makes the next sleeps wait until `release()`, so a test can change the server while
    the service is known to be between two attempts.
    """

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.waiting = 0
        self._open = asyncio.Event()
        self._open.set()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.waiting += 1
        try:
            await self._open.wait()
            # A real, tiny pause: a reconnect loop against a refusing server must not hog the
            # loop the test runs on (correctness never depends on it).
            await asyncio.sleep(0.002)
        finally:
            self.waiting -= 1

    def hold(self) -> None:
        """Make sleeps wait (from the next one on) until `release()`."""
        self._open.clear()

    def release(self) -> None:
        """Let waiting and later sleeps return."""
        self._open.set()


class Randoms:
    """An injected `random()` returning the given values in turn (cycling)."""

    def __init__(self, *values: float) -> None:
        self.values = values or (0.0,)
        self.calls = 0

    def __call__(self) -> float:
        value = self.values[self.calls % len(self.values)]
        self.calls += 1
        return value


async def until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Let the loop run until `predicate()` holds, failing after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.005)


@dataclass(kw_only=True)
class BusRig:
    """What every live test touches, whichever API it follows."""

    server: DevServer
    db: Database
    kv: KeyValueStore
    bus: EventBus
    events: list[Event]
    sleeps: Sleeps = field(default_factory=Sleeps)
    following: set[int] | None = field(default_factory=set)
    """What `follow()` answers (a copy): the favorites, or None for every title."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def follow(self) -> frozenset[int] | None:
        return None if self.following is None else frozenset(self.following)

    def start(self, service: LiveUpdates) -> asyncio.Task[None]:
        task = asyncio.create_task(service.run())
        self.tasks.append(task)
        return task

    async def stop(self, task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10.0)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def states(self) -> list[LiveState]:
        return [e.state for e in self.of(LiveStateChanged)]

    async def until_state(self, service: LiveUpdates, state: LiveState, count: int = 1) -> None:
        await until(
            lambda: service.state is state and self.states().count(state) >= count,
            what=f"{state} (#{count}); states so far {self.states()}",
        )


@dataclass(kw_only=True)
class Rig(BusRig):
    """A v2 live rig: the WebSocket and getUpdates / getChanges."""

    client: AniLibriaClient
    randoms: Randoms = field(default_factory=Randoms)

    @property
    def ws_url(self) -> str:
        return self.server.anilibria_api.replace("http", "ws", 1) + "/ws/"

    def make(self, settings: LiveSettings = SETTINGS, *, url: str | None = None) -> LiveService:
        return LiveService(
            url or self.ws_url,
            self.client,
            self.bus,
            self.kv,
            follow=self.follow,
            settings=settings,
            sleep=self.sleeps,
            random=self.randoms,
        )

    async def until_live(
        self, service: LiveService, count: int = 1, *, subscriptions: int = 1
    ) -> None:
        """Wait for LIVE (#`count`) and for the devserver to hold that one client with its
        `subscriptions` (the service is LIVE once it has sent them, a moment before)."""
        await self.until_state(service, LiveState.LIVE, count)
        await asyncio.to_thread(self.server.live.wait_for_clients, 1, subscriptions=subscriptions)

    def requests(self, method: str) -> list[dict[str, str]]:
        return [r.query for r in self.server.requests if r.path.endswith("/" + method)]


@contextlib.asynccontextmanager
async def _rig_parts(tmp_path: Path) -> AsyncIterator[tuple[HttpCache, HttpSettings, Database]]:
    """The HTTP cache and settings of a test's client (no retries) and its database."""
    cache = HttpCache(tmp_path / "cache" / "http.sqlite")
    db = Database.open(tmp_path / "data" / "anitui.db")
    try:
        yield cache, HttpSettings(timeout=5.0, connect_timeout=2.0, retries=0, jitter=0.0), db
    finally:
        cache.close()
        db.close()


async def _stop_all(made: BusRig) -> None:
    made.sleeps.release()
    for task in made.tasks:
        await made.stop(task)


@pytest.fixture
async def rig(fresh_devserver: DevServer, tmp_path: Path, bus: EventBus) -> AsyncIterator[Rig]:
    """A v2 live rig on a devserver of the test's own (tests change its catalog and sockets)."""
    async with _rig_parts(tmp_path) as (cache, settings, db):
        client = AniLibriaClient.create(
            fresh_devserver.anilibria_api,
            fresh_devserver.anilibria_site,
            cache=cache,
            settings=settings,
        )
        events: list[Event] = []
        bus.subscribe(Event, events.append)
        made = Rig(
            server=fresh_devserver,
            client=client,
            db=db,
            kv=KeyValueStore(db),
            bus=bus,
            events=events,
        )
        try:
            yield made
        finally:
            await _stop_all(made)
            await client.aclose()


POLL_SETTINGS = LiveSettings(
    reconnect_min=1.0, reconnect_max=8.0, poll_interval=30.0, ping_interval=5.0, poll_page=3
)
"""v1: small pages, so a few changes take several torrent pages and fill the latest list."""


@dataclass(kw_only=True)
class PollRig(BusRig):
    """A v1 live rig: `PollingLive` polling the devserver's AniLiberty API v1."""

    client: AniLibertyClient

    def make(self, settings: LiveSettings = POLL_SETTINGS) -> PollingLive:
        return PollingLive(
            self.client, self.bus, self.kv, follow=self.follow, settings=settings, sleep=self.sleeps
        )

    async def started(self, service: PollingLive) -> None:
        """Start `service` with the sleeps held: returns once its first poll is done."""
        self.sleeps.hold()
        self.start(service)
        await until(lambda: self.sleeps.waiting == 1, what="the first poll")

    async def poll(self) -> None:
        """Let exactly one more poll run (the service waits between polls, sleeps held)."""
        polls = len(self.sleeps.delays)
        self.sleeps.release()
        self.sleeps.hold()
        await until(
            lambda: len(self.sleeps.delays) == polls + 1 and self.sleeps.waiting == 1,
            what="the next poll",
        )

    def requests(self, path: str) -> list[dict[str, str]]:
        """The queries of the requests made to `/api/v1/<path>`."""
        return [r.query for r in self.server.requests if r.path == "/api/v1/" + path]


@pytest.fixture
async def poll_rig(
    fresh_devserver: DevServer, tmp_path: Path, bus: EventBus
) -> AsyncIterator[PollRig]:
    """A v1 live rig on a devserver of the test's own."""
    async with _rig_parts(tmp_path) as (cache, settings, db):
        client = AniLibertyClient.create(
            fresh_devserver.aniliberty_api, cache=cache, settings=settings
        )
        events: list[Event] = []
        bus.subscribe(Event, events.append)
        made = PollRig(
            server=fresh_devserver,
            client=client,
            db=db,
            kv=KeyValueStore(db),
            bus=bus,
            events=events,
        )
        try:
            yield made
        finally:
            await _stop_all(made)
            await client.aclose()


@pytest.fixture
def catalog_ids(fresh_devserver: DevServer) -> Iterator[list[int]]:
    """The demo catalog's title ids, ascending."""
    titles: list[Any] = fresh_devserver.catalog.titles
    yield sorted(int(t["id"]) for t in titles)


class ScriptedServer:
    """A bare WebSocket server a test scripts by hand: it records what clients send and sends
    whatever the test wants, ignoring subscriptions (a server that does not filter)."""

    def __init__(self) -> None:
        self.received: list[str | bytes] = []
        self.sockets: list[ServerConnection] = []
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/v2/ws/"

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def send(self, *messages: str | bytes) -> None:
        """Send `messages` to the newest client."""
        for message in messages:
            await self.sockets[-1].send(message)

    async def _handle(self, ws: ServerConnection) -> None:
        self.sockets.append(ws)
        with contextlib.suppress(Exception):
            async for message in ws:
                self.received.append(message)


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedServer]:
    """A started `ScriptedServer`."""
    server = ScriptedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()

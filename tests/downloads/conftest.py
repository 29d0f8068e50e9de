"""Fixtures of the queue tests: a real engine and a real loopback seeder (TCP only), fake time.

Every libtorrent session listens on 127.0.0.1:0 with DHT, LSD, UPnP, NAT-PMP and uTP off. The
engine finds no seeder by itself (no tracker): `Harness.dial()` runs a task that stands in for
a tracker: every 100 ms, each downloading torrent with no peer is asked to connect to the
seeder, and the seeder to connect back (libtorrent does not redial a peer it dropped within
`min_reconnect_time`, 60 s — as when more files are chosen just after a torrent finished).
Automatic retries go through `FakeTimers` (delays recorded, fired by the test), and the queue's
clock is a `FakeClock` that moves only when a test says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.devserver.seeder import Seeder, make_torrent
from app.services.downloads import DownloadItem, DownloadQueue
from app.services.events import Event, EventBus
from app.services.torrent_meta import TorrentSpec, parse_torrent
from app.services.torrents import EngineSettings, TorrentEngine
from app.store.db import Database
from app.store.downloads import DownloadRecord, DownloadStore

E = TypeVar("E", bound=Event)


def payload(size: int, seed: int) -> bytes:
    """`size` deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Yield to the loop (which delivers the bus events) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what or predicate}"
        await asyncio.sleep(0.02)


def one(queue: DownloadQueue, item_id: str) -> DownloadItem:
    """The queue's download `item_id` (which must exist)."""
    item = queue.get(item_id)
    assert item is not None, f"no download {item_id}"
    return item


def stored(store: DownloadStore, download_id: str) -> DownloadRecord:
    """The store's row of `download_id` (which must exist)."""
    record = store.get(download_id)
    assert record is not None, f"no stored download {download_id}"
    return record


class FakeClock:
    """Unix seconds that move only on `advance()`."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeTimer:
    delay: float
    callback: Callable[[], None]
    cancelled: bool = False
    fired: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeTimers:
    """`call_later` that records each request; the test fires them."""

    made: list[FakeTimer] = field(default_factory=list)

    def __call__(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(delay, callback)
        self.made.append(timer)
        return timer

    def live(self) -> list[FakeTimer]:
        return [t for t in self.made if not t.cancelled and not t.fired]

    def fire(self, timer: FakeTimer) -> None:
        assert not timer.cancelled and not timer.fired
        timer.fired = True
        timer.callback()


class Events:
    """Every event the bus delivered, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.seen: list[Event] = []
        bus.subscribe(Event, self.seen.append)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.seen if isinstance(e, kind)]


def engine_settings(**changes: Any) -> EngineSettings:
    values: dict[str, Any] = {
        "listen_interfaces": "127.0.0.1:0",
        "dht": False,
        "lsd": False,
        "upnp": False,
        "natpmp": False,
        "utp": False,
        "resume_interval": 0.2,
        "status_interval": 0.1,
        "shutdown_timeout": 3.0,
        "seed_ratio": 0.0,
        "seed_time": 0.0,
    }
    values.update(changes)
    return EngineSettings(**values)


class Harness:
    """A database, a resume folder, a download root, a seeder and the queues made over them."""

    def __init__(self, tmp_path: Path, bus: EventBus, seeder: Seeder) -> None:
        self.tmp_path = tmp_path
        self.bus = bus
        self.seeder = seeder
        self.root = tmp_path / "downloads"
        self.resume_dir = tmp_path / "resume"
        self.db_path = tmp_path / "anitui.db"
        self.clock = FakeClock()
        self.timers = FakeTimers()
        self.events = Events(bus)
        self.db: Database | None = None
        self.queues: list[DownloadQueue] = []
        self.engines: list[TorrentEngine] = []
        self._made = 0
        self._dialer: asyncio.Task[None] | None = None

    @property
    def store(self) -> DownloadStore:
        assert self.db is not None
        return DownloadStore(self.db)

    # making things ---------------------------------------------------------------------------

    def queue(self, *, engine: dict[str, Any] | None = None, **options: Any) -> DownloadQueue:
        """A new engine and an opened queue over the harness's database and resume folder."""
        if self.db is None:
            self.db = Database.open(self.db_path)
        made = TorrentEngine(self.bus, self.resume_dir, engine_settings(**(engine or {})))
        made.start()
        self.engines.append(made)
        values: dict[str, Any] = {
            "clock": self.clock,
            "call_later": self.timers,
            "retry_backoff": 2.0,
            "max_retries": 2,
        }
        values.update(options)
        queue = DownloadQueue(DownloadStore(self.db), made, self.bus, self.root, **values)
        queue.open()
        self.queues.append(queue)
        return queue

    async def close_queue(self, queue: DownloadQueue) -> None:
        await asyncio.to_thread(queue.close)

    def torrent(
        self,
        files: list[tuple[str, int]] | None = None,
        *,
        name: str | None = None,
        seed: bool = True,
    ) -> tuple[TorrentSpec, dict[str, bytes]]:
        """A new torrent (unique content), its payload by path under the save folder; seeded by
        the seeder unless `seed=False` (then `self.seed(spec)` later)."""
        self._made += 1
        n = self._made
        name = name or f"Show {n}"
        files = files or [("ep01.mkv", 96_000), ("ep02.mkv", 64_000)]
        data = [(path, payload(size, n * 100 + i)) for i, (path, size) in enumerate(files)]
        source = self.tmp_path / "made" / str(n)
        torrent = make_torrent(source, data, name=name)
        single = len(data) == 1 and data[0][0] == name
        by_path = {(path if single else f"{name}/{path}"): blob for path, blob in data}
        spec = parse_torrent(torrent)
        if seed:
            self.seed(spec, by_path)
        return spec, by_path

    def seed(self, spec: TorrentSpec, by_path: dict[str, bytes]) -> None:
        assert spec.torrent is not None
        self.seeder.seed(spec.torrent, by_path.items())

    # the stand-in tracker -------------------------------------------------------------------

    def dial(self) -> None:
        """From now on, connect every downloading torrent without peers to the seeder."""
        if self._dialer is None:
            self._dialer = asyncio.ensure_future(self._dial())

    async def stop_dialing(self) -> None:
        if self._dialer is not None:
            self._dialer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dialer
            self._dialer = None

    async def _dial(self) -> None:
        while True:
            for engine in self.engines:
                with contextlib.suppress(RuntimeError):
                    for queue in self.queues:
                        for item in queue.items():
                            if item.status != "downloading" or not engine.has(item.info_hash):
                                continue
                            status = engine.status(item.info_hash)
                            if status is None or status.peers == 0:
                                engine.connect_peer(item.info_hash, "127.0.0.1", self.seeder.port)
                                port = engine.listen_port
                                if port:
                                    self.seeder.connect(item.info_hash, "127.0.0.1", port)
            await asyncio.sleep(0.1)

    # checking --------------------------------------------------------------------------------

    def files_match(self, by_path: dict[str, bytes], folder: Path | None = None) -> bool:
        base = folder or self.root
        for path, blob in by_path.items():
            target = base / path
            if not target.is_file() or sha256(target.read_bytes()) != sha256(blob):
                return False
        return True

    async def aclose(self) -> None:
        await self.stop_dialing()
        for queue in self.queues:
            await asyncio.to_thread(queue.close)
        if self.db is not None:
            self.db.close()


@pytest.fixture
async def harness(tmp_path: Path, bus: EventBus, seeder: Seeder) -> AsyncIterator[Harness]:
    made = Harness(tmp_path, bus, seeder)
    try:
        yield made
    finally:
        await made.aclose()

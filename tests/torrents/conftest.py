"""Fixtures of the torrent tests: a loopback seeder, payloads, engines on 127.0.0.1 (TCP only).

Every libtorrent session here listens on 127.0.0.1:0 with DHT, LSD, UPnP, NAT-PMP and uTP off
(uTP over loopback is slow and erratic, PITFALLS.md); every interval is short. Waits are bounded
polls on the asyncio loop, which also delivers the bus events.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import libtorrent as lt
import pytest

from app.devserver.seeder import loopback_settings
from app.services.events import Event, EventBus

E = TypeVar("E", bound=Event)


def payload(size: int, seed: int) -> bytes:
    """`size` deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(size)


def loopback_pack(**more: Any) -> lt.settings_pack:
    """The seeder's loopback session settings plus `more`, as libtorrent's typed settings pack."""
    return cast("lt.settings_pack", {**loopback_settings(), **more})


class SessionPieceReader:
    """`TorrentEngine.read_piece` for one torrent of a bare session (a `PieceReader`): asks
    libtorrent for the piece and pops the session's alerts until its `read_piece_alert`.

    One read at a time, because each pops (and drops) every alert of the session; concurrent
    HTTP readers then queue here, which the tests' small pieces make quick.
    """

    def __init__(self, session: lt.session, handle: lt.torrent_handle) -> None:
        self._session = session
        self._handle = handle
        self._lock = threading.Lock()

    def __call__(self, piece: int, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        with self._lock:
            try:
                self._handle.read_piece(piece)
            except RuntimeError:
                return None
            while (left := deadline - time.monotonic()) > 0:
                self._session.wait_for_alert(max(1, int(left * 1000)))
                for alert in self._session.pop_alerts():
                    if isinstance(alert, lt.read_piece_alert) and alert.piece == piece:
                        return None if alert.error.value() else bytes(alert.buffer)
            return None


def engine_settings(**changes: Any) -> Any:
    """EngineSettings for loopback tests: 127.0.0.1:0, TCP only, no discovery, short intervals."""
    from app.services.torrents import EngineSettings

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
        "seed_time": 3600.0,
    }
    values.update(changes)
    return EngineSettings(**values)


async def until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Yield to the loop until `predicate()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what or predicate}"
        await asyncio.sleep(0.02)


class Events:
    """Every event the bus delivered, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.seen: list[Event] = []
        bus.subscribe(Event, self.seen.append)

    def of(self, kind: type[E], info_hash: str | None = None) -> list[E]:
        return [
            e
            for e in self.seen
            if isinstance(e, kind)
            and (info_hash is None or getattr(e, "info_hash", info_hash) == info_hash)
        ]

    def statuses(self, info_hash: str) -> list[Any]:
        from app.services.torrents import TorrentStatusesUpdated

        return [
            s
            for e in self.of(TorrentStatusesUpdated)
            for s in e.statuses
            if s.info_hash == info_hash
        ]

    def last(self, info_hash: str) -> Any:
        statuses = self.statuses(info_hash)
        return statuses[-1] if statuses else None


async def connect_until(
    engine: Any,
    info_hash: str,
    port: int,
    predicate: Callable[[], object],
    timeout: float = 30.0,
    what: str = "",
) -> None:
    """Ask `engine` to connect to 127.0.0.1:`port` every 100 ms while it has no peer, until
    `predicate()` holds (the first connect can be lost while the torrent is checking)."""
    deadline = time.monotonic() + timeout
    next_connect = 0.0
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what or predicate}"
        status = engine.status(info_hash)
        if time.monotonic() >= next_connect and (status is None or status.peers == 0):
            engine.connect_peer(info_hash, "127.0.0.1", port)
            next_connect = time.monotonic() + 0.1
        await asyncio.sleep(0.02)


@pytest.fixture
def events(bus: EventBus) -> Events:
    return Events(bus)


@pytest.fixture
async def engines(bus: EventBus, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Makes started engines (resume files in `tmp_path / "resume"` unless told); all are
    closed at the end, off the loop."""
    from app.services.torrents import TorrentEngine

    made: list[Any] = []

    def make(resume_dir: Path | None = None, **changes: Any) -> Any:
        engine = TorrentEngine(bus, resume_dir or tmp_path / "resume", engine_settings(**changes))
        engine.start()
        made.append(engine)
        return engine

    try:
        yield make
    finally:
        for engine in made:
            await asyncio.to_thread(engine.close)

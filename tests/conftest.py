"""Fixtures every test shares: no internet, local API servers on loopback, temp dirs."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.services.events import EventBus

if TYPE_CHECKING:
    from app.devserver.seeder import Seeder
    from app.devserver.server import DevServer

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may not reach {address!r}: loopback only")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may not reach {address!r}: loopback only")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection to a non-loopback address: no test can reach the internet."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(scope="session")
def devserver() -> Iterator[DevServer]:
    """The bundled API servers (AniLibria with the demo catalog, nekoBT, the Torrent API) on one
    free loopback port, for the session.

    Tests that change its state (faults, favorites) must undo what they did or use
    `fresh_devserver`.
    """
    from app.devserver.demo import demo_server

    server = demo_server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_devserver() -> Iterator[DevServer]:
    """A devserver of the test's own (all APIs), stopped afterwards."""
    from app.devserver.demo import demo_server

    server = demo_server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    """An event bus delivering on the test's loop, closed afterwards."""
    made = EventBus()
    made.attach_loop(asyncio.get_running_loop())
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def seeder(tmp_path: Path) -> Iterator[Seeder]:
    """A started loopback libtorrent seeder with its files under `tmp_path / "seeder"`."""
    from app.devserver.seeder import Seeder

    made = Seeder(tmp_path / "seeder")
    made.start()
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"

"""Fixtures of the player tests: real libmpv (vo/ao null, config dir under tmp_path) playing
the devserver's HLS clips, an event recorder with timeouts, and a history store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.services.events import Event, EventBus
from app.services.player import PlayerService, PlayerSettings
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import Title
from app.store.db import Database
from app.store.history import HistoryStore

E = TypeVar("E", bound=Event)

WAIT_S = 15.0
"""Upper bound for one awaited event; a healthy run needs a fraction of it."""


class Recorder:
    """Every event published on the bus, and waits for the ones a test expects."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        self._signal = asyncio.Event()
        bus.subscribe(Event, self._on_event)

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        self._signal.set()

    def mark(self) -> int:
        """An index for `since`: only events after this call count."""
        return len(self.events)

    def of(self, kind: type[E], since: int = 0) -> list[E]:
        """The recorded events of `kind`, oldest first."""
        return [e for e in self.events[since:] if isinstance(e, kind)]

    async def wait_for(
        self,
        kind: type[E],
        pred: Callable[[E], bool] = lambda e: True,
        *,
        since: int = 0,
        timeout: float = WAIT_S,
    ) -> E:
        """The first event of `kind` after `since` matching `pred`, waiting for it."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for event in self.events[since:]:
                        if isinstance(event, kind) and pred(event):
                            return event
                    self._signal.clear()
                    await self._signal.wait()
        except TimeoutError:
            names = [type(e).__name__ for e in self.events[since:]][-20:]
            pytest.fail(f"no {kind.__name__} within {timeout} s; last events: {names}")


@pytest.fixture
def mpv_config_dir(tmp_path: Path) -> Path:
    """mpv's config dir for the test: never the developer's ~/.config/mpv."""
    path = tmp_path / "mpv"
    path.mkdir()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "anitui.db")
    yield database
    database.close()


@pytest.fixture
def history(db: Database) -> HistoryStore:
    return HistoryStore(db)


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    event_bus = EventBus()
    event_bus.attach_loop(asyncio.get_running_loop())
    yield event_bus
    event_bus.close()


@pytest.fixture
def recorder(bus: EventBus) -> Recorder:
    return Recorder(bus)


@pytest.fixture
async def make_player(
    bus: EventBus, history: HistoryStore, mpv_config_dir: Path
) -> AsyncIterator[Callable[..., PlayerService]]:
    """Build a `PlayerService` with headless test settings (overridable); shut down after."""
    services: list[PlayerService] = []

    def make(**overrides: Any) -> PlayerService:
        settings = PlayerSettings(
            **{
                "vo": "null",
                "ao": "null",
                "mpv_config_dir": mpv_config_dir,
                "save_interval": 0.2,
                "network_timeout": 5.0,
                **overrides,
            }
        )
        service = PlayerService(bus, history, settings=settings)
        services.append(service)
        return service

    yield make
    for service in services:
        await service.shutdown()


@pytest.fixture
async def client(devserver: Any) -> AsyncIterator[AniLibriaClient]:
    api = AniLibriaClient.create(devserver.anilibria_api, devserver.anilibria_site)
    yield api
    await api.aclose()


async def fetch_title(client: AniLibriaClient, title_id: int) -> Title:
    """A demo title as the app gets it."""
    return (await client.get_title(id=title_id)).value

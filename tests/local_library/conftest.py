"""Fixtures of the local library tests: the library service over a temp root and database, its
titles read from the devserver's v1 API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from app.devserver.server import DevServer
from app.services.catalog import CatalogService
from app.services.events import Event, EventBus
from app.services.library import LibraryService
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.anilibria.models import Title
from app.sources.cache import HttpCache
from app.sources.http import HttpSettings
from app.store.db import Database
from app.store.downloads import DownloadStore
from app.store.library import LibraryStore

E = TypeVar("E", bound=Event)

TITLE = 9001
"""A demo title with several episodes."""


@dataclass
class Rig:
    """A library service and what it stands on."""

    root: Path
    db: Database
    catalog: CatalogService
    bus: EventBus
    download_root: Path
    """The queue's root (beside the library's; a test that needs the default sets it to it)."""
    seen: list[Event] = field(default_factory=list)

    def service(self, *, allow_outside_root: bool = False) -> LibraryService:
        return LibraryService(
            LibraryStore(self.db),
            DownloadStore(self.db),
            self.catalog,
            self.bus,
            self.root,
            download_root=self.download_root,
            allow_outside_root=allow_outside_root,
            clock=lambda: 1_800_000_000.0,
        )

    async def title(self, title_id: int = TITLE) -> Title:
        return (await self.catalog.title(title_id)).value

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.seen if isinstance(e, kind)]


def touch(path: Path, size: int = 10) -> Path:
    """A file of `size` bytes at `path` (its folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    return path


@pytest.fixture
async def rig(devserver: DevServer, tmp_path: Path, bus: EventBus) -> AsyncIterator[Rig]:
    cache = HttpCache(tmp_path / "cache" / "http.sqlite")
    settings = HttpSettings(timeout=2.0, connect_timeout=1.0, retries=0, backoff=0.0, jitter=0.0)
    client = V2CompatClient(
        AniLibertyClient.create(devserver.aniliberty_api, cache=cache, settings=settings)
    )
    db = Database.open(tmp_path / "data" / "anitui.db")
    root = tmp_path / "library"
    root.mkdir()
    made = Rig(root, db, CatalogService(client), bus, tmp_path / "downloads")
    bus.subscribe(Event, made.seen.append)
    try:
        yield made
    finally:
        await client.aclose()
        cache.close()
        db.close()


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A folder beside the library root, with a video in it."""
    folder = tmp_path / "elsewhere"
    touch(folder / "Elsewhere - 01.mkv")
    yield folder

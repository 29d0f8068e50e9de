"""Fixtures of the NFO tests: the catalog service on a devserver of the test's own, through
AniLiberty API v1 and AniLibria API v2 alike, and series folders under the test's tmp dir."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.devserver.server import DevServer
from app.services.catalog import CatalogService
from app.services.nfo import EpisodeFile, NfoService, SeriesFolder, Writer, write_in_thread
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import Title
from app.sources.cache import HttpCache
from app.sources.catalog_api import CatalogApi
from app.sources.http import HttpSettings
from tests.favorites.conftest import Sleeps

TIMEOUT = 1.0
"""Seconds the clients wait for an answer: a poster delayed past it has failed."""


def parsed(path: Path) -> ET.Element:
    """The XML file at `path`, checked to be UTF-8 with its declaration first."""
    data = path.read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    data.decode("utf-8")
    return ET.fromstring(data)


def texts(root: ET.Element, tag: str) -> list[str]:
    return [element.text or "" for element in root.findall(tag)]


@dataclass
class Library:
    """A devserver, the catalog service reading it, and a root for series folders."""

    server: DevServer
    catalog: CatalogService
    root: Path
    api: str

    def service(
        self,
        *,
        automatic: bool = False,
        episode_nfo: bool = False,
        concurrency: int = 3,
        write: Writer = write_in_thread,
    ) -> NfoService:
        return NfoService(
            self.catalog,
            automatic=automatic,
            episode_nfo=episode_nfo,
            concurrency=concurrency,
            write=write,
        )

    async def title(self, title_id: int) -> Title:
        """The whole title, as the Title screen reads it."""
        return (await self.catalog.title(title_id)).value

    async def series(
        self, title_id: int, name: str | None = None, episodes: dict[str, float] | None = None
    ) -> SeriesFolder:
        """A new folder for the title (named `name`, else after the id) with empty episode
        files `episodes` ({relative path: episode number})."""
        folder = self.root / (name or f"Series {title_id}")
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for relative, number in (episodes or {}).items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
            files.append(EpisodeFile(path, number))
        return SeriesFolder(folder, await self.title(title_id), tuple(files))

    async def image(self, url: str) -> bytes:
        """An image as the server sends it."""
        return (await self.catalog.poster(url)).value


@pytest.fixture(params=["v1", "v2"])
async def library(
    request: pytest.FixtureRequest, fresh_devserver: DevServer, tmp_path: Path
) -> AsyncIterator[Library]:
    """The catalog on API v1 and on API v2 (each test runs on both)."""
    api: str = request.param
    cache = HttpCache(tmp_path / "cache" / "http.sqlite")
    settings = HttpSettings(
        timeout=TIMEOUT, connect_timeout=TIMEOUT, retries=0, backoff=0.0, jitter=0.0
    )
    client: CatalogApi
    if api == "v1":
        client = V2CompatClient(
            AniLibertyClient.create(
                fresh_devserver.aniliberty_api, cache=cache, settings=settings, sleep=Sleeps()
            )
        )
    else:
        client = AniLibriaClient.create(
            fresh_devserver.anilibria_api,
            fresh_devserver.anilibria_site,
            cache=cache,
            settings=settings,
        )
    root = tmp_path / "library"
    root.mkdir()
    try:
        yield Library(fresh_devserver, CatalogService(client), root, api)
    finally:
        fresh_devserver.faults.clear()
        await client.aclose()
        cache.close()

"""Carrying the user's titles over to another AniLibria API, against the local v1 server: the
common case (same ids) changes nothing, a failed lookup changes nothing and is tried again."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from app.devserver.server import DevServer
from app.services.carry_over import CarriedOver, CarryOverService
from app.services.catalog import CatalogService
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.anilibria.client import AniLibriaClient
from app.sources.errors import NetworkError
from app.sources.http import HttpSettings
from app.store.carry_over import CarryOverStore
from app.store.db import Database
from app.store.favorites import FavoritesStore
from app.store.history import HistoryStore

NO_RETRIES = HttpSettings(retries=0, timeout=5.0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    opened = Database.open(tmp_path / "anitui.db")
    try:
        yield opened
    finally:
        opened.close()


@asynccontextmanager
async def v1_client(url: str) -> AsyncIterator[V2CompatClient]:
    client = V2CompatClient(AniLibertyClient.create(url, settings=NO_RETRIES))
    try:
        yield client
    finally:
        await client.aclose()


def made_on_v2(db: Database, title_ids: list[int]) -> CarryOverStore:
    store = CarryOverStore(db)
    for title_id in title_ids:
        FavoritesStore(db).add(title_id, at=1.0, name_ru=f"#{title_id}")
        HistoryStore(db).record_position(title_id, 1, 60.0, 1440.0, at=1.0)
    store.carried_over(AniLibriaClient.api_name, ())
    return store


async def test_same_ids_on_v1_change_nothing_and_are_not_looked_up_again(
    db: Database, devserver: DevServer
) -> None:
    ids = [t["id"] for t in devserver.catalog.titles[:3]]
    store = made_on_v2(db, ids)
    async with v1_client(devserver.aniliberty_api) as client:
        service = CarryOverService(store, client)
        assert await service.run() == CarriedOver("AniLiberty API v1", 0, ())
        assert FavoritesStore(db).ids() == frozenset(ids) and service.missing() == {}
        assert store.made_under() == "AniLiberty API v1"
        devserver.requests.clear()
        assert await service.run() is None
        assert devserver.requests == []


async def test_a_database_new_on_v1_has_nothing_to_carry(
    db: Database, devserver: DevServer
) -> None:
    store = CarryOverStore(db)
    async with v1_client(devserver.aniliberty_api) as client:
        assert await CarryOverService(store, client).run() is None
        assert store.made_under() == "AniLiberty API v1"


async def test_an_unreachable_api_changes_nothing_and_the_next_run_tries_again(
    db: Database,
) -> None:
    store = made_on_v2(db, [9001])
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    async with v1_client(f"http://127.0.0.1:{port}/api/v1") as client:
        with pytest.raises(NetworkError):
            await CarryOverService(store, client).run()
    assert store.made_under() == AniLibriaClient.api_name
    assert FavoritesStore(db).ids() == frozenset({9001})


async def test_a_database_that_cannot_be_written_never_fails_a_read(
    db: Database, devserver: DevServer
) -> None:
    async with v1_client(devserver.aniliberty_api) as client:
        service = CarryOverService(CarryOverStore(db), client)
        catalog = CatalogService(client, seen=service.remember_codes)
        db.close()  # every write now raises StoreError
        assert (await catalog.schedule()).value

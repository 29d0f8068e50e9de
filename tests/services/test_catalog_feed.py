"""The Feed's reads against both readings of getFeed's `filter` paths the spec allows, over real
HTTP: whichever the server uses, every entry comes back with what the Feed shows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.devserver.server import DevServer
from app.services.catalog import FEED_FILTERS, CatalogService
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import FeedItem
from app.sources.cache import HttpCache
from app.sources.http import HttpSettings


@pytest.fixture
async def catalog(fresh_devserver: DevServer) -> AsyncIterator[CatalogService]:
    client = AniLibriaClient.create(
        fresh_devserver.anilibria_api,
        fresh_devserver.anilibria_site,
        settings=HttpSettings(retries=0, timeout=5.0),
    )
    yield CatalogService(client)
    await client.aclose()


def feed_filters(server: DevServer) -> list[str | None]:
    """The `filter` of every getFeed request the server received, in order."""
    return [r.query.get("filter") for r in server.requests if r.path.endswith("/getFeed")]


def joined(form: tuple[str, ...] | None) -> str | None:
    return None if form is None else ",".join(form)


def assert_readable(items: tuple[FeedItem, ...], server: DevServer) -> None:
    """Every entry names its object and carries what the Feed screen shows of it."""
    titles = {t["id"]: t for t in server.catalog.titles}
    videos = {v["id"]: v for v in server.catalog.youtube}
    assert items
    for item in items:
        if item.title is not None:
            raw = titles[item.title.id]
            assert item.title.names.en == raw["names"]["en"]
            assert item.title.updated == raw["updated"]
            assert item.title.player is not None and item.title.player.series is not None
            assert item.title.player.series.last == raw["player"]["series"]["last"]
        else:
            assert item.youtube is not None
            raw = videos[item.youtube.id]
            assert item.youtube.title == raw["title"]
            assert item.youtube.youtube_id == raw["youtube_id"]


async def test_paths_from_the_entry_take_one_request_a_page(
    catalog: CatalogService, fresh_devserver: DevServer
) -> None:
    first = await catalog.feed(after=0, limit=10)
    second = await catalog.feed(after=10, limit=10)
    assert_readable(first.value + second.value, fresh_devserver)
    assert feed_filters(fresh_devserver) == [joined(FEED_FILTERS[0])] * 2
    assert "title.id" in str(feed_filters(fresh_devserver)[0])


async def test_paths_inside_the_entry_are_found_once_and_remembered(
    catalog: CatalogService, fresh_devserver: DevServer
) -> None:
    fresh_devserver.feed_paths_inside_items = True
    first = await catalog.feed(after=0, limit=10)
    second = await catalog.feed(after=10, limit=10)
    assert_readable(first.value + second.value, fresh_devserver)
    inside = joined(FEED_FILTERS[1])
    assert feed_filters(fresh_devserver) == [joined(FEED_FILTERS[0]), inside, inside]
    assert "title.id" not in str(inside)


async def test_pages_asked_at_once_find_the_same_reading(
    catalog: CatalogService, fresh_devserver: DevServer
) -> None:
    fresh_devserver.feed_paths_inside_items = True
    pages = await asyncio.gather(*(catalog.feed(after=n * 5, limit=5) for n in range(3)))
    assert_readable(tuple(item for page in pages for item in page.value), fresh_devserver)
    # Each page found the path form emptied by itself: none skips the form that works.
    assert set(feed_filters(fresh_devserver)) == {joined(FEED_FILTERS[0]), joined(FEED_FILTERS[1])}


async def test_a_filter_read_no_known_way_gives_way_to_the_whole_feed(
    catalog: CatalogService, fresh_devserver: DevServer
) -> None:
    # A server that empties the entries for both forms of the paths.
    emptied = json.dumps([{"title": {}}, {"youtube": {}}])
    fresh_devserver.faults.fail_next(
        "/v2/getFeed", 200, body=emptied, headers={"Content-Type": "application/json"}, times=2
    )
    first = await catalog.feed(after=0, limit=10)
    second = await catalog.feed(after=10, limit=10)
    assert_readable(first.value + second.value, fresh_devserver)
    assert feed_filters(fresh_devserver) == [*map(joined, FEED_FILTERS), None]


async def test_the_cache_alone_finds_the_reading_too(
    fresh_devserver: DevServer, tmp_path: Path
) -> None:
    fresh_devserver.feed_paths_inside_items = True
    cache = HttpCache(tmp_path / "http.sqlite")
    settings = HttpSettings(retries=0, timeout=5.0)
    api, site = fresh_devserver.anilibria_api, fresh_devserver.anilibria_site
    earlier = AniLibriaClient.create(api, site, cache=cache, settings=settings)
    later = AniLibriaClient.create(api, site, cache=cache, settings=settings)
    try:
        await CatalogService(earlier).feed(after=0, limit=10)
        asked = len(fresh_devserver.requests)
        # A later run shows the cached page before it asks the network, with no request.
        cached = await CatalogService(later).feed(after=0, limit=10, cache_only=True)
        assert cached.from_cache
        assert_readable(cached.value, fresh_devserver)
        assert len(fresh_devserver.requests) == asked
    finally:
        await earlier.aclose()
        await later.aclose()
        cache.close()

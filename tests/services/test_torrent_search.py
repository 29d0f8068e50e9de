"""The unified torrent search against the local servers over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from app.devserver import nekobt, nekobt_data, torrentapi
from app.devserver.demo import service_urls
from app.devserver.nekobt import NekoBtApi
from app.devserver.torrentapi import TorrentApi
from app.services.catalog import CatalogService
from app.services.torrent_search import (
    FALLBACK_LANGUAGES,
    Language,
    Source,
    SourceUnavailableError,
    TorrentFilters,
    TorrentHit,
    TorrentSearchService,
    UnknownFilterError,
    Uploader,
    UploaderNeedsKeyError,
    classify,
    merge,
    merge_page,
)
from app.sources.anilibria.client import AniLibriaClient
from app.sources.cache import HttpCache
from app.sources.errors import RateLimitedError
from app.sources.http import HttpSettings
from app.sources.nekobt.client import NekoBtClient
from app.sources.nekobt.errors import NekoBtAuthError
from app.sources.torrentapi.client import TorrentApiClient

NO_RETRIES = HttpSettings(retries=0, timeout=5.0)


def apis(server: Any) -> tuple[NekoBtApi, TorrentApi]:
    neko = next(a for a in server.extra_apis if isinstance(a, NekoBtApi))
    tapi = next(a for a in server.extra_apis if isinstance(a, TorrentApi))
    return neko, tapi


async def make_service(
    server: Any,
    *,
    nekobt_key: str | None = nekobt.DEMO_API_KEY,
    torrent_api: bool = True,
    anilibria_settings: HttpSettings = NO_RETRIES,
    anilibria_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> TorrentSearchService:
    urls = service_urls(server)
    neko = NekoBtClient.create(urls["nekobt_api"], api_key=nekobt_key, settings=NO_RETRIES)
    tapi = (
        TorrentApiClient.create(urls["torrent_api"], api_key=torrentapi.DEMO_KEY)
        if torrent_api
        else None
    )
    catalog = CatalogService(
        AniLibriaClient.create(
            urls["anilibria_api"],
            urls["anilibria_site"],
            settings=anilibria_settings,
            sleep=anilibria_sleep,
        )
    )
    return TorrentSearchService(neko, tapi, catalog, page_size=10)


@pytest.fixture
async def service(devserver: Any) -> AsyncIterator[TorrentSearchService]:
    search = await make_service(devserver)
    yield search
    await close(search)


async def close(search: TorrentSearchService) -> None:
    await search.nekobt.aclose()
    if search.torrentapi is not None:
        await search.torrentapi.aclose()
    await search.catalog.client.aclose()


def test_classify() -> None:
    assert classify("  ") == "empty"
    assert classify("a" * 40) == "infohash"
    assert classify("A" * 40) == "infohash"
    assert classify("tt9000001") == "imdb"
    assert classify("frieren 1080p") == "text"
    assert classify("a" * 39) == "text"


def test_merge_folds_one_infohash_and_keeps_order() -> None:
    base = TorrentHit("a", "h1", 10, 5, 1, 3, None, "G", 3, ("en",), (Source.NEKOBT,))
    other = replace(base, title="b", seeders=9, group=None, sources=(Source.TORRENT_API,))
    lone = replace(base, title="c", infohash="h2")
    merged = merge([base, lone, other])
    assert [h.title for h in merged] == ["a", "c"]
    assert merged[0].sources == (Source.NEKOBT, Source.TORRENT_API)
    assert merged[0].seeders == 9
    assert merged[0].group == "G"


async def test_text_search_pages_nekobt_and_lists_anilibria(
    service: TorrentSearchService, devserver: Any
) -> None:
    first = await service.search("1080")
    assert first.kind == "text"
    assert not first.errors
    neko = [h for h in first.hits if Source.NEKOBT in h.sources]
    assert len(neko) == 10 and first.more
    assert all("1080" in h.title for h in neko)
    second = await service.search("1080", page=1)
    assert {h.nekobt_id for h in second.hits}.isdisjoint({h.nekobt_id for h in neko})

    word = devserver.catalog.titles[1]["names"]["en"]
    found = await service.search(word, TorrentFilters(sources=frozenset({Source.ANILIBRIA})))
    assert found.hits and all(h.sources == (Source.ANILIBRIA,) for h in found.hits)
    assert all(h.languages == ("ru",) and h.infohash for h in found.hits)


async def test_anilibria_hits_match_their_russian_voice_over_only(
    service: TorrentSearchService, devserver: Any
) -> None:
    word = devserver.catalog.titles[1]["names"]["en"]
    only = frozenset({Source.ANILIBRIA})
    voiced = await service.search(word, TorrentFilters(sources=only, audio_languages=("ru",)))
    assert voiced.hits
    # AniLibria reports no subtitle languages: a subtitle filter cannot be known to match.
    for subtitled in (
        TorrentFilters(sources=only, sub_languages=("ru",)),
        TorrentFilters(sources=only, fansub_languages=("ru",)),
        TorrentFilters(sources=only, audio_languages=("ja",)),
    ):
        assert not (await service.search(word, subtitled)).hits


async def test_filters_reach_nekobt(service: TorrentSearchService) -> None:
    filters = TorrentFilters(sources=frozenset({Source.NEKOBT}), fansub_languages=("ru",))
    result = await service.search("1080", filters)
    assert result.hits and all("ru" in h.fansub_languages for h in result.hits)
    hardsub = await service.search(
        "1080", replace(filters, fansub_languages=(), hardsub=True, sort_by="seeders")
    )
    assert hardsub.hits and all(h.hardsub for h in hardsub.hits)
    seeders = [h.seeders or 0 for h in hardsub.hits]
    assert seeders == sorted(seeders, reverse=True)


async def test_infohash_jumps_and_merges_sources(fresh_devserver: Any) -> None:
    neko_api, tapi = apis(fresh_devserver)
    target = neko_api.data.torrents[2]
    # The Torrent API learns the nekoBT torrent, so both sources know the same info-hash.
    tapi.torrents[target.infohash] = torrentapi.DemoTorrent.of(
        target.video(),
        category="Anime",
        title=None,
        imdb=None,
        date_added=next(iter(tapi.torrents.values())).date_added,
        alive=True,
    )
    search = await make_service(fresh_devserver)
    try:
        result = await search.search(target.infohash.upper())
        assert result.kind == "infohash"
        assert len(result.hits) == 1
        assert result.jump is not None and result.jump.nekobt_id == target.id
        assert result.jump.sources == (Source.NEKOBT, Source.TORRENT_API)

        detail = await search.detail(result.jump)
        assert not detail.errors
        assert detail.torrent is not None and detail.torrent.files
        assert detail.peers is not None and detail.peers.countries
        assert len(detail.peers_days) == 7
        assert detail.magnet and target.infohash in detail.magnet
        assert detail.shown_magnet and nekobt.DEMO_TORRENT_KEY not in detail.shown_magnet
    finally:
        await close(search)


async def test_imdb_asks_the_torrent_api(service: TorrentSearchService) -> None:
    result = await service.search("tt9000001")
    assert result.kind == "imdb"
    assert len(result.hits) == 4
    assert all(h.sources == (Source.TORRENT_API,) and h.imdb == "tt9000001" for h in result.hits)
    assert result.hints and "tt9000001" in result.hints[0]
    detail = await service.detail(result.hits[0])
    assert detail.torrent is None and detail.info is not None
    assert detail.peers is not None and detail.peers.total_peers > 0


async def test_one_source_failing_leaves_the_others(devserver: Any) -> None:
    search = await make_service(devserver, nekobt_key="wrong-key", torrent_api=False)
    try:
        result = await search.search("Starlight")
        assert isinstance(result.errors[Source.NEKOBT], NekoBtAuthError)
        assert result.hits and all(h.sources == (Source.ANILIBRIA,) for h in result.hits)
        assert result.answered == (Source.ANILIBRIA,)
        imdb = await search.search("tt9000001")
        assert isinstance(imdb.errors[Source.TORRENT_API], SourceUnavailableError)
        assert imdb.answered == ()
    finally:
        await close(search)


async def test_rate_limit_is_reported_with_its_wait(fresh_devserver: Any) -> None:
    neko_api, _tapi = apis(fresh_devserver)
    neko_api.rate_limit(retry_after=0.3)
    search = await make_service(fresh_devserver)
    try:
        filters = TorrentFilters(sources=frozenset({Source.NEKOBT}))
        limited = await search.search("1080", filters)
        error = limited.errors[Source.NEKOBT]
        assert isinstance(error, RateLimitedError) and error.retry_after == pytest.approx(0.3)
        assert (await search.search("1080", filters)).hits
    finally:
        await close(search)


async def test_anilibria_detail_lists_the_files(
    service: TorrentSearchService, devserver: Any
) -> None:
    word = devserver.catalog.titles[1]["names"]["en"]
    found = await service.search(word, TorrentFilters(sources=frozenset({Source.ANILIBRIA})))
    detail = await service.detail(found.hits[0])
    assert not detail.errors
    assert detail.anilibria is not None
    assert detail.anilibria.metadata is not None and detail.anilibria.metadata.files_list
    infohash = found.hits[0].infohash
    assert infohash is not None
    assert detail.magnet and infohash in detail.magnet


def anilibria_requests(server: Any) -> list[str]:
    """The AniLibria API methods the server was asked, in order."""
    return [r.path.rsplit("/", 1)[-1] for r in server.requests if r.path.startswith("/v2/")]


def nekobt_searches(server: Any) -> int:
    return len([r for r in server.requests if r.path.endswith("/torrents/search")])


async def test_anilibria_torrents_come_with_one_search(fresh_devserver: Any) -> None:
    search = await make_service(fresh_devserver)
    try:
        only_libria = TorrentFilters(sources=frozenset({Source.ANILIBRIA}))
        found = await search.search("Starlight Courier", only_libria)
    finally:
        await close(search)
    assert anilibria_requests(fresh_devserver) == ["searchTitles"]
    (asked,) = [r for r in fresh_devserver.requests if r.path.startswith("/v2/")]
    assert "torrents.list" in asked.query["filter"].split(",")
    title = next(t for t in fresh_devserver.catalog.titles if t["id"] == 9001)
    hits = [h for h in found.hits if h.anilibria_title_id == 9001]
    assert [h.anilibria_torrent_id for h in hits] == [
        torrent["torrent_id"] for torrent in title["torrents"]["list"]
    ]
    assert all(h.title.startswith(title["names"]["ru"]) and h.size and h.infohash for h in hits)


async def test_other_sources_answer_while_anilibria_waits_out_a_rate_limit(
    fresh_devserver: Any,
) -> None:
    lifted = asyncio.Event()
    waits: list[float] = []

    async def until_lifted(seconds: float) -> None:
        waits.append(seconds)
        await lifted.wait()

    fresh_devserver.faults.fail_next("/v2/searchTitles", 429, headers={"Retry-After": "7"})
    # The default settings: the client itself waits out Retry-After and asks again.
    search = await make_service(
        fresh_devserver, anilibria_settings=HttpSettings(), anilibria_sleep=until_lifted
    )
    progress = search.search_progressively("Starlight Courier")
    try:
        first = await anext(progress)
        assert first.pending == (Source.ANILIBRIA,)
        assert first.hits and all(h.sources == (Source.NEKOBT,) for h in first.hits)
        lifted.set()
        last = await anext(progress)
    finally:
        await progress.aclose()
        await close(search)
    assert not last.pending and not last.errors
    assert any(Source.ANILIBRIA in h.sources for h in last.hits)
    assert waits == [7.0]
    assert anilibria_requests(fresh_devserver) == ["searchTitles", "searchTitles"]


async def test_a_rate_limited_source_alone_is_asked_again(fresh_devserver: Any) -> None:
    fresh_devserver.faults.fail_next("/v2/searchTitles", 429, headers={"Retry-After": "5"})
    search = await make_service(fresh_devserver)
    try:
        limited = await search.search("Starlight Courier")
        error = limited.errors[Source.ANILIBRIA]
        assert isinstance(error, RateLimitedError) and error.retry_after == 5
        assert limited.answered == (Source.NEKOBT,) and limited.hits
        searches = nekobt_searches(fresh_devserver)
        steps = [r async for r in search.search_progressively("Starlight Courier", resume=limited)]
        complete = await search.search("Starlight Courier")
    finally:
        await close(search)
    assert nekobt_searches(fresh_devserver) == searches + 1  # only the complete search's
    waiting, resumed = steps
    assert waiting.pending == (Source.ANILIBRIA,) and waiting.hits == limited.hits
    assert not waiting.errors and waiting.answered == (Source.NEKOBT,)
    assert not resumed.errors and set(resumed.answered) == {Source.NEKOBT, Source.ANILIBRIA}
    assert resumed.hits == complete.hits


def test_merge_page_folds_listed_and_repeated_info_hashes() -> None:
    neko = TorrentHit("n1", "h1", 10, 5, 1, 3, None, "G", 3, ("en",), (Source.NEKOBT,), "1")
    libria = replace(
        neko, title="a2", infohash="h2", seeders=2, group="AniLibria", sources=(Source.ANILIBRIA,)
    )
    listed = [neko, libria]
    # Page 1: AniLibria's torrent as nekoBT lists it (more seeders), a new one twice, and the
    # first row again unchanged (it moved down a page while the user read).
    again = replace(libria, title="n2", seeders=40, group="G", sources=(Source.NEKOBT,))
    new = replace(neko, title="n3", infohash="h3", nekobt_id="3")
    page = merge_page(listed, [again, new, replace(new, seeders=99), neko])
    assert [h.title for h in page.hits] == ["n1", "a2", "n3"]
    assert page.changed == (1,)
    assert page.hits[1].sources == (Source.ANILIBRIA, Source.NEKOBT)
    assert page.hits[1].seeders == 40 and page.hits[1].group == "AniLibria"
    assert page.added == (page.hits[2],) and page.hits[2].seeders == 99
    # Without an info-hash, nekoBT's id tells the same torrent apart.
    bare = replace(neko, infohash=None)
    assert merge_page([bare], [replace(bare, seeders=7)]).hits == (replace(bare, seeders=7),)
    assert merge(listed) == listed


async def test_later_pages_merge_into_rows_already_listed(fresh_devserver: Any) -> None:
    neko_api, _tapi = apis(fresh_devserver)
    search = await make_service(fresh_devserver)
    try:
        filters = TorrentFilters(sources=frozenset({Source.NEKOBT}), sort_by="latest")
        first = await search.search("1080", filters)
        second = await search.search("1080", filters, page=1)
        # A torrent of page 1 shares its info-hash with one of page 0 (as a new upload pushing
        # a row onto the next page would make it).
        moved = neko_api.data.torrent(str(second.hits[0].nekobt_id))
        assert moved is not None and first.hits[-1].infohash
        moved.fields["infohash"] = first.hits[-1].infohash
        moved.fields["seeders"] = "100000"
        second = await search.search("1080", filters, page=1)
        page = merge_page(first.hits, second.hits)
        assert len(page.hits) == len(first.hits) + len(second.hits) - 1
        assert len({h.infohash for h in page.hits}) == len(page.hits)
        assert page.changed == (len(first.hits) - 1,)
        assert page.hits[len(first.hits) - 1].seeders == 100000
    finally:
        await close(search)


async def test_languages_come_from_nekobt_once(
    service: TorrentSearchService, devserver: Any
) -> None:
    before = len([r for r in devserver.requests if r.path.endswith("/langs")])
    languages = await service.languages()
    assert Language("zh", "Chinese") in languages  # not in the fixed list
    assert Language("enm", "English (Weeb)") in languages
    assert await service.languages() == languages
    asked = [r for r in devserver.requests if r.path.endswith("/langs")]
    assert len(asked) == before + 1


async def test_languages_fall_back_when_nekobt_cannot_answer(
    fresh_devserver: Any, tmp_path: Any
) -> None:
    path = nekobt.PREFIX + "/langs"
    fresh_devserver.faults.fail_next(path, 500)
    search = await make_service(fresh_devserver, nekobt_key=None)
    try:
        assert await search.languages() == FALLBACK_LANGUAGES
        # The fixed list is not remembered: the next call asks again.
        assert Language("zh", "Chinese") in await search.languages()
    finally:
        await close(search)

    # Offline, the list an earlier run put in the disk cache beats the fixed one (the list is
    # cached also with an API key: it is the same for everyone).
    cache = HttpCache(tmp_path / "http.sqlite")
    urls = service_urls(fresh_devserver)
    catalog = CatalogService(
        AniLibriaClient.create(urls["anilibria_api"], urls["anilibria_site"], settings=NO_RETRIES)
    )
    for failing in (False, True):
        if failing:
            fresh_devserver.faults.fail_next(path, 500)
        neko = NekoBtClient.create(
            urls["nekobt_api"], api_key=nekobt.DEMO_API_KEY, cache=cache, settings=NO_RETRIES
        )
        search = TorrentSearchService(neko, None, catalog)
        try:
            assert Language("zh", "Chinese") in await search.languages()
        finally:
            await neko.aclose()
    await catalog.client.aclose()
    cache.close()
    assert not fresh_devserver.faults.take(path)[1]  # the failure was used up


async def test_uploaders_by_name_with_counts_only_when_several(fresh_devserver: Any) -> None:
    search = await make_service(fresh_devserver)
    try:
        alone = await search.find_uploaders("tsukune")
        assert alone == (Uploader(nekobt_data.user_id(2), "tsukune", "Tsukune"),)
        assert await search.find_uploaders("tsuku") == ()
        ryoka = nekobt_data.USER_NAMES.index("ryoka")
        other = nekobt_data.user_id(len(nekobt_data.USER_NAMES))
        # One profile cannot be had: that user stays to choose from, uncounted.
        fresh_devserver.faults.fail_next(f"{nekobt.PREFIX}/users/{other}", 404)
        several = await search.find_uploaders("ryoka")
        uploads = sum(1 for t in apis(fresh_devserver)[0].data.torrents if t.uploader == ryoka)
        assert [(u.id, u.torrents) for u in several] == [
            (nekobt_data.user_id(ryoka), uploads),
            (other, None),
        ]
    finally:
        await close(search)


async def test_an_uploader_name_without_its_id_finds_no_nekobt_torrents(
    fresh_devserver: Any,
) -> None:
    keyed, keyless = (
        await make_service(fresh_devserver),
        await make_service(fresh_devserver, nekobt_key=None),
    )
    filters = TorrentFilters(sources=frozenset({Source.NEKOBT}), uploader_name="nobody")
    try:
        found = await keyed.search("[", filters)
        assert isinstance(found.errors[Source.NEKOBT], UnknownFilterError)
        without_key = await keyless.search("[", filters)
        assert isinstance(without_key.errors[Source.NEKOBT], UploaderNeedsKeyError)
        assert not found.hits and not without_key.hits
    finally:
        await close(keyed)
        await close(keyless)

"""The nekoBT client against the local server over real HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.bencode import bdecode, bencode
from app.devserver import nekobt_data
from app.devserver.nekobt import DEMO_API_KEY, DEMO_TORRENT_KEY, NekoBtApi
from app.devserver.server import DevServer
from app.sources.cache import HttpCache
from app.sources.errors import NetworkError, NotCachedError, NotFoundError, RateLimitedError
from app.sources.http import HttpSettings
from app.sources.nekobt import (
    AnimeToshoError,
    NekoBtAuthError,
    NekoBtClient,
    NekoBtValidationError,
    mask_passkey,
)
from app.sources.redaction import redact

if TYPE_CHECKING:
    from tests.nekobt.conftest import Sleeps


async def test_every_search_parameter_is_sent_as_the_spec_says(
    client: NekoBtClient, server: DevServer
) -> None:
    await client.search_torrents(
        "frost",
        limit=10,
        offset=20,
        sort_by="seeders_asc",
        category=0,
        media_id="s4",
        episode_ids=["40401", 40402],
        episode_match_any=True,
        levels=[3, 4],
        video_codecs=[1, 2],
        video_types=[9],
        audio_langs=["ja", "en"],
        fansub_langs=["en"],
        sub_langs=["es-419"],
        hardsub=False,
        otl=True,
        mtl=False,
        group_id="2000000003",
        group_primary=True,
        group_secondary=True,
        group_childs=False,
        group_parents=True,
        uploader_id="1000000001",
        uploader_uploads=False,
        uploader_contributions=True,
        before=1_795_392_000.5,
        after=1_700_000_000,
    )
    (request,) = server.requests
    assert request.path == "/nekobt/api/v1/torrents/search"
    assert request.query == {
        "query": "frost",
        "limit": "10",
        "offset": "20",
        "sort_by": "seeders_asc",
        "category": "0",
        "media_id": "s4",
        "episode_ids": "40401,40402",
        "episode_match_any": "true",
        "levels": "3,4",
        "video_codec": "1,2",
        "video_type": "9",
        "audio_lang": "ja,en",
        "fansub_lang": "en",
        "sub_lang": "es-419",
        "hardsub": "false",
        "otl": "true",
        "mtl": "false",
        "group_id": "2000000003",
        "group_primary": "true",
        "group_secondary": "true",
        "group_childs": "false",
        "group_parents": "true",
        "uploader_id": "1000000001",
        "uploader_uploads": "false",
        "uploader_contributions": "true",
        "before": "1795392000500",
        "after": "1700000000000",
    }
    assert "Cookie" not in request.headers


async def test_search_results_are_typed(client: NekoBtClient, api: NekoBtApi) -> None:
    page = await client.search_torrents(limit=3, sort_by="latest")
    assert len(page.results) == 3 and page.more
    row = page.results[0]
    source = max(api.data.torrents, key=lambda t: t.uploaded_ms)
    assert row.id == source.id
    assert row.uploaded_at == source.uploaded_ms / 1000
    assert row.filesize == int(source.fields["filesize"])
    assert isinstance(row.seeders, int) and isinstance(row.comment_count, int)
    assert row.audio_langs == tuple(source.fields["audio_lang"].split(","))
    assert row.private_magnet is None and row.user_is_seeding is None
    assert page.search["limit"] == 3


async def test_paging_with_more_visits_every_torrent_once(
    client: NekoBtClient, api: NekoBtApi
) -> None:
    seen: list[str | None] = []
    offset = 0
    while True:
        page = await client.search_torrents(limit=25, offset=offset, sort_by="oldest")
        seen += [t.id for t in page.results]
        if not page.more:
            break
        offset += 25
    assert len(seen) == len(set(seen)) == len(api.data.torrents)


async def test_infohash_match_and_media_hints(client: NekoBtClient, api: NekoBtApi) -> None:
    torrent = api.data.torrents[5]
    page = await client.search_torrents(torrent.infohash)
    assert page.infohash_match == torrent.id
    assert [t.id for t in page.results] == [torrent.id]
    hinted = await client.search_torrents("Codex Frost Dragon")
    assert hinted.recommended_media is not None
    assert hinted.recommended_media.imdb_id == "tt9000004"
    assert (await client.search_torrents("hevc")).summary == ("video codec: HEVC",)


async def test_torrent_detail_and_hostile_title(client: NekoBtClient, api: NekoBtApi) -> None:
    hostile = (await client.torrent(api.hostile_torrent_id)).value
    assert hostile.title == "[SubsPlease] [b]x[/b] [@click=app.quit] \x1b[31mred"
    detail = (await client.torrent("3000000005")).value
    assert len(detail.files) > 1 and detail.files[1].offset == detail.files[0].length
    assert detail.media_episode_ids and detail.primary_group is not None
    assert detail.animetosho.status == "absent"
    comments = (await client.comments("3000000001")).value
    assert comments[0].children[1].deleted and comments[0].children[1].text == "[deleted]"
    assert comments[0].last_edit is not None and comments[0].last_edit < time.time()
    with pytest.raises(NotFoundError):
        await client.torrent("9")


async def test_media_groups_and_site_reads(client: NekoBtClient) -> None:
    found = await client.search_media("witch lantern", limit=2)
    assert found.results[0].id == "s3" and found.results[0].similarity is not None
    media = (await client.media("s3")).value
    assert media.imdb_id == "tt9000003" and media.episodes[0].episode == 1
    assert media.groups and media.groups[0].max_level is not None
    group = (await client.group("2000000003")).value
    assert group.children[0].display_name == "Frostbyte Lite" and group.stats.uploads > 0
    groups = await client.search_groups("frost", sort="name", order="desc")
    assert [g.display_name for g in groups.results] == ["Frostbyte Lite", "Frostbyte"]
    langs = (await client.langs()).value
    assert langs.name("jp") == "Japanese"
    announcements = await client.announcements()
    assert announcements[0].link is None and announcements[1].color == "warning"
    stats = await client.stats()
    assert stats.torrents == 60 and stats.top_media


async def test_the_key_goes_as_the_ssid_cookie(authed: NekoBtClient, server: DevServer) -> None:
    me = await authed.user()
    assert me.username == "kisaragi" and me.torrent_key == DEMO_TORRENT_KEY
    assert DEMO_TORRENT_KEY not in repr(me)
    assert server.requests[-1].headers["Cookie"] == f"ssid={DEMO_API_KEY}"
    row = (await authed.search_torrents(limit=1)).results[0]
    assert row.private_magnet is not None and row.user_download_count == 0
    # The passkey is registered once seen: nothing shown afterwards can carry it.
    assert DEMO_TORRENT_KEY not in redact(row.private_magnet)


async def test_missing_or_wrong_key_is_a_clear_auth_error(
    client: NekoBtClient, api_url: str, fast: HttpSettings, sleeps: Sleeps
) -> None:
    with pytest.raises(NekoBtAuthError) as missing:
        await client.user()
    assert str(missing.value) == "nekoBT API key missing or invalid"
    wrong = NekoBtClient.create(api_url, api_key="not-the-demo-key-123", settings=fast,
                                sleep=sleeps)  # fmt: skip
    try:
        with pytest.raises(NekoBtAuthError) as refused:
            await wrong.search_torrents()
    finally:
        await wrong.aclose()
    assert refused.value.status == 401 and "not-the-demo-key-123" not in str(refused.value)
    assert sleeps == []  # a 401 is never retried


async def test_schema_error_carries_validate_errors(client: NekoBtClient) -> None:
    with pytest.raises(NekoBtValidationError) as caught:
        await client.search_torrents(limit=101)
    error = caught.value
    assert error.message == "Data provided was invalid: 'limit' must be <= 100."
    (entry,) = error.validate_errors
    assert entry.parameter == "limit" and entry.keyword == "maximum"
    assert entry.message == "must be <= 100" and entry.params["limit"] == 100
    with pytest.raises(NekoBtValidationError) as negative:
        await client.search_media("x", offset=-1)
    assert negative.value.validate_errors[0].keyword == "minimum"


@pytest.mark.parametrize(("kind", "wait"), [("json", 0.2), ("html", 0.3)])
async def test_429_is_waited_out_as_asked(
    client: NekoBtClient, api: NekoBtApi, sleeps: Sleeps, kind: str, wait: float
) -> None:
    api.rate_limit("json" if kind == "json" else "html", retry_after=wait, times=2)
    started = time.monotonic()
    page = await client.search_torrents(limit=1)
    assert page.results
    assert sleeps == [wait, wait]
    assert time.monotonic() - started < 2  # waited through the injected sleep only


async def test_429_that_never_ends_raises_with_the_wait(
    client: NekoBtClient, api: NekoBtApi, sleeps: Sleeps
) -> None:
    api.rate_limit("json", retry_after=0.2, times=10)
    with pytest.raises(RateLimitedError) as caught:
        await client.stats()
    assert caught.value.retry_after == 0.2 and sleeps == [0.2, 0.2, 0.2]


async def test_animetosho_polls_through_202s(
    client: NekoBtClient, api: NekoBtApi, sleeps: Sleeps, server: DevServer
) -> None:
    api.animetosho_processing = 2
    result = await client.animetosho("3000000001")
    assert result.ready and result.files[0].subs[0].codec == "ASS"
    assert len(result.files[0].screenshot_timings) == 5
    assert sleeps == [7.0, 7.0]  # the poll interval, through the injected sleep
    assert len(server.requests) == 3
    detail = (await client.torrent("3000000001")).value
    assert detail.animetosho.ready and len(detail.screenshots) == 5


async def test_animetosho_without_waiting_and_giving_up(
    client: NekoBtClient, api: NekoBtApi, sleeps: Sleeps
) -> None:
    api.animetosho_processing = 100
    first = await client.animetosho("3000000002", wait=False)
    assert first.status == "processing" and first.retry and sleeps == []
    client.animetosho_max_polls = 2
    still = await client.animetosho("3000000002")
    assert still.status == "processing" and sleeps == [7.0, 7.0]


async def test_animetosho_final_no_is_not_retried(
    client: NekoBtClient, api: NekoBtApi, sleeps: Sleeps, server: DevServer
) -> None:
    skipped = next(t for t in api.data.torrents if t.animetosho == "skipped")
    failed = next(t for t in api.data.torrents if t.animetosho == "error")
    api.animetosho_processing = 0
    with pytest.raises(AnimeToshoError) as caught:
        await client.animetosho(skipped.id)
    assert caught.value.retry is False and "skipped" in caught.value.message
    with pytest.raises(AnimeToshoError):
        await client.animetosho(failed.id)  # a 500 with retry: false
    assert sleeps == [] and len(server.requests) == 2


async def test_animetosho_has_its_own_timeout(
    client: NekoBtClient, api: NekoBtApi, sleeps: Sleeps
) -> None:
    api.animetosho_delay = 0.3
    client.animetosho_timeout = 0.1
    with pytest.raises(NetworkError) as caught:
        await client.animetosho("3000000004")
    assert "timed out after 0.1 s" in str(caught.value)
    assert sleeps == [0.5, 1.0, 2.0]  # read timeouts of a GET are retried with backoff
    await asyncio.sleep(0.3)  # let the server's handlers finish before it stops


async def test_animetosho_is_cancellable(client: NekoBtClient, api: NekoBtApi) -> None:
    api.animetosho_delay = 0.5
    task = asyncio.create_task(client.animetosho("3000000003"))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.3
    # The server's handler still runs (as the real site goes on fetching): let it finish
    # before the module's server stops.
    await asyncio.sleep(0.5)


async def test_download_torrent_and_mask_passkey(
    client: NekoBtClient, authed: NekoBtClient, api: NekoBtApi
) -> None:
    torrent = api.data.torrents[2]
    anonymous = bdecode(await client.download_torrent(torrent.id))
    assert hashlib.sha1(bencode(anonymous[b"info"])).hexdigest() == torrent.infohash
    private = bdecode(await authed.download_torrent(torrent.id))
    announce = private[b"announce"].decode()
    assert DEMO_TORRENT_KEY in announce
    assert DEMO_TORRENT_KEY not in mask_passkey(announce)
    assert mask_passkey(announce).endswith("/announce?passkey=***")
    public = bdecode(await authed.download_torrent(torrent.id, public=True))
    assert b"passkey" not in public[b"announce"]


def test_mask_passkey_forms() -> None:
    assert mask_passkey("http://t.invalid/announce?passkey=abc123") == (
        "http://t.invalid/announce?passkey=***"
    )
    assert mask_passkey("https://t.invalid/0123456789abcdef0123/announce") == (
        "https://t.invalid/***/announce"
    )
    assert mask_passkey("https://t.invalid/announce") == "https://t.invalid/announce"


async def test_keys_never_reach_logs_or_errors(
    api_url: str,
    api: NekoBtApi,
    fast: HttpSettings,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "secret-nekobt-key-0042"
    caplog.set_level(logging.DEBUG)
    neko = NekoBtClient.create(api_url, api_key=secret, settings=fast, sleep=sleeps)
    try:
        with pytest.raises(NekoBtAuthError) as caught:
            await neko.torrent("3000000001")
    finally:
        await neko.aclose()
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    demo = NekoBtClient.create(api_url, api_key=DEMO_API_KEY, settings=fast, sleep=sleeps)
    api.rate_limit("html", retry_after=0.1)
    try:
        await demo.user()
        await demo.search_torrents(limit=2)
        await demo.download_torrent("3000000001")
    finally:
        await demo.aclose()
    assert sleeps == [0.1]
    assert "retry 1 of 3" in caplog.text and "users/@me" in caplog.text  # logs were written
    for key in (secret, DEMO_API_KEY, DEMO_TORRENT_KEY):
        assert key not in caplog.text
    assert redact(f"key {secret} here") == "key *** here"


async def test_cache_holds_public_reads_only_without_a_key(
    api_url: str, fast: HttpSettings, sleeps: Sleeps, tmp_path: Path
) -> None:
    cache = HttpCache(tmp_path / "http.sqlite")
    anonymous = NekoBtClient.create(api_url, cache=cache, settings=fast, sleep=sleeps)
    keyed = NekoBtClient.create(
        api_url, api_key=DEMO_API_KEY, cache=cache, settings=fast, sleep=sleeps
    )
    try:
        await anonymous.torrent("3000000001")
        cached = await anonymous.torrent("3000000001", cache_only=True)
        assert cached.from_cache and cached.value.id == "3000000001"
        await keyed.search_torrents(limit=1)
        await keyed.media("s1")
        with pytest.raises(NotCachedError):
            await keyed.media("s1", cache_only=True)
        await keyed.download_torrent("3000000001")
        # The language list is the same for everyone: kept with a key too.
        await keyed.langs()
        assert (await keyed.langs(cache_only=True)).value.name("jp") == "Japanese"
    finally:
        await anonymous.aclose()
        await keyed.aclose()
        cache.close()
    dump = "\n".join(sqlite3.connect(tmp_path / "http.sqlite").iterdump())
    assert DEMO_API_KEY not in dump and DEMO_TORRENT_KEY not in dump


def test_data_module_rules() -> None:
    assert nekobt_data.imdb_id(0) == "tt9000001" and nekobt_data.imdb_id(19) == "tt9000020"
    assert nekobt_data.imdb_id(20) is None
    assert nekobt_data.HOSTILE_TORRENT_ID == "3000000008"


def test_mask_passkey_in_a_magnets_encoded_tracker() -> None:
    magnet = (
        "magnet:?xt=urn:btih:"
        + "a" * 40
        + "&tr=http%3A%2F%2Ft.example%2Fannounce%3Fpasskey%3Dabcdef0123456789"
    )
    masked = mask_passkey(magnet)
    assert "abcdef0123456789" not in masked
    assert masked.endswith("passkey%3D***")

"""Torrents and torrent detail: search, filters, paging, info-hash jump, IMDb, errors, snapshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from rich.text import Text
from textual.content import Content
from textual.widgets import Input, Select, Static

from app.application import AniApp
from app.config import HttpConfig
from app.devserver import torrentapi
from app.devserver.nekobt import NekoBtApi
from app.devserver.torrentapi import TorrentApi
from app.messages import TitleOpened
from app.paths import STYLES_DIR
from app.screens.language_filter import LanguageFilter, language_label
from app.screens.torrent_detail import TorrentDetailScreen
from app.screens.torrents import TorrentsScreen
from app.services.torrent_search import (
    FALLBACK_LANGUAGES,
    Language,
    Source,
    TorrentFilters,
    identity,
)
from app.sources.errors import BadResponseError
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from app.widgets.torrent_text import problem_text
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.notifications import notices
from tests.support import wait_for

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
TORRENTS_CSS = STYLES_DIR / "torrents.tcss"


@pytest.fixture(autouse=True)
def torrents_css(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's stylesheets plus the Torrents one, until application.py lists it itself."""
    if TORRENTS_CSS not in AniApp.CSS_PATH:
        monkeypatch.setattr(AniApp, "CSS_PATH", [*AniApp.CSS_PATH, TORRENTS_CSS])
    yield


def apis(server: Any) -> tuple[NekoBtApi, TorrentApi]:
    neko = next(a for a in server.extra_apis if isinstance(a, NekoBtApi))
    tapi = next(a for a in server.extra_apis if isinstance(a, TorrentApi))
    return neko, tapi


def teach_torrent_api(server: Any, index: int) -> Any:
    """Make the Torrent API know nekoBT's torrent `index`, so its detail has peers too."""
    neko, tapi = apis(server)
    target = neko.data.torrents[index]
    tapi.torrents[target.infohash] = torrentapi.DemoTorrent.of(
        target.video(),
        category="Anime",
        title=None,
        imdb=None,
        date_added=next(iter(tapi.torrents.values())).date_added,
        alive=True,
    )
    return target


async def open_torrents(pilot: Any) -> TorrentsScreen:
    await pilot.pause()
    screen = TorrentsScreen()
    await pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: pilot.app.screen is screen)
    return screen


async def search(pilot: Any, screen: TorrentsScreen, text: str) -> KeyTable:
    screen.query_one("#torrents-query", Input).value = text
    screen.query_one("#torrents-query", Input).focus()
    await pilot.press("enter")
    table = screen.query_one(KeyTable)
    await wait_for(pilot, lambda: screen.request is not None and screen.request.query == text)
    await pilot.pause()
    return table


def cells(table: KeyTable, column: int) -> list[str]:
    return [str(table.get_row_at(r)[column]) for r in range(table.row_count)]


def shown(widget: Static) -> str:
    return str(widget.render())


async def test_search_filter_page_and_open_detail(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    target = teach_torrent_api(fresh_devserver, 2)
    app = app_factory(server=fresh_devserver, **{"ui.page_size": 10})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        table = await search(pilot, screen, "1080")
        await wait_for(pilot, lambda: table.row_count > 0)
        assert all("1080" in title for title in cells(table, 0))
        first_page = table.row_count
        assert screen.more
        # The cursor near the end asks for nekoBT's next page.
        table.focus()
        await pilot.press("G")
        await wait_for(pilot, lambda: table.row_count > first_page)

        screen.query_one(LanguageFilter).picked("fansub", ("ru",))
        await wait_for(
            pilot,
            lambda: (
                screen.request is not None and screen.request.filters.fansub_languages == ("ru",)
            ),
        )
        assert table.row_count > 0
        assert all("ru" in langs for langs in cells(table, 5))

        screen.query_one(LanguageFilter).picked("fansub", ())
        await search(pilot, screen, "Witch of Lantern Street")
        row = next(i for i, h in enumerate(screen.results) if h.nekobt_id == target.id)
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        files = detail.query_one("#detail-files", KeyTable)
        assert files.row_count == len(target.files)
        chart = shown(detail.query_one("#detail-peers", Static))
        assert "BR" in chart and "█" in chart
        assert "magnet:?xt=urn:btih:" + target.infohash in shown(
            detail.query_one("#detail-magnet", Static)
        )
        await pilot.press("escape")
        assert app.screen is screen


async def test_infohash_jumps_to_the_torrent(app_factory: AppFactory, devserver: Any) -> None:
    neko, _tapi = apis(devserver)
    target = neko.data.torrents[4]
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        await search(pilot, screen, target.infohash)
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        assert detail.hit.nekobt_id == target.id


async def test_imdb_id_lists_the_torrent_api_movie(app_factory: AppFactory, devserver: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "tt9000001")
        assert table.row_count == 4
        assert set(cells(table, 6)) == {"T"}
        hints = shown(screen.query_one("#torrents-hints", Static))
        assert "tt9000001" in hints


async def test_hostile_title_is_shown_literally(app_factory: AppFactory, devserver: Any) -> None:
    neko, _tapi = apis(devserver)
    hostile = neko.data.torrent(neko.hostile_torrent_id)
    assert hostile is not None
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "SubsPlease")
        titles = cells(table, 0)
        assert "[SubsPlease] [b]x[/b] [@click=app.quit] red" in titles
        row = titles.index("[SubsPlease] [b]x[/b] [@click=app.quit] red")
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        facts = shown(detail.query_one("#detail-facts", Static))
        assert "[SubsPlease] [b]x[/b] [@click=app.quit] red" in facts
        assert app.is_running


async def test_rate_limit_counts_down_then_shows_results(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    neko, _tapi = apis(fresh_devserver)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        # The language list is asked for first: the search is what meets the limit.
        await wait_for(pilot, lambda: "zh" in offered(screen.query_one(LanguageFilter)))
        neko.rate_limit(retry_after=1.5)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        await pilot.pause()  # the source chosen before the query, so only one search asks
        status = screen.query_one(StatusLine)
        screen.query_one("#torrents-query", Input).value = "1080"
        await wait_for(pilot, lambda: "trying again in" in shown(status))
        assert "2 s" in shown(status)
        assert not screen.query_one("#torrents-problems").display
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0, timeout=5)
        assert "trying again" not in shown(status)


def anilibria_calls(server: Any, method: str) -> int:
    return len([r for r in server.requests if r.path == f"/v2/{method}"])


async def test_anilibria_torrents_take_one_request(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "Starlight Courier")
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: "from nekoBT, AniLibria" in shown(status))
        assert "A" in "".join(cells(table, 6))
    assert anilibria_calls(fresh_devserver, "searchTitles") == 1
    assert anilibria_calls(fresh_devserver, "getTitle") == 0


async def test_anilibria_torrents_are_listed_on_api_v1(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    """v1's catalog lists releases without their torrents: each found release's are asked."""
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "Starlight Courier")
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: "from nekoBT, AniLibria" in shown(status))
        await wait_for(pilot, lambda: "A" in "".join(cells(table, 6)))
    asked = [r.path for r in fresh_devserver.requests if "/anime/torrents/release/" in r.path]
    assert asked and not [r for r in fresh_devserver.requests if r.path.startswith("/v2/")]


@pytest.mark.parametrize(
    ("retries", "meanwhile"),
    [
        pytest.param(0, "AniLibria: too many requests, trying again in 1 s", id="no-retries"),
        pytest.param(HttpConfig().retries, "waiting for AniLibria", id="default-retries"),
    ],
)
async def test_other_sources_show_while_anilibria_is_rate_limited(
    app_factory: AppFactory, fresh_devserver: Any, retries: int, meanwhile: str
) -> None:
    # Rate-limited until the test lifts the limit: whether the client waits out Retry-After
    # itself (retries) or gives up at once (the screen counts down), nekoBT's rows are there.
    fresh_devserver.faults.fail_next(
        "/v2/searchTitles", 429, headers={"Retry-After": "1"}, times=1000
    )
    app = app_factory(server=fresh_devserver, **{"http.retries": retries})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "Starlight Courier")
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: meanwhile in shown(status))
        assert table.row_count > 0 and set(cells(table, 6)) == {"N"}
        assert shown(status).startswith(f"{table.row_count} torrents from nekoBT · ")
        table.focus()
        table.move_cursor(row=2)
        reading = screen.row_hits.at_cursor(table)
        assert reading is not None

        searches = len(search_requests(fresh_devserver))
        fresh_devserver.faults.clear()
        await wait_for(pilot, lambda: "A" in "".join(cells(table, 6)), timeout=15)
        assert shown(status) == f"{table.row_count} torrents from nekoBT, AniLibria"
        # Only AniLibria was asked again, and reading on the list kept its place.
        assert len(search_requests(fresh_devserver)) == searches
        now_reading = screen.row_hits.at_cursor(table)
        assert now_reading is not None and identity(now_reading) == identity(reading)
    assert anilibria_calls(fresh_devserver, "getTitle") == 0


@pytest.mark.parametrize(
    ("retries", "meanwhile"),
    [
        pytest.param(0, "trying again in", id="no-retries"),
        pytest.param(HttpConfig().retries, "waiting for AniLibria", id="default-retries"),
    ],
)
async def test_the_next_page_waits_for_a_rate_limited_first_page(
    app_factory: AppFactory, fresh_devserver: Any, retries: int, meanwhile: str
) -> None:
    # Reaching the end of nekoBT's rows must neither cancel AniLibria's part of page 0 nor
    # stop its countdown: the next page is for once page 0 is complete.
    fresh_devserver.faults.fail_next(
        "/v2/searchTitles", 429, headers={"Retry-After": "1"}, times=1000
    )
    app = app_factory(server=fresh_devserver, **{"http.retries": retries, "ui.page_size": 2})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "Starlight Courier")
        await wait_for(pilot, lambda: meanwhile in shown(screen.query_one(StatusLine)))
        assert screen.more
        table.focus()
        await pilot.press("G")
        fresh_devserver.faults.clear()
        await wait_for(pilot, lambda: "A" in "".join(cells(table, 6)), timeout=15)
        await pilot.press("G")
        await wait_for(
            pilot,
            lambda: any(r.query.get("offset") == "2" for r in search_requests(fresh_devserver)),
        )


async def test_bad_nekobt_key_says_so(app_factory: AppFactory, monkeypatch: Any) -> None:
    monkeypatch.setenv("ANITUI_NEKOBT__API_KEY", "not-a-key")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        await search(pilot, screen, "1080")
        problems = screen.query_one("#torrents-problems", Static)
        await wait_for(pilot, lambda: "nekoBT key missing or invalid" in shown(problems))
        assert shown(screen.query_one(StatusLine)) == "nekoBT failed"


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_torrents_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def run(pilot: Any) -> None:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        table = await search(pilot, screen, "Starlight")
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=run)


def steady_magnet(detail: TorrentDetailScreen) -> None:
    """Show the magnet with the local server's port (which differs from run to run) as one
    fixed five-digit port, so that the snapshot depends on neither."""
    magnet = detail.query_one("#detail-magnet", Static)
    magnet.update(Content(re.sub(r"127\.0\.0\.1%3A\d+", "127.0.0.1%3A40000", shown(magnet))))


@pytest.mark.parametrize("size", SIZES)
def test_torrent_detail_snapshot(
    snap_compare: Any, app_factory: AppFactory, fresh_devserver: Any, size: tuple[int, int]
) -> None:
    target = teach_torrent_api(fresh_devserver, 2)

    async def run(pilot: Any) -> None:
        screen = await open_torrents(pilot)
        await search(pilot, screen, target.infohash)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TorrentDetailScreen))
        detail = pilot.app.screen
        await wait_for(pilot, lambda: detail.detail is not None)
        assert isinstance(detail, TorrentDetailScreen)
        steady_magnet(detail)
        await pilot.pause()

    assert snap_compare(app_factory(server=fresh_devserver), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_torrent_description_snapshot(
    snap_compare: Any, app_factory: AppFactory, devserver: Any, size: tuple[int, int]
) -> None:
    """The Markdown description (heading, bold, list, code, link, BBCode kept literal)."""
    neko, _tapi = apis(devserver)
    target = neko.data.torrents[2]

    async def run(pilot: Any) -> None:
        screen = await open_torrents(pilot)
        await search(pilot, screen, target.infohash)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TorrentDetailScreen))
        detail = pilot.app.screen
        await wait_for(pilot, lambda: detail.detail is not None)
        assert isinstance(detail, TorrentDetailScreen)
        steady_magnet(detail)
        await pilot.pause()
        label = detail.query_one("#detail-description-label")
        detail.query_one("#detail-body").scroll_to_widget(label, top=True, animate=False)
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=size, run_before=run)


async def test_validation_errors_are_shown_with_their_details(app_factory: AppFactory) -> None:
    # nekoBT allows at most 100 results a page: a larger page size is refused with details.
    app = app_factory(**{"ui.page_size": 150})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        await search(pilot, screen, "1080")
        problems = screen.query_one("#torrents-problems", Static)
        await wait_for(pilot, lambda: "limit" in shown(problems))
        assert "nekoBT refused the search" in shown(problems)
        assert "100" in shown(problems)


async def test_the_detail_shows_the_whole_magnet(app_factory: AppFactory, devserver: Any) -> None:
    neko, _tapi = apis(devserver)
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_torrents(pilot)
        await search(pilot, screen, neko.data.torrents[0].infohash)
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        await pilot.pause()
        magnet = detail.query_one("#detail-magnet", Static)
        lines = [strip.text.rstrip() for strip in magnet.render_lines(magnet.region.reset_offset)]
        assert len(lines) > 1
        assert detail.detail is not None
        assert "".join(lines) == detail.detail.shown_magnet


async def test_copy_magnet_and_add_to_downloads(app_factory: AppFactory, devserver: Any) -> None:
    from app.screens.file_picker import FilePickerScreen

    neko, _tapi = apis(devserver)
    target = neko.data.torrents[0]
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        await search(pilot, screen, target.infohash)
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        await pilot.press("y")
        assert app.clipboard.startswith("magnet:?xt=urn:btih:" + target.infohash)
        said = notices(app)[-1].message
        start = "Magnet link copied to the clipboard: magnet:?xt=urn:btih:"
        assert said.startswith(start) and "…" in said
        assert len(said) == len(start) - len("magnet:?xt=urn:btih:") + 60

        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, FilePickerScreen)
                or (
                    app.runtime.opened_downloads is not None
                    and bool(app.runtime.opened_downloads.items())
                )
            ),
        )
        if isinstance(app.screen, FilePickerScreen):
            await pilot.press("enter")
        queue = await app.runtime.downloads()
        assert queue is not None
        await wait_for(pilot, lambda: bool(queue.items()))
        (item,) = queue.items()
        assert item.info_hash == target.infohash and item.source == "nekobt"


async def test_no_key_is_bound_twice_or_dead(app_factory: AppFactory, devserver: Any) -> None:
    from tests.screens.test_keys import walk_focus

    neko, _tapi = apis(devserver)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        problems = await walk_focus(app, pilot, "torrents")
        await search(pilot, screen, neko.data.torrents[0].infohash)
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        problems += await walk_focus(app, pilot, "torrent detail")
    assert problems == []


async def test_torrent_api_without_key_says_what_to_set(
    app_factory: AppFactory, devserver: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("ANITUI_TORRENT_API__KEY")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "tt9000001")
        assert table.row_count == 0
        problems = shown(screen.query_one("#torrents-problems", Static))
        assert "Torrent API: set its URL and key" in problems
        assert shown(screen.query_one(StatusLine)) == "Torrent API not configured"
        target = apis(devserver)[0].data.torrents[0]
        await search(pilot, screen, target.infohash)
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        await pilot.press("escape")
        assert shown(screen.query_one(StatusLine)) == (
            "1 torrent from nekoBT · Torrent API not configured"
        )


def test_a_problem_names_its_source_once() -> None:
    error = BadResponseError("nekoBT: the download is not a .torrent file", api="nekoBT")
    assert problem_text(Source.NEKOBT, error) == "nekoBT: the download is not a .torrent file"
    other = BadResponseError("no answer", api="nekoBT")
    assert problem_text(Source.NEKOBT, other) == "nekoBT: no answer"


async def test_anilibria_torrent_detail_shows_its_files(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.ANILIBRIA.value
        await pilot.pause()
        table = await search(pilot, screen, devserver.catalog.titles[1]["names"]["en"])
        assert table.row_count > 0
        assert set(cells(table, 6)) == {"A"}
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        assert detail.query_one("#detail-files", KeyTable).row_count > 0


async def test_title_finds_its_torrents_elsewhere(app_factory: Any, devserver: Any) -> None:
    from app.screens.title import TitleScreen

    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(TitleOpened(9001))
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        title_screen = app.screen
        await wait_for(pilot, lambda: title_screen.title_data is not None)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentsScreen))
        results = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: results.row_count > 0, timeout=15)
        titles = [str(results.get_row_at(r)[0]) for r in range(results.row_count)]
        assert any("Starlight Courier" in name for name in titles)
        await pilot.press("escape")
        assert isinstance(app.screen, TitleScreen)


async def test_later_pages_merge_by_info_hash(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    neko, _tapi = apis(fresh_devserver)
    libria = next(t for t in fresh_devserver.catalog.titles if t["id"] == 9001)
    libria_hash = libria["torrents"]["list"][0]["hash"].lower()
    app = app_factory(server=fresh_devserver, **{"ui.page_size": 2})
    async with app.run_test(size=(120, 40)) as pilot:
        service = app.runtime.torrent_search
        only_neko = TorrentFilters(sources=frozenset({Source.NEKOBT}))
        first = await service.search("Starlight Courier", only_neko)
        second = await service.search("Starlight Courier", only_neko, page=1)
        assert first.more and second.more and len(second.hits) == 2
        # nekoBT's page 1 lists AniLibria's torrent (shown on page 0) and, again, a torrent of
        # its own page 0 (as when a new upload pushes rows down while the user reads).
        as_libria = neko.data.torrent(str(second.hits[0].nekobt_id))
        repeated = neko.data.torrent(str(second.hits[1].nekobt_id))
        assert as_libria is not None and repeated is not None
        as_libria.fields["infohash"] = libria_hash
        repeated.fields["infohash"] = first.hits[0].infohash
        repeated.fields["seeders"] = "4242"

        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "Starlight Courier")
        status = screen.query_one(StatusLine)
        # Page 0 is complete once both sources have answered (each shows as it answers).
        await wait_for(pilot, lambda: "from nekoBT, AniLibria" in shown(status))
        shown_first = table.row_count
        table.focus()
        await pilot.press("G")
        # Page 1 adds no row; the cursor is still at the end, so page 2 follows by itself.
        await wait_for(pilot, lambda: not screen.more and not screen.paging, timeout=10)
        await pilot.pause()
        assert table.row_count == len(screen.results) == shown_first + 2
        hashes = [h.infohash for h in screen.results]
        assert len(set(hashes)) == len(hashes)
        merged = screen.results[hashes.index(libria_hash)]
        assert merged.sources == (Source.ANILIBRIA, Source.NEKOBT)
        assert merged.nekobt_id == as_libria.id
        row = hashes.index(libria_hash)
        assert str(table.get_row_at(row)[6]) == "AN"
        again = hashes.index(first.hits[0].infohash)
        assert screen.results[again].seeders == 4242
        assert str(table.get_row_at(again)[2]).startswith("4242/")
        assert (
            shown(screen.query_one(StatusLine)) == f"{len(hashes)} torrents from nekoBT, AniLibria"
        )


async def test_language_filter_offers_nekobts_languages(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        languages = screen.query_one(LanguageFilter)
        await wait_for(pilot, lambda: "zh" in offered(languages))
        zh = next(language for language in languages.offered if language.code == "zh")
        assert language_label(zh).plain == "zh Chinese"
        languages.picked("sub", ("zh",))
        await search(pilot, screen, "1080")
        assert screen.request is not None and screen.request.filters.sub_languages == ("zh",)
        # A list without a chosen language still offers it, to be unticked.
        languages.languages = FALLBACK_LANGUAGES
        assert "zh" in offered(languages) and "ru" in offered(languages)


async def test_language_filter_falls_back_without_nekobt(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    from app.devserver.nekobt import PREFIX

    fresh_devserver.faults.fail_next(PREFIX + "/langs", 500, times=5)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        await wait_for(
            pilot, lambda: any(r.path.endswith("/langs") for r in fresh_devserver.requests)
        )
        await wait_for(pilot, lambda: not languages_loading(screen))
        languages = screen.query_one(LanguageFilter)
        assert offered(languages) == [language.code for language in FALLBACK_LANGUAGES]


def languages_loading(screen: TorrentsScreen) -> bool:
    return any(w.group == "torrent-languages" and not w.is_finished for w in screen.app.workers)


def offered(languages: LanguageFilter) -> list[str]:
    return [language.code for language in languages.offered]


def search_requests(server: Any) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/torrents/search")]


async def test_description_markdown_is_plain_text(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    neko, _tapi = apis(fresh_devserver)
    target = neko.data.torrents[0]
    target.fields["description"] = (
        "# [b]Big[/b] news\n\nBy **[/] Frostbyte** [@click=app.quit]click me[/] \x1b[31mred\n\n"
        "- [site](https://example.invalid/a) ![shot [/]](x.png)\n- `[@click=app.quit]`\n\n"
        "[link=https://evil.invalid]x[/link] &#27;[2J"
    )
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        await search(pilot, screen, target.infohash)
        await wait_for(pilot, lambda: isinstance(app.screen, TorrentDetailScreen))
        detail = app.screen
        assert isinstance(detail, TorrentDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        description = detail.query_one("#detail-description", Static)
        assert description.display
        text = shown(description)
        assert text.split("\n") == [
            "[b]Big[/b] news",
            "",
            "By [/] Frostbyte [@click=app.quit]click me[/] red",
            "",
            "• site (https://example.invalid/a) [image: shot [/]]",
            "• [@click=app.quit]",
            "",
            "[link=https://evil.invalid]x[/link] \ufffd[2J",
        ]
        rendered = description.render()
        assert isinstance(rendered, Content)
        assert not any("@click" in str(span.style) for span in rendered.spans)
        assert any("bold" in str(span.style) for span in rendered.spans)
        await pilot.click("#detail-description", offset=(20, 2))
        await pilot.pause()
        assert app.is_running


def test_language_names_are_plain_text() -> None:
    label = language_label(Language("xx", "[b]Evil[/b] [@click=app.quit]\x1b[31m"))
    assert isinstance(label, Text) and label.plain == "xx [b]Evil[/b] [@click=app.quit]"


def name_column(table: KeyTable) -> list[str]:
    """The name column as drawn, one entry per row."""
    width = table.ordered_columns[0].get_render_width(table)
    return [table.render_line(y).text[:width].strip() for y in range(1, table.row_count + 1)]


async def test_at_80_columns_the_names_get_the_room_and_stay_distinguishable(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        table = await search(pilot, screen, "Starlight")
        await wait_for(pilot, lambda: table.row_count > 4)
        table.focus()
        await pilot.press("j", "j")
        chosen = table.cursor_key()
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "Date" not in str(table.ordered_columns[-1].label))
        await wait_for(pilot, lambda: not table.ordered_columns[0].auto_width)
        header = table.render_line(0).text
        assert "S/L" in header and "Subs" in header
        assert "Date" not in header and "Group" not in header
        assert table.ordered_columns[0].width >= 40
        names = name_column(table)
        assert len(set(names)) == len(names)
        # A cut name loses its middle: its end, where episodes and quality are, stays.
        for name, hit in zip(names, screen.results, strict=True):
            if name != hit.title:
                head, tail = name.split("…")
                assert hit.title.startswith(head) and hit.title.endswith(tail)
                assert len(tail) > len(head)
        assert table.cursor_key() == chosen
        await pilot.resize_terminal(120, 24)
        await wait_for(pilot, lambda: "Group" in table.render_line(0).text)
        assert table.cursor_key() == chosen

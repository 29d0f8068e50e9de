"""Torrents and torrent detail: search, filters, paging, info-hash jump, IMDb, errors, snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from app.application import AniApp
from app.devserver import torrentapi
from app.devserver.nekobt import NekoBtApi
from app.devserver.torrentapi import TorrentApi
from app.paths import STYLES_DIR
from app.screens.torrent_detail import TorrentDetailScreen
from app.screens.torrents import TorrentsScreen
from app.services.torrent_search import Source
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
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
    tapi.torrents[target.infohash] = torrentapi.DemoTorrent(
        infohash=target.infohash,
        name=target.name,
        size=target.fields["filesize"] and int(target.fields["filesize"]),
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

        screen.query_one("#filter-language", Select).value = "ru"
        await wait_for(
            pilot,
            lambda: screen.request is not None and screen.request.filters.languages == ("ru",),
        )
        assert table.row_count > 0
        assert all("ru" in langs for langs in cells(table, 5))

        screen.query_one("#filter-language", Select).clear()
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
    neko.rate_limit(retry_after=1.5)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
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


async def test_bad_nekobt_key_says_so(app_factory: AppFactory, monkeypatch: Any) -> None:
    monkeypatch.setenv("ANITUI_NEKOBT__API_KEY", "not-a-key")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        await search(pilot, screen, "1080")
        problems = screen.query_one("#torrents-problems", Static)
        await wait_for(pilot, lambda: "nekoBT key missing or invalid" in shown(problems))


@pytest.mark.parametrize("size", SIZES)
def test_torrents_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int]
) -> None:
    async def run(pilot: Any) -> None:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        table = await search(pilot, screen, "Starlight")
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=size, run_before=run)


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
        await pilot.pause()

    assert snap_compare(app_factory(server=fresh_devserver), terminal_size=size, run_before=run)


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
        queue = await app.downloads()
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
    app_factory: AppFactory, monkeypatch: Any
) -> None:
    monkeypatch.delenv("ANITUI_TORRENT_API__KEY")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        table = await search(pilot, screen, "tt9000001")
        assert table.row_count == 0
        problems = shown(screen.query_one("#torrents-problems", Static))
        assert "Torrent API: set its URL and key" in problems


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
        app.open_title(9001)
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

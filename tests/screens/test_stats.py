"""The Stats screen (command palette): genres by popularity, years, seed stats, your traffic
and the torrent RSS link, on both AniLibria APIs; what one API lacks says so."""

from __future__ import annotations

from typing import Any

import pytest
from textual.content import Content
from textual.widgets import Label, Static

from app.screens.login import DEMO_LOGIN
from app.screens.stats import StatsScreen, genres_text
from app.services.favorites import AccountState
from app.sources.anilibria.models import GenreRank
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.notifications import notices
from tests.support import screen_of, wait_for


def text_of(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_stats(pilot: Any) -> StatsScreen:
    pilot.app.palette.open_stats()
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen))
    screen = screen_of(pilot.app, StatsScreen)
    await wait_for(
        pilot, lambda: bool(screen.query("#stats-years")) and text_of(screen, "#stats-years") != ""
    )
    return screen


async def test_the_palette_lists_the_stats_screen(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)):
        names = [command.title for command in app.get_system_commands(app.screen)]
        assert "AniLibria stats" in names


async def test_stats_sections_on_each_api_logged_out(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_stats(pilot)
        years = [int(y) for y in text_of(screen, "#stats-years").split(", ")]
        assert years == sorted(years) and len(years) > 1
        genres = text_of(screen, "#stats-genres")
        label = str(screen.query_one("#stats-genres-label", Label).render())
        assert "Log in to see yours" in text_of(screen, "#stats-traffic")
        rss = text_of(screen, "#stats-rss")
        seeders = screen.query_one("#stats-seeders", KeyTable)
        if api == "v2":
            assert label == "Genres by popularity (rating)"
            assert "(" not in genres
            assert rss.endswith("/getRSS?rss_type=rss")
            assert seeders.display and seeders.row_count > 0
            asked = [r.query for r in devserver.requests if r.path.endswith("/getSeedStats")]
            assert asked[-1]["sort_by"] == "uploaded" and asked[-1]["order"] == "0"
        else:
            assert label == "Genres by number of releases (API v1 rates no genre)"
            counts = [int(g.rsplit("(", 1)[1].rstrip(")")) for g in genres.split(" · ")]
            assert counts == sorted(counts, reverse=True)
            assert rss.endswith("/anime/torrents/rss")
            assert not seeders.display
            assert text_of(screen, "#stats-seeders-note") == "API v2 only"


async def test_logged_in_the_rss_link_is_masked_on_screen_and_whole_in_the_clipboard(
    app_factory: AppFactory, fresh_devserver: Any, api: str
) -> None:
    app = app_factory(fresh_devserver, api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.favorites.login(*DEMO_LOGIN)
        screen = await open_stats(pilot)
        assert screen.rss_link is not None
        secret = screen.rss_link.rsplit("=", 1)[1]
        assert len(secret) >= 4
        shown = text_of(screen, "#stats-rss")
        assert secret not in shown and shown.endswith("=***")
        traffic = text_of(screen, "#stats-traffic")
        if api == "v1":
            assert "Uploaded:" in traffic and "Downloaded:" in traffic
        else:
            assert traffic == "API v1 only"
        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == screen.rss_link)
        assert all(secret not in notice.message for notice in notices(app))
        assert any("RSS link copied" in notice.message for notice in notices(app))


async def test_a_token_refused_on_the_stats_screen_expires_the_account(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.favorites.login(*DEMO_LOGIN)
        fresh_devserver.aniliberty.expire_token()
        await open_stats(pilot)
        assert app.runtime.favorites.account is AccountState.EXPIRED
        await wait_for(pilot, lambda: any("session has expired" in n.message for n in notices(app)))


async def stats_loaded(pilot: Any) -> None:
    screen = await open_stats(pilot)
    await wait_for(pilot, lambda: screen.query_one("#stats-seeders", KeyTable).row_count > 0)
    # The devserver listens on a free port, a different one each run: the snapshot shows a
    # fixed one so that it compares.
    rss = text_of(screen, "#stats-rss")
    origin = rss.split("/getRSS", 1)[0]
    screen.query_one("#stats-rss", Static).update(
        Content(rss.replace(origin, "http://127.0.0.1:8080/api/v2"))
    )
    await pilot.pause()


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_stats_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=stats_loaded)


def test_api_text_in_the_genres_is_shown_literally() -> None:
    shown = genres_text((GenreRank("[b]x[/b]", None), GenreRank("[/]", 3)))
    assert shown.plain == "[b]x[/b] · [/] (3)"

"""Reaching AniLiberty API v1 from the screens: mirrors (DevServers on loopback), the offline
line that names every host tried, a 422's text shown literally, posters that never hold a
screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select, Static

from app.application import AniApp
from app.devserver.server import DevServer
from app.screens.search import SearchScreen
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.test_playback import open_title
from tests.support import wait_for

CATALOG = "/api/v1/anime/catalog/releases"


@pytest.fixture
def mirrors() -> Iterator[list[DevServer]]:
    """Two more v1 servers of the demo catalog, standing for the mirrors."""
    started = [DevServer() for _ in range(2)]
    for server in started:
        server.start()
    yield started
    for server in started:
        server.stop()


def with_mirrors(
    app_factory: AppFactory, root: Any, mirrors: list[str], home: Path | None = None
) -> AniApp:
    """An app on `root`'s v1 API with `mirrors` named in the configuration."""
    return app_factory(server=root, home=home, api="v1", **{"anilibria.mirrors": [*mirrors]})


def port_of(server: DevServer) -> str:
    return f"127.0.0.1:{server.port}"


async def schedule_shown(app: AniApp, pilot: Any) -> None:
    await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0, timeout=15)


async def test_every_mirror_down_the_line_names_each_host_tried(
    app_factory: AppFactory,
    fresh_devserver: DevServer,
    mirrors: list[DevServer],
    closed_port_url: str,
) -> None:
    fresh_devserver.faults.fail_next("/api/v1/", 521, times=1000)
    not_alive, stopped = mirrors
    not_alive.aniliberty.is_alive = False
    stopped.stop()
    closed = closed_port_url.removeprefix("http://")
    app = with_mirrors(
        app_factory,
        fresh_devserver,
        [f"http://{closed}/api/v1", not_alive.aniliberty_api, stopped.aniliberty_api],
    )
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"))
        hosts = ", ".join([port_of(fresh_devserver), closed, port_of(not_alive), port_of(stopped)])
        assert f"AniLiberty cannot be reached (tried {hosts})." in str(status.render())


async def test_the_live_mirror_is_used_and_remembered_across_a_restart(
    app_factory: AppFactory, fresh_devserver: DevServer, mirrors: list[DevServer], tmp_path: Path
) -> None:
    fresh_devserver.faults.fail_next("/api/v1/", 521, times=1000)
    not_alive, live = mirrors
    not_alive.aniliberty.is_alive = False
    roots = [not_alive.aniliberty_api, live.aniliberty_api]
    app = with_mirrors(app_factory, fresh_devserver, roots, home=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await schedule_shown(app, pilot)
        assert not app.screen.query_one(StatusLine).has_class("-error")
    assert fresh_devserver.requests and any(r.path.endswith("/app/status") for r in live.requests)

    fresh_devserver.requests.clear()
    app = with_mirrors(app_factory, fresh_devserver, roots, home=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await schedule_shown(app, pilot)
    assert fresh_devserver.requests == []  # the remembered mirror was asked first


async def test_an_explicit_url_alone_asks_no_mirror(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    fresh_devserver.stop()
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"))
        # The guard fixture refuses any other host: only the given one was asked.
        assert f"Could not reach {port_of(fresh_devserver)}" in str(status.render())


async def test_a_filter_the_server_refuses_shows_its_words_literally(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    refusal = "[b]The year[/b] must be 1990 or later."
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        years = app.screen.query_one("#filter-year-from", Select)
        await wait_for(pilot, lambda: len(years._options) > 1)
        fresh_devserver.faults.fail_next(
            CATALOG,
            422,
            body={"message": "invalid", "errors": {"f.years.from_year": [refusal]}},
        )
        years.value = years._options[1][1]
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"))
        shown = str(status.render())
        assert f"The server answered: f.years.from_year: {refusal}" in shown
        assert "ctrl+r" not in shown  # asking again cannot change the server's mind


def poster_text(app: AniApp) -> str:
    return str(app.screen.query_one("#poster-text", Static).render())


async def test_a_slow_poster_does_not_hold_the_episode_list(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    fresh_devserver.faults.delay_next("/storage/", 60, times=10)
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        await wait_for(pilot, lambda: any("/storage/" in r.path for r in fresh_devserver.requests))
        assert screen.query_one("#title-episodes", KeyTable).row_count > 1
        assert poster_text(app) == "Loading…"  # still on its way
        assert not screen.query_one(StatusLine).has_class("-visible")


async def test_a_cached_poster_is_shown_without_asking_again(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await wait_for(pilot, lambda: poster_text(app) != "Loading…")
        await pilot.press("escape")
        fresh_devserver.requests.clear()
        fresh_devserver.faults.delay_next("/storage/", 60, times=10)
        await open_title(app, pilot, 9001)
        await wait_for(pilot, lambda: poster_text(app) != "Loading…")
    assert not any("/storage/" in r.path for r in fresh_devserver.requests)

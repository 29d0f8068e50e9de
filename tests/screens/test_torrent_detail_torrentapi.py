"""The torrent detail's Torrent API side: Add (`A`), the peers' country (`C`), and a request path
the provider does not serve, named by its setting."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from app.devserver.torrentapi import TorrentApi, demo_imdb_id
from app.screens.torrent_detail import TorrentDetailScreen
from app.screens.torrents import TorrentsScreen
from app.services.torrent_search import hit_from_movie
from app.sources.torrentapi.models import MovieTorrent
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.support import wait_for


def torrent_api(server: Any) -> TorrentApi:
    api: TorrentApi = next(a for a in server.extra_apis if isinstance(a, TorrentApi))
    return api


def shown(widget: Static) -> str:
    return str(widget.render())


async def open_movie_torrent(pilot: Any, server: Any) -> TorrentDetailScreen:
    """The detail of the first torrent of the Torrent API's demo movie 1, over Torrents."""
    api = torrent_api(server)
    infohash = api.movies[demo_imdb_id(1)].infohashes[0]
    torrent = api.torrents[infohash]
    hit = hit_from_movie(
        MovieTorrent(infohash, torrent.size, torrent.date_added, torrent.name, torrent.alive),
        demo_imdb_id(1),
    )
    await pilot.app.push_screen(TorrentsScreen())
    detail = TorrentDetailScreen(hit)
    await pilot.app.push_screen(detail)
    await wait_for(pilot, lambda: detail.detail is not None)
    return detail


async def test_a_peers_path_the_provider_lacks_is_named_on_screen(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory(**{"torrent_api.peers_path": "no/such/peers"})
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_movie_torrent(pilot, devserver)
        problems = detail.query_one("#detail-problems", Static)
        assert "-hidden" not in problems.classes
        assert shown(problems) == (
            "Torrent API: nothing at “no/such/peers” (HTTP 404): check [torrent_api] peers_path."
        )


async def test_add_sends_the_torrent_to_the_api(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    api = torrent_api(fresh_devserver)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_movie_torrent(pilot, fresh_devserver)
        await pilot.press("A")
        await wait_for(pilot, lambda: any("Added to" in n.message for n in notices(app)))
    assert api.added == [detail.hit.infohash]


async def test_add_to_a_moved_path_names_its_setting(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver, **{"torrent_api.add_path": "submit"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_movie_torrent(pilot, fresh_devserver)
        await pilot.press("A")
        await wait_for(pilot, lambda: any("add_path" in n.message for n in notices(app)))
    assert torrent_api(fresh_devserver).added == []
    (notice,) = [n for n in notices(app) if "add_path" in n.message]
    assert notice.message == (
        "Torrent API: nothing at “submit” (HTTP 404): check [torrent_api] add_path."
    )


async def test_the_peers_country_is_chosen_with_c(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_movie_torrent(pilot, fresh_devserver)
        peers = detail.query_one("#detail-peers", Static)
        countries = detail.peer_countries
        assert len(countries) > 2
        assert "Country: all (C to choose)" in shown(peers)
        assert all(f"{code} █" in shown(peers) for code in countries)
        fresh_devserver.requests.clear()

        await pilot.press("C")
        first = countries[0]
        await wait_for(pilot, lambda: f"Country: {first} (C to choose)" in shown(peers))
        asked = [r for r in fresh_devserver.requests if r.path == "/torrentapi/peers"]
        assert asked and all(r.query.get("countryCode") == first for r in asked)
        assert f"{first} █" in shown(peers)
        assert not any(f"{code} █" in shown(peers) for code in countries[1:])
        assert detail.detail is not None and detail.detail.peers is not None
        assert [c.code for c in detail.detail.peers.countries] == [first]

        await pilot.press("C")
        second = countries[1]
        await wait_for(pilot, lambda: f"Country: {second} (C to choose)" in shown(peers))
        assert not any(f"{code} █" in shown(peers) for code in countries if code != second)

        # Quick presses move on at once: the last one's country is the one shown.
        for _ in countries[2:]:
            await pilot.press("C")
        await wait_for(pilot, lambda: f"Country: {countries[-1]} (C to choose)" in shown(peers))
        fresh_devserver.requests.clear()
        await pilot.press("C")
        await wait_for(pilot, lambda: "Country: all (C to choose)" in shown(peers))
        asked = [r for r in fresh_devserver.requests if r.path == "/torrentapi/peers"]
        assert asked and all("countryCode" not in r.query for r in asked)
        assert all(f"{code} █" in shown(peers) for code in countries)

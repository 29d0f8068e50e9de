"""A title's .torrent downloaded while logged in to AniLibria is fetched with the account's
session (v2: the site's `session=`; v1: the bearer token), so the tracker credits the account:
the file the server sends announces with the user's passkey."""

from __future__ import annotations

from typing import Any

from app.screens.login import DEMO_LOGIN
from app.services.torrent_search import hit_from_anilibria
from tests.screens.conftest import AppFactory
from tests.screens.test_downloads import download_from_title
from tests.support import wait_for

ANNOUNCE_WAIT_S = 20.0


def single_file_torrent(server: Any) -> tuple[int, int]:
    """(title id, torrent index in its list) of the first torrent of one file (no picker)."""
    for title in server.catalog.titles:
        for index, entry in enumerate(title["torrents"]["list"]):
            if len(server.catalog.torrent_layout(entry["torrent_id"]).files) == 1:
                return title["id"], index
    raise AssertionError("the demo catalog has no single-file torrent")


def torrent_requests(server: Any) -> list[Any]:
    return [
        r
        for r in server.requests
        if r.path == "/public/torrent/download.php"
        or (r.path.startswith("/api/v1/anime/torrents/") and r.path.endswith("/file"))
    ]


async def test_a_title_torrent_is_fetched_with_the_session_and_announces_with_the_passkey(
    app_factory: AppFactory, fresh_devserver: Any, api: str
) -> None:
    app = app_factory(fresh_devserver, api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.favorites.login(*DEMO_LOGIN)
        session = app.runtime.favorites.session
        assert session
        title_id, index = single_file_torrent(fresh_devserver)
        await download_from_title(pilot, title_id, index)
        await wait_for(pilot, lambda: bool(torrent_requests(fresh_devserver)))
        request = torrent_requests(fresh_devserver)[-1]
        if api == "v2":
            assert request.query.get("session") == session
        else:
            assert request.headers.get("Authorization") == f"Bearer {session}"
        await wait_for(
            pilot,
            lambda: any(
                r.path == "/announce" and r.query.get("passkey") for r in fresh_devserver.requests
            ),
            timeout=ANNOUNCE_WAIT_S,
        )


async def test_a_found_anilibria_torrent_is_fetched_with_the_session(
    app_factory: AppFactory, fresh_devserver: Any, api: str
) -> None:
    """The Torrents screen's path: `torrent_to_download` of an AniLibria hit."""
    app = app_factory(fresh_devserver, api=api)
    async with app.run_test(size=(120, 40)):
        await app.runtime.favorites.login(*DEMO_LOGIN)
        session = app.runtime.favorites.session
        title_id, index = single_file_torrent(fresh_devserver)
        title = (await app.runtime.catalog.client.get_title(id=title_id)).value
        assert title.torrents is not None
        hit = hit_from_anilibria(title, title.torrents.list[index])
        data = await app.runtime.torrent_search.torrent_to_download(hit, anilibria_session=session)
        assert data is not None
        assert b"passkey=" in data

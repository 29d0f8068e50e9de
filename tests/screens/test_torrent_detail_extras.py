"""The torrent detail's AnimeTosho section (asked with `a`) and its comments, paged as the reader
reaches their end or presses `M`; a failed refresh keeps the ones read."""

from __future__ import annotations

from typing import Any

from textual.widgets import Label, Static

from app.devserver.nekobt import PREFIX, NekoBtApi
from app.screens.torrent_detail import COMMENTS_PAGE, TorrentDetailScreen
from app.screens.torrents import TorrentsScreen
from app.services.torrent_search import hit_from_nekobt
from app.sources.nekobt.models import Torrent
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.support import wait_for


def neko(server: Any) -> NekoBtApi:
    api: NekoBtApi = next(a for a in server.extra_apis if isinstance(a, NekoBtApi))
    return api


def shown(widget: Static | Label) -> str:
    return str(widget.render())


async def open_detail(pilot: Any, server: Any, index: int) -> TorrentDetailScreen:
    """The detail of nekoBT's demo torrent `index`, opened over the Torrents screen."""
    data = neko(server).data.torrents[index]
    row = {**data.fields, "files": [], "groups": [], "uploader": None}
    await pilot.app.push_screen(TorrentsScreen())
    detail = TorrentDetailScreen(hit_from_nekobt(Torrent.parse(row)))
    await pilot.app.push_screen(detail)
    await wait_for(pilot, lambda: detail.detail is not None)
    return detail


def comment(number: int) -> dict[str, Any]:
    return {
        "id": f"77{number:04d}",
        "deleted": False,
        "user_id": "1000000002",
        "text": f"comment number {number}",
        "replying_to": None,
        "display_name": "Mirrowen",
        "pfp_hash": None,
        "positive": "0",
        "negative": "0",
        "pinned": False,
        "user_rating": None,
        "last_edit": None,
        "children": [],
    }


async def test_comments_come_a_page_at_a_time(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    target = neko(fresh_devserver).data.torrents[1]
    target.comments[:] = [comment(n) for n in range(1, COMMENTS_PAGE * 2 + 4)]
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, fresh_devserver, 1)
        comments = detail.query_one("#detail-comments", Static)
        await wait_for(pilot, lambda: "comment number 1\n" in shown(comments) + "\n")
        assert f"comment number {COMMENTS_PAGE + 1}\n" not in shown(comments) + "\n"
        assert f"{COMMENTS_PAGE} of {COMMENTS_PAGE * 2 + 3} comments" in shown(comments)
        await pilot.press("M")
        await wait_for(pilot, lambda: f"comment number {COMMENTS_PAGE * 2}" in shown(comments))
        await pilot.press("M")
        await wait_for(pilot, lambda: f"comment number {COMMENTS_PAGE * 2 + 3}" in shown(comments))
        assert "press M for more" not in shown(comments)
        await pilot.press("M")
        await wait_for(pilot, lambda: any("No more comments" in n.message for n in notices(app)))


async def test_animetosho_files_and_subtitles_on_request(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    api = neko(fresh_devserver)
    api.animetosho_processing = 1
    index = next(i for i, t in enumerate(api.data.torrents) if t.animetosho == "ok")
    target = api.data.torrents[index]
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, fresh_devserver, index)
        section = detail.query_one("#detail-animetosho", Static)
        assert "press a to ask AnimeTosho" in shown(section)
        await pilot.press("a")
        await wait_for(pilot, lambda: "still processing" in shown(section))
        await pilot.press("a")
        await wait_for(pilot, lambda: "Subtitles" in shown(section))
        assert target.files[0][0] in shown(section)
        assert "eng · ASS · Full Subtitles (default)" in shown(section)
        # The torrent itself now carries the data: a refresh keeps showing it.
        detail.animetosho = None
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Subtitles" in shown(section))


async def test_animetoshos_final_no_in_its_own_words(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    api = neko(fresh_devserver)
    api.animetosho_processing = 0
    index = next(i for i, t in enumerate(api.data.torrents) if t.animetosho == "skipped")
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_detail(pilot, fresh_devserver, index)
        section = detail.query_one("#detail-animetosho", Static)
        await pilot.press("a")
        await wait_for(pilot, lambda: "Torrent was skipped on AnimeTosho." in shown(section))


def comments_path(server: Any, index: int) -> str:
    return f"{PREFIX}/torrents/{neko(server).data.torrents[index].id}/comments"


async def test_comments_page_on_when_scrolled_to_their_end(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    total = COMMENTS_PAGE * 3 + 5
    neko(fresh_devserver).data.torrents[1].comments[:] = [comment(n) for n in range(1, total + 1)]
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_detail(pilot, fresh_devserver, 1)
        comments = detail.query_one("#detail-comments", Static)
        await wait_for(pilot, lambda: f"comment number {COMMENTS_PAGE}\n" in shown(comments))
        assert f"comment number {COMMENTS_PAGE + 1}\n" not in shown(comments)
        assert f"{COMMENTS_PAGE} of {total} comments: scroll on" in shown(comments)
        body = detail.query_one("#detail-body")
        assert detail.focused is body
        # Moving to the end of the page shows the next comments, page after page.
        for page in (2, 3):
            await pilot.press("end")
            last = f"comment number {COMMENTS_PAGE * page}\n"
            await wait_for(pilot, lambda: last in shown(comments))  # noqa: B023 (awaited here)
            assert f"comment number {COMMENTS_PAGE * page + 1}\n" not in shown(comments)
        await pilot.press("end")
        await wait_for(pilot, lambda: f"End of the comments ({total})." in shown(comments))
        assert f"comment number {total}\n" in shown(comments)
        await pilot.press("M")
        await wait_for(pilot, lambda: any("No more comments" in n.message for n in notices(app)))


async def test_a_failed_refresh_keeps_the_comments_read(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    total = COMMENTS_PAGE * 3
    neko(fresh_devserver).data.torrents[1].comments[:] = [comment(n) for n in range(1, total + 1)]
    forbidden = {"error": True, "message": "Forbidden."}
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(80, 24)) as pilot:
        fresh_devserver.faults.fail_next(comments_path(fresh_devserver, 1), 403, body=forbidden)
        detail = await open_detail(pilot, fresh_devserver, 1)
        comments = detail.query_one("#detail-comments", Static)
        await wait_for(pilot, lambda: "The comments could not be loaded" in shown(comments))
        assert "ctrl+r" in shown(comments)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "comment number 1\n" in shown(comments))
        assert "could not be loaded" not in shown(comments)
        await pilot.press("end")
        page_two = f"comment number {COMMENTS_PAGE * 2}\n"
        await wait_for(pilot, lambda: page_two in shown(comments))
        fresh_devserver.faults.fail_next(comments_path(fresh_devserver, 1), 403, body=forbidden)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "The comments could not be refreshed" in shown(comments))
        # What was read stays, pages included.
        assert page_two in shown(comments)

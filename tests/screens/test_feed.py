"""The Feed screen (8): title updates and videos in the server's order, paging, Enter and `y`,
errors with retry, hostile text, snapshots."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from app.screens.feed import FeedScreen, when_text
from app.screens.title import TitleScreen
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.notifications import notices
from tests.screens.test_resilience import HOSTILE_NAMES
from tests.support import FIXED_NOW, screen_of, wait_for


async def feed_screen(pilot: Any) -> FeedScreen:
    await pilot.press("8")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FeedScreen))
    screen = screen_of(pilot.app, FeedScreen)
    await wait_for(pilot, lambda: screen.query_one(KeyTable).row_count > 0)
    return screen


async def server_feed(app: Any) -> list[tuple[str, int]]:
    """The whole feed as the server orders it: ("title" | "youtube", id) per entry."""
    items = (await app.runtime.catalog.client.get_feed(limit=-1)).value
    return [("title", i.title.id) if i.title else ("youtube", i.youtube.id) for i in items]


def shown(screen: FeedScreen) -> list[tuple[str, int]]:
    return [row.key for row in screen.rows]


def cells(screen: FeedScreen, row: int) -> list[str]:
    return [str(value) for value in screen.query_one(KeyTable).get_row_at(row)]


async def move_to(pilot: Any, screen: FeedScreen, row: int) -> None:
    screen.query_one(KeyTable).move_cursor(row=row)
    await pilot.pause()


def test_when_is_relative_to_the_clock() -> None:
    now = FIXED_NOW  # 2026-11-23 12:00 UTC (the fixture sets TZ=UTC)
    assert when_text(None, now) == "—"
    assert when_text(now - 30, now) == "just now"
    assert when_text(now - 5 * 60, now) == "5 min ago"
    assert when_text(now - 2 * 3600, now) == "today 10:00"
    assert when_text(now - 20 * 3600, now) == "yesterday 16:00"
    assert when_text(now - 3 * 86400, now) == "2026-11-20 12:00"


@pytest.mark.parametrize(
    "paths_inside_items", [False, True], ids=["paths-from-the-entry", "paths-inside-the-entry"]
)
async def test_both_kinds_in_the_servers_order_and_paging_at_the_end(
    app_factory: AppFactory, fresh_devserver: Any, paths_inside_items: bool
) -> None:
    # The spec leaves open where getFeed's filter paths start: the rows are whole either way.
    devserver = fresh_devserver
    devserver.feed_paths_inside_items = paths_inside_items
    app = app_factory(server=devserver, **{"ui.page_size": 20})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await feed_screen(pilot)
        table = screen.query_one(KeyTable)
        expected = await server_feed(app)
        assert len(expected) > 40  # three pages of 20
        await pilot.pause(0.2)
        assert shown(screen) == expected[:20]  # nothing more until the cursor nears the end
        assert {kind for kind, _ in shown(screen)} == {"title", "youtube"}

        video_row = shown(screen).index(next(k for k in expected if k[0] == "youtube"))
        video = next(y for y in devserver.catalog.youtube if y["id"] == expected[video_row][1])
        row = cells(screen, video_row)
        assert row[1] == "video"
        assert row[2] == video["title"]
        assert row[3] == f"youtu.be/{video['youtube_id']}"
        title_row = 0
        title = next(t for t in devserver.catalog.titles if t["id"] == expected[0][1])
        row = cells(screen, title_row)
        assert row[1] == "update"
        assert row[2] == title["names"]["en"]  # the UI is in English
        series = title["player"]["series"]
        assert row[3] == f"{series['first']}–{series['last']} · {title['type']['string']}"

        await pilot.press("G")
        await wait_for(pilot, lambda: len(screen.rows) >= 40)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.pages.exhausted)
        await pilot.pause(0.1)
        assert shown(screen) == expected
        assert table.row_count == len(expected)


async def test_an_entry_without_its_id_is_not_listed(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    video = {"id": 77, "title": "Readable", "youtube_id": "abc", "timestamp": FIXED_NOW - 60}
    unreadable = [{"title": {"updated": FIXED_NOW - 30}}, {"title": {"names": {"en": "No id"}}}]
    fresh_devserver.faults.fail_next(
        "/v2/getFeed",
        200,
        body=json.dumps([*unreadable, {"youtube": video}]),
        headers={"Content-Type": "application/json"},
    )
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await feed_screen(pilot)
        await pilot.pause()
        assert shown(screen) == [("youtube", 77)]
        assert cells(screen, 0)[1:3] == ["video", "Readable"]


async def test_enter_on_a_title_opens_it(app_factory: AppFactory, api: str) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await feed_screen(pilot)
        # The first title after the first video: rows of both kinds come before it.
        first_video = next(i for i, row in enumerate(screen.rows) if row.video)
        row = first_video + 1
        target = screen.rows[row].title
        assert target is not None
        await move_to(pilot, screen, row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        assert screen_of(app, TitleScreen).title_id == target.id
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_enter_and_y_copy_links(app_factory: AppFactory, devserver: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await feed_screen(pilot)
        videos = [i for i, row in enumerate(screen.rows) if row.video]
        assert len(videos) >= 2
        youtube = {y["id"]: y["youtube_id"] for y in devserver.catalog.youtube}

        def link_of(row: int) -> str:
            video = screen.rows[row].video
            assert video is not None
            return f"https://youtu.be/{youtube[video.id]}"

        await move_to(pilot, screen, videos[0])
        await pilot.press("enter")
        assert app.clipboard == link_of(videos[0])
        assert isinstance(app.screen, FeedScreen)  # a video does not open anything
        said = f"Video link copied to the clipboard: {link_of(videos[0])}"
        assert said in [n.message for n in notices(app)]

        await move_to(pilot, screen, videos[1])
        await pilot.press("y")
        assert app.clipboard == link_of(videos[1])

        title = screen.rows[0].title
        assert title is not None
        await move_to(pilot, screen, 0)
        await pilot.press("y")
        assert app.clipboard == f"{devserver.anilibria_site}/release/{title.code}.html"
        assert isinstance(app.screen, FeedScreen)  # y copies, never opens


async def test_a_server_failure_shows_and_ctrl_r_recovers(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    fresh_devserver.faults.fail_next("/v2/getFeed", 503)
    app = app_factory(server=fresh_devserver, **{"ui.page_size": 20})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("8")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
        screen = screen_of(app, FeedScreen)
        status = screen.query_one(StatusLine)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: status.has_class("-error"))
        text = str(status.render())
        assert "Service Unavailable" in text and "ctrl+r" in text
        assert table.row_count == 0

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: table.row_count == 20)
        assert not status.has_class("-visible")

        # A later page fails: the rows stay, the status line says so, ctrl+r starts over.
        fresh_devserver.faults.fail_next("/v2/getFeed", 503)
        screen.pages.drop_prefetch()  # the page after the first was already on its way
        await pilot.press("G")
        await wait_for(pilot, lambda: "Service Unavailable" in str(status.render()))
        assert "ctrl+r" in str(status.render())
        assert table.row_count == 20
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: not status.has_class("-visible"))
        await pilot.press("G")
        await wait_for(pilot, lambda: table.row_count >= 40)
        assert not status.has_class("-visible")


async def test_hostile_text_is_shown_literally(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    catalog = fresh_devserver.catalog
    base_title, base_video = catalog.titles[0], catalog.youtube[0]
    newest = FIXED_NOW - 3600
    for number, name in enumerate(HOSTILE_NAMES):
        title = copy.deepcopy(base_title)
        title.update(id=91000 + number, code=f"hostile-{number}", updated=newest - 2 * number)
        title["names"] = {"ru": name, "en": name, "alternative": None}
        catalog.add_title(title)
        catalog.youtube.append(
            {**base_video, "id": 9100 + number, "title": name, "timestamp": newest - 2 * number - 1}
        )
    catalog.youtube.append({**base_video, "id": 9199, "title": "no id", "youtube_id": None})
    catalog.youtube.append(
        {**base_video, "id": 9198, "title": "bad id", "youtube_id": "[/]x\x1b[31m", "timestamp": 1}
    )
    app = app_factory(server=fresh_devserver, **{"ui.page_size": 200})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await feed_screen(pilot)
        table = screen.query_one(KeyTable)
        literal = [*HOSTILE_NAMES[:-1], "red"]  # escape sequences go, their text stays
        expected = [name for name in literal for _ in range(2)]  # title, then video
        assert [cells(screen, row)[2] for row in range(len(expected))] == expected
        # What reaches the terminal: the table's lines (the header is line 0).
        lines = [table.render_line(row + 1).text for row in range(len(expected))]
        for line, name in zip(lines, expected, strict=True):
            assert f" {name} " in line
        await pilot.click(KeyTable)  # clicking a row with [@click=app.quit] must not quit
        assert app.is_running

        rows = {row.key: index for index, row in enumerate(screen.rows)}
        await move_to(pilot, screen, rows[("youtube", 9199)])
        assert cells(screen, rows[("youtube", 9199)])[3] == "—"
        app.copy_to_clipboard("before")
        await pilot.press("enter")
        assert app.clipboard == "before"
        assert any("has no link" in n.message for n in notices(app))

        await move_to(pilot, screen, rows[("youtube", 9198)])
        await pilot.press("y")  # the id is quoted into the link, never pasted raw
        assert app.clipboard == "https://youtu.be/%5B%2F%5Dx%1B%5B31m"
        assert app.is_running


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_feed_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def open_feed(pilot: Any) -> None:
        screen = await feed_screen(pilot)
        await move_to(pilot, screen, next(i for i, row in enumerate(screen.rows) if row.video))
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=open_feed)


async def test_refresh_while_a_page_loads_starts_over_cleanly(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver, **{"ui.page_size": 20})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await feed_screen(pilot)
        expected = await server_feed(app)
        fresh_devserver.faults.delay_next("/v2/getFeed", 0.5)
        await pilot.press("G")  # the next page is on its way, slowly
        await pilot.pause(0.05)
        await pilot.press("ctrl+r")
        await pilot.pause(0.8)  # the late page would have arrived by now
        assert shown(screen) == expected[:20]
        assert screen.query_one(KeyTable).row_count == 20

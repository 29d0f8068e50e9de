"""The Downloads screen and the download flow from a title, with real libtorrent on loopback:
the devserver's tracker hands out the demo seeder (as in `--demo`), TCP only, no discovery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from app import i18n
from app.devserver.demo_seeding import DemoSeeding
from app.messages import DownloadRequested, TitleOpened
from app.screens.choice import ChoiceScreen
from app.screens.downloads import DownloadsScreen, tracker_line
from app.screens.file_picker import FilePickerScreen
from app.screens.title import TitleScreen
from app.services.torrent_meta import parse_magnet, parse_torrent
from app.services.torrent_search import hit_from_anilibria, release_name
from app.services.torrents import TrackerSummary
from app.sources.anilibria.models import Title, Torrent
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.notifications import notices
from tests.support import screen_of, wait_for

DOWNLOAD_WAIT_S = 40.0
NO_SEEDING = {"torrents.seed_ratio": 0.0}
"""A finished download is completed at once (no seeding goal to wait for)."""


@pytest.fixture
def seeding(fresh_devserver: Any, tmp_path: Path) -> Iterator[DemoSeeding]:
    """The devserver's tracker seeds every catalog torrent on demand, like the demo."""
    seeder = DemoSeeding(fresh_devserver, tmp_path / "seeds", upload_rate_limit=0)
    seeder.start()
    yield seeder
    seeder.close()


def multi_file_torrent(server: Any) -> tuple[int, int]:
    """(title id, torrent index in its list) of the first torrent with several files."""
    for title in server.catalog.titles:
        for index, entry in enumerate(title["torrents"]["list"]):
            if len(server.catalog.torrent_layout(entry["torrent_id"]).files) > 2:
                return title["id"], index
    raise AssertionError("the demo catalog has no batch torrent")


async def open_title(pilot: Any, title_id: int) -> TitleScreen:
    pilot.app.post_message(TitleOpened(title_id))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TitleScreen))
    screen = screen_of(pilot.app, TitleScreen)
    await wait_for(pilot, lambda: screen.title_data is not None)
    await wait_for(pilot, screen.rest_joined.is_set)  # the poster, buttons, torrents, keys
    return screen


async def download_from_title(pilot: Any, title_id: int, torrent_index: int) -> None:
    """Title → torrent list → Enter on the torrent; stops at the file picker if it opens."""
    screen = await open_title(pilot, title_id)
    torrents = screen.query_one("#title-torrents", KeyTable)
    torrents.focus()
    torrents.move_cursor(row=torrent_index)
    await pilot.press("enter")


async def downloads_screen(pilot: Any) -> DownloadsScreen:
    await pilot.press("6")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DownloadsScreen))
    screen = screen_of(pilot.app, DownloadsScreen)
    await wait_for(pilot, lambda: screen.queue is not None)
    return screen


def status_of(screen: DownloadsScreen) -> list[str]:
    return [item.status for item in screen.items]


async def test_a_batch_from_a_title_downloads_only_the_chosen_episodes(
    app_factory: AppFactory, fresh_devserver: Any, seeding: DemoSeeding, tmp_path: Path
) -> None:
    title_id, index = multi_file_torrent(fresh_devserver)
    torrent_id = fresh_devserver.catalog.title(title_id)["torrents"]["list"][index]["torrent_id"]
    payload = fresh_devserver.catalog.torrent_payload(torrent_id)
    app = app_factory(server=fresh_devserver, **NO_SEEDING)
    async with app.run_test(size=(120, 40)) as pilot:
        await download_from_title(pilot, title_id, index)
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        # The tree opens on the torrent's folder; the first episode is one row down.
        await pilot.press("down", "space", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePickerScreen))
        screen = await downloads_screen(pilot)
        await wait_for(pilot, lambda: status_of(screen) == ["completed"], DOWNLOAD_WAIT_S)
        item = screen.items[0]
        assert item.title_id == title_id and item.selected is not None
        assert item.done == item.wanted >= sum(len(data) for _, data in payload[1:])
        # `[library] organize`: a title's download lands in its series folder.
        series = app.runtime.library.by_title(title_id)
        assert series is not None and item.folder == series.folder.name
    downloads = tmp_path / "downloads" / item.folder
    for path, data in payload[1:]:
        assert (downloads / path).read_bytes() == data
    first_path, first_data = payload[0]
    first = downloads / first_path
    assert not first.exists() or first.read_bytes() != first_data


async def test_downloads_keys_pause_stop_priority_and_remove_with_files(
    app_factory: AppFactory, fresh_devserver: Any, seeding: DemoSeeding, tmp_path: Path
) -> None:
    # Slow enough that the download is still running while the keys are pressed.
    seeding.seeder.set_upload_rate_limit(8 * 1024)
    title_id, index = multi_file_torrent(fresh_devserver)
    app = app_factory(server=fresh_devserver, **NO_SEEDING)
    async with app.run_test(size=(120, 40)) as pilot:
        await download_from_title(pilot, title_id, index)
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("enter")
        screen = await downloads_screen(pilot)
        await wait_for(pilot, lambda: status_of(screen) == ["downloading"])
        await wait_for(pilot, lambda: screen.items[0].done > 0, DOWNLOAD_WAIT_S)

        await pilot.press("p")
        await wait_for(pilot, lambda: status_of(screen) == ["paused"])
        await pilot.press("p")
        await wait_for(pilot, lambda: status_of(screen) == ["downloading"])

        await pilot.press("s")
        await wait_for(
            pilot, lambda: "stopped" in str(screen.query_one("#downloads-summary").render())
        )
        assert status_of(screen) == ["downloading"]  # stopping starts nothing new, stops nothing
        await pilot.press("s")
        await wait_for(
            pilot, lambda: "running" in str(screen.query_one("#downloads-summary").render())
        )

        await pilot.press("plus")
        await wait_for(pilot, lambda: screen.items[0].priority == "HIGH")
        await pilot.press("minus", "minus")
        await wait_for(pilot, lambda: screen.items[0].priority == "LOW")

        assert screen.queue is not None
        folder = screen.queue.save_path(screen.items[0].id)
        assert folder.exists()
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("down", "enter")  # "Remove and delete the files"
        await wait_for(pilot, lambda: screen.items == [])
        await wait_for(pilot, lambda: not any(folder.rglob("*.mkv")))


async def test_a_paused_download_survives_quitting_and_finishes_after_a_restart(
    app_factory: AppFactory, fresh_devserver: Any, seeding: DemoSeeding, tmp_path: Path
) -> None:
    """The issue's "done when": download, pause, quit, restart, resume, finish."""
    seeding.seeder.set_upload_rate_limit(16 * 1024)
    title_id, index = multi_file_torrent(fresh_devserver)
    app = app_factory(server=fresh_devserver, **NO_SEEDING)
    async with app.run_test(size=(120, 40)) as pilot:
        await download_from_title(pilot, title_id, index)
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("enter")
        screen = await downloads_screen(pilot)
        await wait_for(
            pilot, lambda: bool(screen.items) and screen.items[0].done > 0, DOWNLOAD_WAIT_S
        )
        await pilot.press("p")
        await wait_for(pilot, lambda: status_of(screen) == ["paused"])
        paused_at = screen.items[0].done
        assert 0 < paused_at < screen.items[0].wanted

    seeding.seeder.set_upload_rate_limit(0)
    again = app_factory(server=fresh_devserver, **NO_SEEDING)
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await downloads_screen(pilot)
        await wait_for(pilot, lambda: status_of(screen) == ["paused"])
        assert screen.items[0].done >= paused_at
        await pilot.press("p")
        await wait_for(pilot, lambda: status_of(screen) == ["completed"], DOWNLOAD_WAIT_S)


async def test_a_adds_a_magnet_after_refusing_bad_input(app_factory: AppFactory) -> None:
    info_hash = "c9e15763f722f23e98a29decdfae341b98d53056"
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await downloads_screen(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(app.screen.query("#prompt-input")))
        prompt = app.screen
        await pilot.press(*"magnet:?xt=urn:btih:nothex", "enter")
        problem = prompt.query_one("#prompt-problem", Static)
        await wait_for(pilot, lambda: bool(str(problem.render()).strip()))
        assert app.screen is prompt and not screen.items  # refused, said, nothing added

        prompt.query_one(Input).value = f"magnet:?xt=urn:btih:{info_hash}&dn=Added+by+hand"
        await pilot.press("enter")
        await wait_for(pilot, lambda: [item.info_hash for item in screen.items] == [info_hash])
        assert app.screen is screen


async def test_a_magnet_is_added_with_the_priority_chosen_in_the_prompt(
    app_factory: AppFactory,
) -> None:
    info_hash = "c9e15763f722f23e98a29decdfae341b98d53056"
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await downloads_screen(pilot)
        await pilot.press("s")  # stopped: the download waits, its priority is what was chosen
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(app.screen.query("#prompt-input")))
        prompt = app.screen
        await pilot.press(*f"magnet:?xt=urn:btih:{info_hash}&dn=a-b+c")  # typed, not keys
        assert prompt.query_one(Input).value.endswith("&dn=a-b+c")
        await pilot.press("tab", "plus", "shift+tab", "enter")
        await wait_for(pilot, lambda: len(screen.items) == 1)
        assert screen.items[0].priority == "HIGH"


async def test_a_batch_is_added_with_the_priority_chosen_in_the_file_picker(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    title_id, index = multi_file_torrent(fresh_devserver)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        await download_from_title(pilot, title_id, index)
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("minus", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePickerScreen))
        screen = await downloads_screen(pilot)
        await wait_for(pilot, lambda: len(screen.items) == 1)
        assert screen.items[0].priority == "LOW" and screen.items[0].selected is None


async def test_t_marks_rows_d_removes_the_marked_and_x_clears_the_waiting_after_asking(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    catalog = fresh_devserver.catalog
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await downloads_screen(pilot)
        queue = screen.queue
        assert queue is not None
        await pilot.press("s")
        await wait_for(pilot, lambda: not queue.is_running)
        for title in catalog.titles[:5]:
            entry = title["torrents"]["list"][0]
            queue.add(parse_torrent(catalog.torrent_file(entry["torrent_id"], [])), source="file")
        await wait_for(pilot, lambda: len(screen.items) == 5)
        ids = [item.id for item in screen.items]

        await pilot.press("t", "j", "t")  # marks the first and the third
        table = screen.query_one(KeyTable)
        assert str(table.get_row_at(0)[0]).startswith("◆")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")  # "Remove, keep the files"
        await wait_for(pilot, lambda: [i.id for i in screen.items] == [ids[1], ids[3], ids[4]])

        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("escape")  # asked first: nothing happens on Cancel
        await wait_for(pilot, lambda: app.screen is screen)
        assert len(screen.items) == 3
        queue.pause(ids[4])  # not waiting: X leaves it
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: [i.id for i in screen.items] == [ids[4]])


async def test_a_refused_queue_operation_becomes_a_warning(app_factory: AppFactory) -> None:
    """The download under the cursor is gone by the time the removal is confirmed: the queue
    refuses, and the screen says so instead of failing."""
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await downloads_screen(pilot)
        queue = screen.queue
        assert queue is not None
        await pilot.press("s")
        await wait_for(pilot, lambda: not queue.is_running)
        gone = queue.add(
            parse_magnet("magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056"),
            source="magnet",
        )
        await wait_for(pilot, lambda: len(screen.items) == 1)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        queue.remove(gone.id, delete_files=False)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any(
                "No download" in n.message and n.severity == "warning" for n in notices(app)
            ),
        )
        assert app.screen is screen


async def test_a_second_add_of_the_same_torrent_is_refused_with_a_pointer(
    app_factory: AppFactory, fresh_devserver: Any, seeding: DemoSeeding
) -> None:
    title_id, index = multi_file_torrent(fresh_devserver)
    app = app_factory(server=fresh_devserver, **NO_SEEDING)
    async with app.run_test(size=(120, 40)) as pilot:
        await download_from_title(pilot, title_id, index)
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        await pilot.press("enter")  # the same torrent again: refused before any file picker
        await wait_for(
            pilot, lambda: any("Already in the downloads" in n.message for n in notices(app))
        )
        assert isinstance(app.screen, TitleScreen)
        queue = await app.runtime.downloads()
        assert queue is not None and len(queue.items()) == 1


async def test_two_torrents_of_a_title_are_named_apart_as_the_torrents_screen_names_them(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    title_id = 9003  # one episode, two qualities: the same episode range twice
    data = fresh_devserver.catalog.title(title_id)
    title = Title.parse(data)
    torrents = [Torrent.parse(entry) for entry in data["torrents"]["list"][:2]]
    expected = [hit_from_anilibria(title, torrent).title for torrent in torrents]
    assert expected[0] != expected[1]
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        title_screen = await open_title(pilot, title_id)
        rows = title_screen.query_one("#title-torrents", KeyTable)
        rows.focus()
        for index, name in enumerate(expected):
            rows.move_cursor(row=index)
            await pilot.press("enter")
            await wait_for(pilot, lambda n=name: any(n in x.message for x in notices(app)))  # type: ignore[misc]
        screen = await downloads_screen(pilot)
        await wait_for(pilot, lambda: len(screen.items) == 2)
        assert [item.label for item in screen.items] == expected
        table = screen.query_one(KeyTable)
        assert [str(table.get_row_at(row)[0]) for row in (0, 1)] == expected


async def test_details_mark_wanted_files_unlike_watched_and_say_how_trackers_are(
    app_factory: AppFactory, fresh_devserver: Any, seeding: DemoSeeding
) -> None:
    seeding.seeder.set_upload_rate_limit(8 * 1024)  # still in the engine while we look
    app = app_factory(server=fresh_devserver, **NO_SEEDING)
    async with app.run_test(size=(120, 40)) as pilot:
        await download_from_title(pilot, 9001, 0)
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("enter")
        screen = await downloads_screen(pilot)
        await wait_for(pilot, lambda: status_of(screen) == ["downloading"])
        await pilot.press("enter")
        network = screen.query_one("#detail-network", Static)
        await wait_for(
            pilot,
            lambda: "working" in str(network.render()) and "Peers (1)" in str(network.render()),
            DOWNLOAD_WAIT_S,
        )
        assert "next announce in" in str(network.render())
        files = screen.query_one("#detail-files", DataTable)
        marks = {str(files.get_row_at(row)[0]) for row in range(files.row_count)}
        assert marks == {"☑"}


def test_a_tracker_line_says_its_error_or_that_it_was_not_asked_yet() -> None:
    failing = TrackerSummary("http://t/announce", 0, "error", "Connection refused", None, None)
    assert str(tracker_line(failing, 0.0)) == "http://t/announce  error: Connection refused"
    waiting = TrackerSummary("http://t/announce", 0, "not contacted", "", None, None, 95.0)
    assert str(tracker_line(waiting, 5.0)) == (
        "http://t/announce  not contacted yet · next announce in 01:30"
    )


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_downloads_snapshot(
    snap_compare: Any,
    app_factory: AppFactory,
    fresh_devserver: Any,
    size: tuple[int, int],
    lang: str,
) -> None:
    """A stopped queue with waiting downloads: every figure on screen is deterministic."""
    catalog = fresh_devserver.catalog

    async def fill_queue(pilot: Any) -> None:
        screen = await downloads_screen(pilot)
        queue = screen.queue
        assert queue is not None
        await pilot.press("s")
        await wait_for(pilot, lambda: not queue.is_running)
        for title in catalog.titles[:3]:
            entry = title["torrents"]["list"][0]
            spec = parse_torrent(catalog.torrent_file(entry["torrent_id"], []))
            queue.add(
                spec,
                title_id=title["id"],
                title_name=release_name(Title.parse(title), Torrent.parse(entry)),
                episodes=entry["series"]["string"],
                source="anilibria",
            )
        await wait_for(pilot, lambda: len(screen.items) == 3)
        await pilot.press("j", "plus")
        await wait_for(pilot, lambda: screen.items[1].priority == "HIGH")
        await pilot.pause()

    assert snap_compare(
        app_factory(server=fresh_devserver, lang=lang), terminal_size=size, run_before=fill_queue
    )


async def test_the_russian_ui_refuses_bad_input_and_a_duplicate_in_russian(
    app_factory: AppFactory,
) -> None:
    magnet = "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=Added+by+hand"
    app = app_factory(lang="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await downloads_screen(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(app.screen.query("#prompt-input")))
        prompt = app.screen
        prompt.query_one(Input).value = "magnet:?xt=urn:btih:nothex"
        await pilot.press("enter")
        problem = prompt.query_one("#prompt-problem", Static)
        await wait_for(pilot, lambda: bool(str(problem.render()).strip()))
        assert str(problem.render()) == "Info-hash в magnet-ссылке недействителен."

        prompt.query_one(Input).value = magnet
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.items) == 1)
        status = i18n.t(screen.items[0].status)
        app.post_message(DownloadRequested(parse_magnet(magnet), source="magnet"))
        expected = f"Уже в загрузках: Added by hand ({status})"
        await wait_for(pilot, lambda: any(n.message == expected for n in notices(app)))

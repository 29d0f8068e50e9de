"""Follow and download missing in the app: `F` on Favorites and Title, the followed mark in the
list, and `M` opening the file picker with only the missing episodes chosen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.coordinate import Coordinate

from app.devserver.demo_seeding import DemoSeeding
from app.messages import EpisodeDownloadRequested
from app.screens.choice import ChoiceScreen
from app.screens.file_picker import FilePickerScreen
from app.screens.follow_history import FollowHistoryScreen
from app.screens.library import LibraryScreen, SeriesScreen
from app.services.episode_numbers import episode_from_name
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_downloads import DOWNLOAD_WAIT_S, open_title, seeding  # noqa: F401
from tests.screens.test_favorites import favorites_screen
from tests.screens.test_library_screen import open_library, rows, status
from tests.screens.test_live_in_app import LIVE
from tests.support import screen_of, wait_for

TITLE = 9001
"""A demo title whose torrent is a folder of twelve episodes."""


def on_disk(app: Any) -> tuple[int | float, ...] | None:
    series = app.runtime.library.by_title(TITLE)
    return None if series is None else series.episodes_on_disk


def table_rows(screen: Any) -> list[list[str]]:
    table = screen.query_one(KeyTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_m_on_a_title_preselects_only_the_missing_episodes(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        library = app.runtime.library
        # The scan after start-up first: a scan asked while one runs gets that one's result.
        await wait_for(pilot, lambda: library.last_scan is not None)
        series = await library.ensure_series(TITLE)
        for episode in (2, 5):
            (series.folder / f"Starlight Courier - {episode:02d}.mkv").write_bytes(b"\0")
        await library.scan()
        await open_title(pilot, TITLE)
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        assert picked_episodes(app) == [1, 3, 4, 6, 7, 8, 9, 10, 11, 12]


async def test_m_on_the_library_queues_the_missing_episodes_of_the_marked_series(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        library = app.runtime.library
        # The scan after start-up first: a scan asked while one runs gets that one's result.
        await wait_for(pilot, lambda: library.last_scan is not None)
        series = await library.ensure_series(TITLE)
        (series.folder / "Starlight Courier - 02.mkv").write_bytes(b"\0")
        (library.root / "Home videos").mkdir()
        await library.scan()
        screen = await open_library(app, pilot)
        await wait_for(pilot, lambda: len(rows(screen)) == 2)

        # Both marked: the matched one gets its file picker, the other is named, not guessed.
        await pilot.press("t", "t", "M")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        assert picked_episodes(app) == [1, *range(3, 13)]
        assert any(
            "left alone: Home videos" in n.message and n.severity == "warning" for n in notices(app)
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))

        # In the series itself, M again; H shows what following it decided (nothing yet).
        await pilot.press("g", "t", "t", "enter")  # unmarked, the cursor on the series
        await wait_for(pilot, lambda: isinstance(app.screen, SeriesScreen))
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SeriesScreen))
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowHistoryScreen))
        history = screen_of(app, FollowHistoryScreen)
        assert "Not followed: F on a favorite follows it." in status(history)
        assert table_rows(history) == []


def picked_episodes(app: Any) -> list[int | float]:
    picker = screen_of(app, FilePickerScreen)
    assert picker.selected is not None
    return sorted(
        episode_from_name(f.path) or 0 for f in picker.files if f.index in picker.selected
    )


async def test_f_follows_a_favorite_and_the_favorites_list_marks_it(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(pilot, TITLE)
        await pilot.press("F")  # not a favorite yet: refused, and said why
        await wait_for(pilot, lambda: any("Only favorites" in n.message for n in notices(app)))
        assert not app.runtime.follow.is_followed(TITLE)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.runtime.favorites.contains(TITLE))
        await pilot.press("F")
        await wait_for(pilot, lambda: app.runtime.follow.is_followed(TITLE))
        await pilot.press("escape")

        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: [t.id for t in favorites.titles] == [TITLE])
        table = favorites.query_one(KeyTable)
        await wait_for(pilot, lambda: str(table.get_cell_at(Coordinate(0, 0))).startswith("↻ "))
        await pilot.press("F")
        await wait_for(pilot, lambda: not app.runtime.follow.is_followed(TITLE))
        await wait_for(pilot, lambda: not str(table.get_cell_at(Coordinate(0, 0))).startswith("↻ "))


async def test_a_followed_titles_new_episode_is_downloaded_into_its_folder_by_itself(
    app_factory: AppFactory,
    fresh_devserver: Any,
    seeding: DemoSeeding,  # noqa: F811
    tmp_path: Path,
) -> None:
    hub = fresh_devserver.live
    flags = {
        **LIVE,
        "torrents.seed_ratio": 0.0,
        "follow.sources": "anilibria",
        "library.nfo": True,
        "library.episode_nfo": True,
    }
    app = app_factory(server=fresh_devserver, **flags)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(pilot, TITLE)
        await pilot.press("f", "F")
        await wait_for(pilot, lambda: app.runtime.follow.is_followed(TITLE))
        await asyncio.to_thread(hub.wait_for_clients, 1, subscriptions=1)
        follow = app.runtime.follow

        # Out before AniLibria's torrent holds it: not found, and said so.
        episode = int(await asyncio.to_thread(hub.new_episode, TITLE))
        await wait_for(pilot, lambda: [e.outcome for e in follow.history(TITLE)] == ["not_found"])
        # The reissued torrent (torrent_update) holds it: queued by itself, downloaded.
        await asyncio.to_thread(hub.update_torrents, TITLE)
        await wait_for(pilot, lambda: follow.history(TITLE)[0].outcome == "queued")
        queue = app.runtime.opened_downloads
        assert queue is not None
        await wait_for(pilot, lambda: len(queue.items()) == 1)  # added after the claim
        (item,) = queue.items()
        await wait_for(pilot, lambda: queue.get(item.id).status == "completed", DOWNLOAD_WAIT_S)  # type: ignore[union-attr]
        # The finished download is scanned by itself: the library has the episode on disk,
        # and the series that grew is described for Kodi (`[library] nfo`, `episode_nfo`).
        library = app.runtime.library
        await wait_for(pilot, lambda: on_disk(app) == (episode,))
        series = library.by_title(TITLE)
        assert series is not None and item.folder == series.folder.name
        await wait_for(pilot, lambda: (series.folder / "tvshow.nfo").is_file())
        (video,) = library.episodes(series.id)
        await wait_for(pilot, lambda: video.path.with_suffix(".nfo").is_file())
        assert any(f"Episode {episode} queued" in n.message for n in notices(app))

        # `H` on the Title: the follow history, newest first.
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowHistoryScreen))
        history = screen_of(app, FollowHistoryScreen)
        decided = [row[1:3] for row in table_rows(history)]
        number = str(episode)
        assert decided == [[number, "queued"], [number, "found"], [number, "not found"]]


async def test_a_download_made_before_its_series_is_offered_to_move_into_it(
    app_factory: AppFactory,
    fresh_devserver: Any,
    seeding: DemoSeeding,  # noqa: F811
) -> None:
    # Downloads made without series folders (as before the library, or with organize off).
    flags = {"torrents.seed_ratio": 0.0, "library.organize": False}
    app = app_factory(server=fresh_devserver, **flags)
    async with app.run_test(size=(120, 40)) as pilot:
        library = app.runtime.library
        await wait_for(pilot, lambda: library.last_scan is not None)
        title = await open_title(pilot, TITLE)
        assert title.title_data is not None
        app.post_message(EpisodeDownloadRequested(title.title_data, 2))
        await wait_for(pilot, lambda: app.runtime.opened_downloads is not None)
        queue = app.runtime.opened_downloads
        assert queue is not None
        await wait_for(pilot, lambda: len(queue.items()) == 1)
        (item,) = queue.items()
        await wait_for(pilot, lambda: queue.get(item.id).status == "completed", DOWNLOAD_WAIT_S)  # type: ignore[union-attr]
        assert item.folder == ""

        # `a` makes the series: the move is offered, and nothing moves until the user says.
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "outside its series folder" in app.screen.question  # type: ignore[attr-defined]
        series = library.by_title(TITLE)
        assert series is not None and queue.get(item.id).folder == ""  # type: ignore[union-attr]
        await pilot.press("enter")  # "Move them"
        await wait_for(pilot, lambda: queue.get(item.id).folder == series.folder.name)  # type: ignore[union-attr]
        # Found there by the scan that follows: the episode is on disk in its series.
        await wait_for(pilot, lambda: on_disk(app) == (2,))
        assert library.strays() == []

"""Snapshots of the Library screen and a series' episodes, over a library of real folders: three
series of the local server's titles with some episodes on disk (one described for Kodi), and a
folder matched to no title."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.application import AniApp
from app.screens.library import LibraryScreen, SeriesScreen
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.support import screen_of, wait_for

ON_DISK = {9001: (1, 2, 3, 5), 9002: (1,), 9013: ()}
"""The episodes each title's series has on disk."""
SHOWN_ROOT = "/home/user/Anime"
"""The library's folder as the snapshots show it (the tests' temp dir changes every run)."""


async def make_library(app: AniApp, pilot: Any) -> Path:
    """The series folders, scanned; the library's root."""
    library = app.runtime.library
    # The scan after start-up first: a scan asked while one runs gets that one's result.
    await wait_for(pilot, lambda: library.last_scan is not None)
    for title_id, episodes in ON_DISK.items():
        series = await library.ensure_series(title_id)
        for episode in episodes:
            name = f"[Group] {series.folder.name} - {episode:02d} [1080p].mkv"
            (series.folder / name).write_bytes(b"\0" * 1024 * 1024 * episode)
    first = library.by_title(9001)
    assert first is not None
    (first.folder / "tvshow.nfo").write_text("<tvshow><title>mine</title></tvshow>")
    (first.folder / "poster.jpg").write_bytes(b"\xff\xd8\xff poster")
    (library.root / "Home videos").mkdir()
    await library.scan()
    return library.root


async def library_shown(pilot: Any) -> None:
    app = pilot.app
    await make_library(app, pilot)
    await pilot.press("L")
    await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
    screen = screen_of(app, LibraryScreen)

    def counted() -> bool:
        # Every matched series shows how many episodes are out.
        table = screen.query_one(KeyTable)
        return table.row_count == 4 and all(
            "?" not in str(table.get_row_at(row)[2])
            for row, (_key, series) in enumerate(screen.row_series.items())
            if series.title_id is not None
        )

    await wait_for(pilot, counted)
    await pilot.pause()


async def series_shown(pilot: Any) -> None:
    app = pilot.app
    root = await make_library(app, pilot)
    series = app.runtime.library.by_title(9001)
    assert series is not None
    app.push_screen(SeriesScreen(series.id))
    await wait_for(pilot, lambda: isinstance(app.screen, SeriesScreen))
    screen = screen_of(app, SeriesScreen)
    # Its four files and the eight episodes out that no file has.
    await wait_for(pilot, lambda: any(table.row_count == 12 for table in screen.query(KeyTable)))
    status = screen.query_one(StatusLine)
    status.info(str(status.render()).replace(str(root), SHOWN_ROOT))
    await pilot.pause()


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_library_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=library_shown)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_series_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=series_shown)


async def test_a_series_lists_its_episodes_in_order_with_the_missing_ones_in_place(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await series_shown(pilot)
        table = screen_of(app, SeriesScreen).query_one(KeyTable)
        rows = [table.get_row_at(row) for row in range(table.row_count)]
        assert [str(cells[0]) for cells in rows] == [str(n) for n in range(1, 13)]
        assert "missing" in str(rows[3][1]) and "- 05 " in str(rows[4][1])
        # Enter on a file still finds that file, not the row's neighbour in another order.
        table.move_cursor(row=4)
        episode = screen_of(app, SeriesScreen).row_files.at_cursor(table)
        assert episode is not None and "- 05 " in episode.shown

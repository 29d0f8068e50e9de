"""The Library screen over real series folders in a tmp library root: the list, its sort and
filter, a rescan, a series' episodes played from disk, a title added with `a`, the NFO actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import OptionList, Static

from app.application import AniApp
from app.devserver.demo_media import clip
from app.messages import FollowToggled
from app.screens.choice import ChoiceScreen
from app.screens.favorites import FOLLOWED_MARK
from app.screens.library import LibraryScreen, SeriesScreen, TextScreen
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_playback import HEADLESS_PLAYER, open_title
from tests.support import screen_of, wait_for

TITLE = 9001


def make_library(root: Path) -> None:
    """Two series folders nobody matched: one with two episodes, one empty."""
    show = root / "Some Show (2024)"
    show.mkdir(parents=True)
    for number in (1, 2):
        (show / f"[Group] Some Show - 0{number} [1080p].mkv").write_bytes(b"not a video")
    (root / "Empty Show").mkdir()


def rows(screen: Any) -> list[list[str]]:
    table = screen.query_one(KeyTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def status(screen: Any) -> str:
    return str(screen.query_one(StatusLine).render())


async def open_library(app: AniApp, pilot: Any) -> LibraryScreen:
    await pilot.press("L")
    await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
    return screen_of(app, LibraryScreen)


async def choose(app: AniApp, pilot: Any, key: str, answer: str) -> None:
    """Press `key` and pick the answer whose id is `answer` in the choice it opens."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
    highlight(app, answer)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))


async def test_the_library_lists_filters_sorts_and_rescans_the_series_on_disk(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    root = tmp_path / "downloads"
    make_library(root)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_library(app, pilot)
        await wait_for(pilot, lambda: len(rows(screen)) == 2)
        assert [r[1:3] for r in rows(screen)] == [
            ["Empty Show", "0 / ?"],
            ["Some Show (2024)", "2 / ?"],
        ]
        await wait_for(pilot, lambda: "2 series in" in status(screen))

        await pilot.press("e")  # only the series with no episodes on disk
        assert [r[1] for r in rows(screen)] == ["Empty Show"]
        await pilot.press("e")
        assert len(rows(screen)) == 2

        # A file lands in the empty series: ctrl+r rescans and the row follows.
        (root / "Empty Show" / "Empty Show E05.mkv").write_bytes(b"x")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: rows(screen)[0][2] == "1 / ?")

        await pilot.press("t")  # marks the row under the cursor, moves down
        assert [r[0] for r in rows(screen)] == ["●", ""]
        assert [s.display_name for s in screen.chosen_series()] == ["Empty Show"]


async def test_a_scan_of_a_missing_root_says_so_and_keeps_the_last_result(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    root = tmp_path / "library"
    make_library(root)
    app = app_factory(**{"library.root": str(root)})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_library(app, pilot)
        await wait_for(pilot, lambda: len(rows(screen)) == 2)
        (root / "Empty Show").rmdir()
        for file in (root / "Some Show (2024)").iterdir():
            file.unlink()
        (root / "Some Show (2024)").rmdir()
        root.rmdir()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "The last scan is kept." in status(screen))
        assert len(rows(screen)) == 2


async def test_a_title_added_with_a_gets_its_folder_and_shows_what_is_missing(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory(**HEADLESS_PLAYER)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, TITLE)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.runtime.library.by_title(TITLE) is not None)
        series = app.runtime.library.by_title(TITLE)
        assert series is not None and series.folder.is_dir()
        assert series.folder.parent == tmp_path / "downloads"
        await wait_for(pilot, lambda: any(str(series.folder) in n.message for n in notices(app)))

        (series.folder / f"{series.folder.name} - 01.mkv").write_bytes(clip("480"))
        screen = await open_library(app, pilot)
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: rows(screen)[0][2].startswith("1 / ") and "?" not in rows(screen)[0][2]
        )
        _on_disk, total = rows(screen)[0][2].split(" / ")
        assert rows(screen)[0][3] == str(int(total) - 1)

        # Followed (a favorite first), the series is marked as Favorites marks it.
        assert not rows(screen)[0][1].startswith(FOLLOWED_MARK)
        app.runtime.favorites.add(TITLE)
        app.post_message(FollowToggled(TITLE, series.display_name))
        await wait_for(pilot, lambda: rows(screen)[0][1].startswith(FOLLOWED_MARK))

        # The series: its file, then the episodes missing; Enter on the file plays it.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SeriesScreen))
        view = screen_of(app, SeriesScreen)
        await wait_for(pilot, lambda: len(rows(view)) == int(total))
        assert rows(view)[0][:2] == ["1", f"{series.folder.name} - 01.mkv"]
        assert rows(view)[1][:2] == ["2", "missing"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        assert app.now_playing is not None
        assert (app.now_playing.title_id, app.now_playing.episode) == (TITLE, 1)
        await pilot.press("x")


async def test_nfo_created_viewed_and_not_overwritten_without_asking(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, TITLE)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.runtime.library.by_title(TITLE) is not None)
        series = app.runtime.library.by_title(TITLE)
        assert series is not None
        nfo = series.folder / "tvshow.nfo"
        screen = await open_library(app, pilot)
        await wait_for(pilot, lambda: len(rows(screen)) == 1)
        assert rows(screen)[0][4] == "—"

        await choose(app, pilot, "N", "create")
        await wait_for(pilot, lambda: nfo.is_file())
        await wait_for(pilot, lambda: rows(screen)[0][4] == "✓")
        first = nfo.read_bytes()

        # Again: it asks before replacing; "keep" leaves the file alone.
        await ask_to_replace(app, pilot)
        nfo.write_bytes(b"<tvshow>mine</tvshow>")
        await choose_open(app, pilot, "keep")
        assert nfo.read_bytes() == b"<tvshow>mine</tvshow>"
        await ask_to_replace(app, pilot)
        await choose_open(app, pilot, "overwrite")
        await wait_for(pilot, lambda: nfo.read_bytes() == first)

        await choose(app, pilot, "N", "view")
        await wait_for(pilot, lambda: isinstance(app.screen, TextScreen))
        shown = str(app.screen.query_one("#text-view", Static).render())
        assert "<tvshow>" in shown and "<uniqueid" in shown
        await pilot.press("escape")

        await choose(app, pilot, "N", "batch")
        await wait_for(pilot, lambda: isinstance(app.screen, TextScreen))
        summary = str(app.screen.query_one("#text-view", Static).render())
        assert "0 created, 1 skipped, 0 failed" in summary


async def choose_open(app: AniApp, pilot: Any, answer: str) -> None:
    """Pick `answer` in the choice on screen."""
    highlight(app, answer)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))


def replace_question(app: AniApp) -> bool:
    screen = app.screen
    return isinstance(screen, ChoiceScreen) and "Replace it?" in screen.question


async def ask_to_replace(app: AniApp, pilot: Any) -> None:
    """`N` → create on a series that has its tvshow.nfo: the question comes."""
    await pilot.press("N")
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
    highlight(app, "create")
    await pilot.press("enter")
    await wait_for(pilot, lambda: replace_question(app))


def highlight(app: AniApp, answer: str) -> None:
    options = app.screen.query_one(OptionList)
    options.highlighted = next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == answer
    )


async def test_with_library_nfo_a_series_added_is_described_for_kodi_at_once(
    app_factory: AppFactory,
) -> None:
    app = app_factory(**{"library.nfo": True})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, TITLE)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.runtime.library.by_title(TITLE) is not None)
        series = app.runtime.library.by_title(TITLE)
        assert series is not None
        await wait_for(pilot, lambda: (series.folder / "tvshow.nfo").is_file())
        await wait_for(pilot, lambda: (series.folder / "poster.jpg").is_file())

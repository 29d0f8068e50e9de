"""The local library: series folders named by Aniworld's rule, markers, scans (incremental,
confined, never crashing on odd names, never deleting), matching and missing episodes."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from app.services.library import (
    LibraryError,
    LibraryScanFailed,
    LibraryScanFinished,
    LibraryScanProgressed,
    LibraryScanStarted,
    episodes_out,
)
from app.services.library_disk import (
    MARKER_NAME,
    FolderNameError,
    LibraryRootError,
    series_folder_name,
)
from app.store.downloads import DownloadRecord, DownloadStore
from app.store.favorites import FavoritesStore
from tests.local_library.conftest import TITLE, Rig, touch


async def settle() -> None:
    """Let the bus deliver what was published."""
    for _ in range(3):
        await asyncio.sleep(0)


# folder names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "main", "year", "folder"),
    [
        (
            "Attack on Titan: Final Season",
            "Атака титанов",
            2020,
            "Attack on Titan Final Season (2020)",
        ),
        ('What? <Is> "This" | a/b\\c *', None, None, "What Is This  abc"),
        ("  ...Dotted name...  ", None, 2024, "Dotted name (2024)"),
        (
            None,
            "Провожающая в последний путь Фрирен",
            2023,
            "Провожающая в последний путь Фрирен (2023)",
        ),
        ("", "葬送のフリーレン", None, "葬送のフリーレン"),
        ("???", "Фрирен", 2023, "Фрирен (2023)"),
    ],
)
def test_series_folder_names_follow_the_aniworld_rule(
    english: str | None, main: str | None, year: int | None, folder: str
) -> None:
    assert series_folder_name(english, main, year) == folder


@pytest.mark.parametrize(
    ("english", "main"),
    [(None, None), ("?*:", " .. "), ("Bad\x07name", None), ("x" * 300, None)],
)
def test_a_name_that_cannot_name_a_folder_is_refused(english: str | None, main: str | None) -> None:
    with pytest.raises(FolderNameError):
        series_folder_name(english, main, 2024)


# adding ------------------------------------------------------------------------------------


async def test_adding_a_series_makes_its_folder_and_marker_and_scans_it(rig: Rig) -> None:
    library = rig.service()
    title = await rig.title()
    assert title.season is not None
    name = series_folder_name(title.names.en, title.names.ru, title.season.year)
    touch(rig.root / name / "Show - 02 [1080p].mkv")

    series = await library.add_series(title)

    assert series.folder == rig.root / name and series.folder.is_dir()
    marker = json.loads((series.folder / MARKER_NAME).read_text())
    assert marker["title_id"] == TITLE and marker["api"] == "AniLiberty API v1"
    assert marker["code"] == title.code
    assert (series.title_id, series.matched_by, series.episodes_on_disk) == (TITLE, "marker", (2,))
    assert await library.add_series(title) == series


async def test_a_missing_library_root_is_not_made_by_adding(rig: Rig, tmp_path: Path) -> None:
    rig.root = tmp_path / "unmounted"
    with pytest.raises(LibraryRootError):
        await rig.service().add_series(await rig.title())
    assert not rig.root.exists()


async def test_a_series_folder_that_a_symlink_leads_out_of_the_root_is_refused(
    rig: Rig, outside: Path
) -> None:
    title = await rig.title()
    assert title.season is not None
    name = series_folder_name(title.names.en, title.names.ru, title.season.year)
    (rig.root / name).symlink_to(outside)
    with pytest.raises(LibraryRootError):
        await rig.service().add_series(title)
    assert not (outside / MARKER_NAME).exists()


# scanning ----------------------------------------------------------------------------------


async def test_a_scan_lists_series_and_their_episodes_and_reports_progress(rig: Rig) -> None:
    touch(rig.root / "Show A" / "[Group] Show A - 01 [1080p].mkv", 100)
    touch(rig.root / "Show A" / "Season 1" / "[Group] Show A - 02 [1080p].mkv", 200)
    touch(rig.root / "Show A" / "Show A - 02.ass")
    touch(rig.root / "Show A" / ".hidden" / "Show A - 03.mkv")
    touch(rig.root / "Show B" / "Show B (01-12) [Batch].mkv")
    touch(rig.root / "loose - 05.mkv")
    (rig.root / "Empty").mkdir()
    library = rig.service()

    result = await library.scan()
    await settle()

    assert (result.series, result.scanned, result.unchanged) == (3, 3, 0)
    by_name = {s.folder_name: s for s in library.series()}
    assert list(by_name) == ["Empty", "Show A", "Show B"]
    assert by_name["Show A"].episodes_on_disk == (1, 2) and by_name["Show A"].files == 2
    assert by_name["Show B"].episodes_on_disk == () and by_name["Show B"].files == 1
    episodes = library.episodes(by_name["Show A"].id)
    assert [(e.shown, e.episode, e.size) for e in episodes] == [
        ("Season 1/[Group] Show A - 02 [1080p].mkv", 2, 200),
        ("[Group] Show A - 01 [1080p].mkv", 1, 100),
    ]
    assert [s.folder_name for s in library.series(no_episodes=True)] == ["Empty"]
    assert rig.of(LibraryScanStarted) and rig.of(LibraryScanFinished)[0].result == result
    assert rig.of(LibraryScanProgressed)[-1] == LibraryScanProgressed(3, 3)


async def test_a_rescan_lists_only_the_folders_that_changed(rig: Rig) -> None:
    for name in ("One", "Two", "Three"):
        touch(rig.root / name / f"{name} - 01.mkv")
    touch(rig.root / "Two" / "Season 2" / "Two - 13.mkv")
    library = rig.service()
    first = await library.scan()
    # Found for the first time, not grown: a first scan describes nothing by itself.
    assert first.grown == ()

    again = await library.scan()
    assert (again.scanned, again.unchanged) == (0, 3)

    touch(rig.root / "Two" / "Season 2" / "Two - 14.mkv")
    (rig.root / "Three" / "Three - 01.mkv").unlink()
    touch(rig.root / "Four" / "Four - 01.mkv")
    changed = await library.scan()
    assert (changed.scanned, changed.unchanged) == (3, 1)
    by_name = {s.folder_name: s for s in library.series()}
    assert by_name["Two"].episodes_on_disk == (1, 13, 14)
    assert by_name["Three"].files == 0
    # Only the series that gained an episode grew (not the one that lost one, not a new one).
    assert changed.grown == (by_name["Two"].id,)


async def test_a_folder_gone_from_disk_is_forgotten_and_nothing_is_deleted(rig: Rig) -> None:
    kept = touch(rig.root / "Kept" / "Kept - 01.mkv")
    touch(rig.root / "Gone" / "Gone - 01.mkv")
    library = rig.service()
    await library.scan()
    (rig.root / "Gone" / "Gone - 01.mkv").unlink()
    (rig.root / "Gone").rmdir()

    result = await library.scan()

    assert result.series == 1 and [s.folder_name for s in library.series()] == ["Kept"]
    assert kept.read_bytes() == b"\0" * 10


async def test_a_missing_root_says_so_and_keeps_the_last_result(rig: Rig) -> None:
    touch(rig.root / "Show" / "Show - 01.mkv")
    library = rig.service()
    await library.scan()
    moved = rig.root.with_name("moved")
    rig.root.rename(moved)

    with pytest.raises(LibraryRootError, match="does not exist"):
        await library.scan()
    await settle()

    assert rig.of(LibraryScanFailed)
    assert [s.episodes_on_disk for s in library.series()] == [(1,)]


async def test_the_download_folder_before_the_first_download_is_an_empty_library(
    rig: Rig, tmp_path: Path
) -> None:
    rig.root = rig.download_root = tmp_path / "not yet"
    library = rig.service()
    assert (await library.scan()).series == 0
    series = await library.add_series(await rig.title())
    assert series.folder.parent == rig.root and series.folder.is_dir()


async def test_a_root_that_is_a_file_is_not_a_folder(rig: Rig, tmp_path: Path) -> None:
    rig.root = touch(tmp_path / "a-file")
    with pytest.raises(LibraryRootError, match="is not a folder"):
        await rig.service().scan()


async def test_names_that_are_not_utf8_never_crash_a_scan(rig: Rig) -> None:
    root = os.fsencode(rig.root)
    folder = root + b"/Caf\xe9 Show"
    os.mkdir(folder)
    with open(folder + b"/Caf\xe9 Show - 03 [\xff].mkv", "wb") as out:
        out.write(b"video")
    library = rig.service()

    await library.scan()

    (series,) = library.series()
    assert series.folder_name == "Caf\ufffd Show" and series.episodes_on_disk == (3,)
    (episode,) = library.episodes(series.id)
    assert episode.shown == "Caf\ufffd Show - 03 [\ufffd].mkv"
    assert episode.path.read_bytes() == b"video"  # the real name, kept to open it
    assert (await library.scan()).unchanged == 1


async def test_symlinks_out_of_the_root_are_not_followed(rig: Rig, outside: Path) -> None:
    (rig.root / "Linked").symlink_to(outside)
    touch(rig.root / "Show" / "Show - 01.mkv")
    (rig.root / "Show" / "Show - 02.mkv").symlink_to(outside / "Elsewhere - 01.mkv")
    (rig.root / "Show" / "more").symlink_to(outside)
    (rig.root / "Show" / "loop").symlink_to(rig.root / "Show")
    touch(rig.root / "Inside" / "Inside - 04.mkv")
    (rig.root / "Alias").symlink_to(rig.root / "Inside")

    confined = rig.service()
    await confined.scan()
    by_name = {s.folder_name: s for s in confined.series()}
    assert sorted(by_name) == ["Alias", "Inside", "Show"]
    assert by_name["Show"].episodes_on_disk == (1,)

    free = rig.service(allow_outside_root=True)
    touch(rig.root / "Show" / "Show - 05.mkv")  # the folder changed: listed again
    await free.scan()
    by_name = {s.folder_name: s for s in free.series()}
    assert "Linked" in by_name and by_name["Show"].episodes_on_disk == (1, 2, 5)


async def test_damaged_and_foreign_markers_are_ignored_with_a_note(rig: Rig) -> None:
    touch(rig.root / "Damaged" / MARKER_NAME).write_text("{not json")
    touch(rig.root / "Foreign" / MARKER_NAME).write_text(
        json.dumps({"anitui": 1, "title_id": TITLE, "api": "AniLibria API v2"})
    )
    touch(rig.root / "No id" / MARKER_NAME).write_text(json.dumps({"title_id": "9001"}))
    library = rig.service()

    result = await library.scan()

    assert sorted((n.folder, n.message) for n in result.notes) == [
        ("Damaged", "Its marker file is damaged: it is ignored."),
        (
            "Foreign",
            "Its marker names title {title_id} of {marker_api}, not of {api}: it is ignored.",
        ),
        ("No id", "Its marker file is damaged: it is ignored."),
    ]
    assert all(s.title_id is None for s in library.series())


async def test_folders_are_matched_by_marker_then_download_then_name(rig: Rig) -> None:
    touch(rig.root / "[Group] Torrent Folder" / "ep - 01.mkv")
    touch(rig.root / "Organized" / "ep - 02.mkv")
    touch(rig.root / "Hoshi no Sakana (2024)" / "ep - 03.mkv")
    touch(rig.root / "Nobody" / "ep - 04.mkv")
    downloads = DownloadStore(rig.db)
    for n, (folder, name, title_id) in enumerate(
        [("", "[Group] Torrent Folder", 111), ("Organized", "whatever", 222)]
    ):
        downloads.insert(_download(n, folder, name, title_id), None)
    FavoritesStore(rig.db).add(333, at=1.0, name_en="Hoshi no Sakana!", name_ru="Рыба")
    rig.download_root = rig.root
    library = rig.service()

    await library.scan()

    matched = {s.folder_name: (s.title_id, s.matched_by) for s in library.series()}
    assert matched == {
        "[Group] Torrent Folder": (111, "download"),
        "Organized": (222, "download"),
        "Hoshi no Sakana (2024)": (333, "name"),
        "Nobody": (None, None),
    }


# missing episodes ------------------------------------------------------------------------


async def test_missing_episodes_are_those_out_but_on_no_file(rig: Rig) -> None:
    library = rig.service()
    title = await rig.title()
    out = episodes_out(title)
    assert len(out) >= 3
    series = await library.add_series(title)
    touch(series.folder / f"Show - {out[0]:02}.mkv")
    touch(series.folder / f"Show - {out[2]:02}.mkv")
    touch(rig.root / "Unmatched" / "x - 01.mkv")
    await library.scan()
    unmatched = next(s for s in library.series() if s.title_id is None)
    assert library.get(series.id) is not None and library.get(series.id).missing is None  # type: ignore[union-attr]

    missing = await library.missing(series.id)

    assert missing == tuple(e for e in out if e not in (out[0], out[2]))
    assert [s.id for s in library.series(sort="missing")] == [series.id, unmatched.id]
    with pytest.raises(LibraryError):
        await library.missing(unmatched.id)


async def test_a_marker_naming_an_unknown_title_loses_its_match(rig: Rig) -> None:
    touch(rig.root / "Ghost" / MARKER_NAME).write_text(
        json.dumps({"title_id": 987654, "api": "AniLiberty API v1"})
    )
    library = rig.service()
    await library.scan()
    (ghost,) = library.series()
    assert ghost.title_id == 987654

    with pytest.raises(LibraryError, match="does not know"):
        await library.missing(ghost.id)
    assert library.series()[0].title_id is None


async def test_the_scheduler_scans_on_time_and_outlives_a_failed_scan(rig: Rig) -> None:
    library = rig.service()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            rig.root.rename(rig.root.with_name("away"))
        elif len(waits) == 2:
            rig.root.with_name("away").rename(rig.root)
        else:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await library.keep_scanned(60.0, sleep=sleep)
    await settle()
    assert waits == [60.0, 60.0, 60.0]
    assert len(rig.of(LibraryScanFinished)) == 2 and len(rig.of(LibraryScanFailed)) == 1


def _download(n: int, folder: str, name: str, title_id: int) -> DownloadRecord:
    return DownloadRecord(
        id=f"d{n}",
        info_hash=f"{n:040x}",
        name=name,
        title_id=title_id,
        title_name=None,
        episodes=None,
        source="anilibria",
        magnet=None,
        status="completed",
        priority="NORMAL",
        position=n,
        folder=folder,
        selected=None,
        added_at=1.0,
        started_at=None,
        completed_at=None,
        done=0,
        wanted=0,
        error=None,
        retry_count=0,
        next_retry_at=None,
    )

"""Batch creation with a concurrency limit and a summary, and the file writing underneath it:
atomic, readable by a media server, never over a file it was not told to replace."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

import pytest

from app.services.nfo import (
    ArtworkStatus,
    BatchOutcome,
    SeriesFolderError,
    write_atomically,
    write_in_thread,
)
from tests.nfo.conftest import Library, parsed, texts
from tests.nfo.test_nfo_actions import USERS


class CountingWriter:
    """A writer that counts the writes in progress at once; each write lets every other task
    run a few times first, so that nothing but a limit keeps them from overlapping."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.paths: list[Path] = []

    async def __call__(self, path: Path, data: bytes, replace: bool) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        self.paths.append(path)
        try:
            for _ in range(5):
                await asyncio.sleep(0)
            await write_in_thread(path, data, replace)
        finally:
            self.running -= 1


@pytest.mark.parametrize("limit", [1, 2])
async def test_a_batch_works_on_at_most_the_limit_at_once(library: Library, limit: int) -> None:
    series = [await library.series(9001 + n) for n in range(6)]
    writer = CountingWriter()

    summary = await library.service(concurrency=limit, write=writer).create_many(
        series, media=False
    )

    assert writer.most == limit
    assert summary.created == 6 and summary.skipped == summary.failed == 0
    assert all((item.folder / "tvshow.nfo").is_file() for item in series)


async def test_the_summary_counts_created_skipped_and_failed_with_reasons(
    library: Library,
) -> None:
    fresh = await library.series(9001, "Fresh")
    existing = await library.series(9005, "Existing")
    (existing.folder / "tvshow.nfo").write_bytes(USERS)
    gone = await library.series(9008, "Gone")
    gone.folder.rmdir()
    gone.folder.write_bytes(b"a file where the folder was")

    summary = await library.service().create_many([fresh, existing, gone])

    assert (summary.created, summary.skipped, summary.failed) == (1, 1, 1)
    created, skipped, failed = summary.items
    assert (created.series, created.outcome) == (fresh, BatchOutcome.CREATED)
    assert created.state is not None and created.state.poster.status is ArtworkStatus.PRESENT
    assert (skipped.series, skipped.outcome) == (existing, BatchOutcome.SKIPPED)
    assert (existing.folder / "tvshow.nfo").read_bytes() == USERS
    assert (failed.series, failed.outcome) == (gone, BatchOutcome.FAILED)
    assert isinstance(failed.error, SeriesFolderError)
    assert "Gone" in str(failed.error)


async def test_a_batch_with_overwrite_replaces_what_is_there(library: Library) -> None:
    existing = await library.series(9005, "Existing")
    (existing.folder / "tvshow.nfo").write_bytes(USERS)

    summary = await library.service().create_many([existing], overwrite=True, media=False)

    assert summary.created == 1
    title = texts(parsed(existing.folder / "tvshow.nfo"), "title")
    assert title == [existing.title.display_name]


def test_written_files_are_readable_by_others_and_leave_no_temporary(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "tvshow.nfo", b"<tvshow/>", False)
    finally:
        os.umask(mask)
    assert (tmp_path / "tvshow.nfo").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["tvshow.nfo"]


def test_a_file_there_is_kept_unless_replacing(tmp_path: Path) -> None:
    path = tmp_path / "poster.jpg"
    path.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        write_atomically(path, b"theirs", False)
    assert path.read_bytes() == b"mine"
    write_atomically(path, b"theirs", True)
    assert path.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["poster.jpg"]


def test_without_hard_links_a_new_file_is_still_written_and_an_old_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FAT and exFAT (the usual media drive) have no hard links.
    def no_links(source: object, target: object, **_: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    write_atomically(tmp_path / "fanart.jpg", b"new", False)
    assert (tmp_path / "fanart.jpg").read_bytes() == b"new"
    with pytest.raises(FileExistsError):
        write_atomically(tmp_path / "fanart.jpg", b"newer", False)
    assert (tmp_path / "fanart.jpg").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["fanart.jpg"]

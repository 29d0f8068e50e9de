"""Moving a download's files into another folder (`DownloadQueue.relocate`, libtorrent's
`move_storage`) with real downloads from the loopback seeder: the folder changes only once
libtorrent says the files moved, nothing is moved over a file, nothing leaves the root."""

from __future__ import annotations

import pytest

from app.services.downloads import DownloadChanged, DownloadError, DownloadMoveFailed
from tests.downloads.conftest import Harness, one, stored, until


async def test_a_running_queue_moves_a_finished_download_into_a_folder(harness: Harness) -> None:
    queue = harness.queue()
    spec, files = harness.torrent()
    harness.dial()
    item = queue.add(spec, source="file", title_id=7)
    await until(lambda: one(queue, item.id).status == "completed", what="completed")

    queue.relocate(item.id, "Show (2024)")
    # Asked, not done: the stored folder is still the old one until libtorrent says so.
    assert stored(harness.store, item.id).folder == ""
    await until(lambda: one(queue, item.id).folder == "Show (2024)", what="moved")
    assert stored(harness.store, item.id).folder == "Show (2024)"
    assert harness.files_match(files, harness.root / "Show (2024)")
    assert not any((harness.root / path).exists() for path in files)
    assert any(e.item.folder == "Show (2024)" for e in harness.events.of(DownloadChanged))


async def test_a_download_of_an_earlier_run_is_moved_and_leaves_the_engine(
    harness: Harness,
) -> None:
    queue = harness.queue()
    spec, files = harness.torrent()
    harness.dial()
    item = queue.add(spec, source="file")
    await until(lambda: one(queue, item.id).status == "completed", what="completed")
    await harness.stop_dialing()
    await harness.close_queue(queue)
    again = harness.queue()  # a completed download is not restored: not in the engine
    assert not again._engine.has(spec.info_hash)

    again.relocate(item.id, "Series")
    await until(lambda: one(again, item.id).folder == "Series", what="moved")
    assert harness.files_match(files, harness.root / "Series")
    await until(lambda: not again._engine.has(spec.info_hash), what="left the engine")
    assert one(again, item.id).status == "completed"


async def test_nothing_is_moved_over_a_file_or_out_of_the_root(harness: Harness) -> None:
    queue = harness.queue()
    spec, files = harness.torrent()
    harness.dial()
    item = queue.add(spec, source="file")
    await until(lambda: one(queue, item.id).status == "completed", what="completed")
    name = spec.name
    (harness.root / "Taken" / name).mkdir(parents=True)

    with pytest.raises(DownloadError, match="already there"):
        queue.relocate(item.id, "Taken")
    with pytest.raises(DownloadError):
        queue.relocate(item.id, "../elsewhere")
    with pytest.raises(DownloadError, match="already in"):
        queue.relocate(item.id, "")
    assert one(queue, item.id).folder == ""
    assert harness.files_match(files)


async def test_a_move_libtorrent_refuses_is_told_and_the_folder_stays(harness: Harness) -> None:
    queue = harness.queue()
    spec, files = harness.torrent()
    harness.dial()
    item = queue.add(spec, source="file")
    await until(lambda: one(queue, item.id).status == "completed", what="completed")
    # A file where the destination folder would be: libtorrent cannot make it (the check
    # before the move sees no file of the download in the way).
    (harness.root / "Blocked").write_bytes(b"not a folder")

    queue.relocate(item.id, "Blocked")
    await until(lambda: harness.events.of(DownloadMoveFailed), what="move failed")
    (failed,) = harness.events.of(DownloadMoveFailed)
    assert failed.item.id == item.id and failed.reason
    assert one(queue, item.id).folder == "" and stored(harness.store, item.id).folder == ""
    assert harness.files_match(files)

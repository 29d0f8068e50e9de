"""`[library] organize`: a new download of a title goes to the folder the library gives it (its
series folder), when the download root may hold it; others and explicit folders are as before."""

from __future__ import annotations

from pathlib import Path

from tests.downloads.conftest import Harness


async def test_a_titles_new_download_goes_to_its_series_folder(
    harness: Harness, tmp_path: Path
) -> None:
    series = harness.root / "Kira's Ice Tower (2024)"
    folders = {1: str(series), 2: str(tmp_path / "outside (2024)")}
    queue = harness.queue(folder_for=folders.get)
    queue.stop_queue()  # only where they would go matters here

    organized = queue.add(harness.torrent(seed=False)[0], source="anilibria", title_id=1)
    outside = queue.add(harness.torrent(seed=False)[0], source="anilibria", title_id=2)
    unknown = queue.add(harness.torrent(seed=False)[0], source="anilibria", title_id=3)
    untitled = queue.add(harness.torrent(seed=False)[0], source="file")
    chosen = queue.add(
        harness.torrent(seed=False)[0], source="anilibria", title_id=1, folder="mine"
    )

    assert organized.folder == "Kira's Ice Tower (2024)"
    assert queue.save_path(organized.id) == series
    assert (outside.folder, unknown.folder, untitled.folder) == ("", "", "")
    assert chosen.folder == "mine"

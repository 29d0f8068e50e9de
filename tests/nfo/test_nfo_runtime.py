"""The runtime's NFO service takes `[library]` as the user set it, against the devserver (v1 as
the app runs by default)."""

from __future__ import annotations

from pathlib import Path

from app.devserver.server import DevServer
from app.services.nfo import EpisodeFile, SeriesFolder
from app.services.runtime import Runtime
from tests.support import settings_for


async def series_in(runtime: Runtime, folder: Path) -> SeriesFolder:
    folder.mkdir(parents=True)
    (folder / "Show - 01.mkv").write_bytes(b"")
    title = (await runtime.catalog.title(9001)).value
    return SeriesFolder(folder, title, (EpisodeFile(folder / "Show - 01.mkv", 1),))


async def test_the_library_settings_reach_the_nfo_service(
    devserver: DevServer, tmp_path: Path
) -> None:
    settings = settings_for(
        devserver, tmp_path, api="v1", **{"library.nfo": True, "library.episode_nfo": True}
    )
    runtime = Runtime.open(settings)
    try:
        series = await series_in(runtime, tmp_path / "library" / "Starlight Courier (2019)")
        state = await runtime.nfo.write_automatically(series)
        assert state is not None and state.has_nfo
        assert (series.folder / "Show - 01.nfo").is_file()
    finally:
        await runtime.aclose()


async def test_by_default_nothing_is_written_by_itself(
    devserver: DevServer, tmp_path: Path
) -> None:
    runtime = Runtime.open(settings_for(devserver, tmp_path, api="v1"))
    try:
        series = await series_in(runtime, tmp_path / "library" / "Starlight Courier (2019)")
        assert await runtime.nfo.write_automatically(series) is None
        await runtime.nfo.create(series, media=False)
        assert sorted(p.name for p in series.folder.iterdir()) == ["Show - 01.mkv", "tvshow.nfo"]
    finally:
        await runtime.aclose()

"""`--demo` shows the library for real: a first demo run starts with a few series folders (the
demo clip as some of their episodes), one of them followed; its new episode comes out, is
queued, downloaded from the demo seeder into the series folder and shown present."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.bootstrap import DEMO_FOLLOWED, DEMO_LIBRARY, LocalDemo, make_app, open_runtime
from app.config import Settings, load_settings
from app.devserver.demo_media import clip
from app.screens.library import LibraryScreen
from app.services.library import Series
from app.widgets.title_table import KeyTable
from tests.screens.test_downloads import DOWNLOAD_WAIT_S
from tests.support import screen_of, wait_for


def demo_flags(home: Path) -> Settings:
    return load_settings(
        {
            "demo": True,
            "data_dir": str(home / "data"),
            "cache_dir": str(home / "cache"),
            "download_dir": str(home / "downloads"),
            "lang": "en",
            # Polled often, so the new episode is seen at once.
            "live.poll_interval": 0.2,
            "torrents.seed_ratio": 0.0,
        },
        environ={},
        default_config_file=home / "no-config.toml",
    )


async def test_the_demo_library_gets_its_followed_shows_new_episode_by_itself(
    tmp_path: Path,
) -> None:
    settings = demo_flags(tmp_path)
    runtime = open_runtime(settings)
    demo = runtime.demo
    assert isinstance(demo, LocalDemo)
    hub = demo.server.live
    # Released below, when the test has seen the library without it (the demo does it the
    # same way, `tests/devserver/test_live_server.py`, after `DEMO_EPISODE_DELAYS`).
    hub.demo_episode_delays = ()
    out = demo.server.catalog.title(DEMO_FOLLOWED)
    assert out is not None
    new = int(out["player"]["series"]["last"]) + 1  # the episode the demo releases
    app = make_app(settings, runtime=runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        library = app.runtime.library

        def followed() -> Series | None:
            return library.by_title(DEMO_FOLLOWED)

        await wait_for(pilot, lambda: {s.title_id for s in library.series()} == set(DEMO_LIBRARY))
        series = followed()
        assert series is not None and series.folder.parent == tmp_path / "downloads"
        first = min(DEMO_LIBRARY[DEMO_FOLLOWED])
        (video,) = [e for e in library.episodes(series.id) if e.episode == first]
        assert video.path.read_bytes() == clip("480")  # a real clip: it plays
        assert app.runtime.follow.is_followed(DEMO_FOLLOWED)

        # The Library is open as its next episode comes out, is queued and downloads into
        # its folder: the row follows, with the new episode out.
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        table = screen_of(app, LibraryScreen).query_one(KeyTable)
        on_disk = len(DEMO_LIBRARY[DEMO_FOLLOWED])

        def shows(text: str) -> bool:
            return any(str(table.get_row_at(i)[2]) == text for i in range(table.row_count))

        await wait_for(pilot, lambda: shows(f"{on_disk} / {new - 1}"))
        await asyncio.to_thread(hub.new_episode, DEMO_FOLLOWED)
        await asyncio.to_thread(hub.update_torrents, DEMO_FOLLOWED)
        await wait_for(pilot, lambda: shows(f"{on_disk + 1} / {new}"), DOWNLOAD_WAIT_S)
        assert new in (getattr(followed(), "episodes_on_disk", None) or ())
        queue = app.runtime.opened_downloads
        assert queue is not None
        (item,) = queue.items()
        assert item.folder == series.folder.name and item.status in ("completed", "seeding")

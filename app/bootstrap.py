"""The composition root: loaded settings in, the app with its open services out.

`cli.py` reads the settings; `make_app` opens the `Runtime` for them and wraps it in an `AniApp`.
For `--demo` it first starts the local servers (the only place outside the tests that imports
`app.devserver`, and only then, so a normal start never pays for aiohttp and the demo catalog)
and gives the runtime a copy of the settings pointed at them, with the servers as its
`DemoServers`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from app import i18n
from app.application import AniApp
from app.config import Settings
from app.paths import AppPaths
from app.services.runtime import Runtime

if TYPE_CHECKING:
    from app.devserver.demo_seeding import DemoSeeding
    from app.devserver.server import DevServer

log = logging.getLogger("anitui")


def make_app(
    settings: Settings, *, runtime: Runtime | None = None, clock: Callable[[], float] = time.time
) -> AniApp:
    """The real app for `settings`, in their UI language; its services are `runtime`, else
    opened here (`open_runtime`). Tests and --demo use it with temp dirs and local servers."""
    i18n.set_language(i18n.resolve_language(settings.lang, os.environ))
    return AniApp(runtime or open_runtime(settings), clock=clock)


def open_runtime(settings: Settings) -> Runtime:
    """The services of one run. With `settings.demo` the demo servers start first and the
    runtime gets `demo_settings` for them; `settings` itself stays as it is."""
    if not settings.demo:
        return Runtime.open(settings)
    from app.devserver.demo import service_urls

    paths = AppPaths.resolve(
        settings.data_dir, settings.cache_dir, settings.download_dir, demo=True
    )
    server = start_demo_server(paths)
    demo = LocalDemo(server, paths.cache_dir() / "demo-seeds")
    try:
        runtime = Runtime.open(demo_settings(settings, service_urls(server)), demo=demo)
        if not runtime.browse_only:
            demo.prepare_library(runtime)
        return runtime
    except BaseException:
        # The runtime would have stopped them; without one nothing else would.
        demo.stop()
        raise


DEMO_LIBRARY: Mapping[int, tuple[int, ...]] = {
    9001: (1, 2, 3),
    9002: (1, 2, 3, 5, 8),
    9003: (1,),
    9013: (),
}
"""The demo's first library: titles of the demo catalog and the episodes each has on disk."""
DEMO_FOLLOWED = 9001
"""The demo library's followed favorite: its new episode comes out, and downloads, in the run."""
DEMO_CLIP = "480"
"""The quality of the demo clip the demo library's episode files hold."""

DEMO_POLL_INTERVAL = 5.0
"""Seconds between the v1 demo's polls: its new episodes show up soon after they come out."""


def demo_settings(settings: Settings, urls: Mapping[str, str]) -> Settings:
    """A copy of `settings` whose API URLs are the demo servers' `urls` (as
    `app.devserver.demo.service_urls` names them), with the demo's tracker for torrents that
    name none (the Torrent API's bare info-hashes: the demo's DHT is off); AniLibria through
    API v1 (polled every few seconds) unless `[anilibria] api_version` says v2."""
    v1 = settings.anilibria.api_version != "v2"
    live = settings.live
    if v1 and not settings.is_explicit("live.poll_interval"):
        live = dataclasses.replace(live, poll_interval=DEMO_POLL_INTERVAL)
    return dataclasses.replace(
        settings,
        anilibria=dataclasses.replace(
            settings.anilibria,
            api=urls["aniliberty_api" if v1 else "anilibria_api"],
            site=urls["aniliberty_site" if v1 else "anilibria_site"],
            ws=urls["anilibria_ws"],
        ),
        nekobt=dataclasses.replace(settings.nekobt, api=urls["nekobt_api"]),
        torrent_api=dataclasses.replace(settings.torrent_api, url=urls["torrent_api"]),
        torrents=dataclasses.replace(settings.torrents, default_trackers=(urls["tracker"],)),
        live=live,
    )


def start_demo_server(paths: AppPaths) -> DevServer:
    """The demo's local servers, on the port of the last demo run when it is free: the
    demo torrents' tracker URL holds the port, and a download restored after a restart
    must still find its tracker (and the demo seeder behind it)."""
    from app.devserver.demo import DEMO_EPISODE_DELAYS, demo_server

    port_file = paths.data_dir() / "demo-port"
    try:
        port = int(port_file.read_text(encoding="ascii"))
    except (OSError, ValueError):
        port = 0
    try:
        server = demo_server(port=port, episode_delays=DEMO_EPISODE_DELAYS)
        server.start()
    except RuntimeError:
        if port == 0:
            raise
        log.info("demo port %d is taken: the demo's restored downloads lose their tracker", port)
        server = demo_server(episode_delays=DEMO_EPISODE_DELAYS)
        server.start()
    port_file.write_text(str(server.port), encoding="ascii")
    return server


class LocalDemo:
    """The started demo `server` as the runtime's `DemoServers`; it seeds from files under
    `seeds` (made when the torrent engine starts, removed when seeding stops)."""

    def __init__(self, server: DevServer, seeds: Path) -> None:
        self.server = server
        self.seeds = seeds
        self._seeding: DemoSeeding | None = None
        self._new_follows: set[int] = set()
        """Titles this run's new demo library follows: their new episodes come out."""

    @property
    def api_keys(self) -> tuple[str, str]:
        """The keys the demo nekoBT and Torrent API accept."""
        from app.devserver import nekobt, torrentapi

        return nekobt.DEMO_API_KEY, torrentapi.DEMO_KEY

    def started_with(self, favorites: Iterable[int]) -> None:
        """The favorites the app starts with: the demo releases no new episodes for them,
        but for the one its new library follows."""
        self.server.live.demo_started_with(set(favorites) - self._new_follows)

    def prepare_library(self, runtime: Runtime) -> None:
        """On a first demo run (the library's folder missing or empty): a few series folders
        with their markers, the demo clip as some of their episodes, and one of them a
        followed favorite, whose new episodes come out in this run and download by
        themselves. A folder that holds anything is never touched. A few small files: the
        first paint does not wait on more than today."""
        from app.devserver.demo_media import clip
        from app.services.library_disk import Marker, series_folder_name, write_marker
        from app.store.follow import FollowStore

        root = runtime.library.root
        if root.exists() and any(root.iterdir()):
            return
        video = clip(DEMO_CLIP)
        for title_id, episodes in DEMO_LIBRARY.items():
            title = self.server.catalog.title(title_id)
            assert title is not None, title_id
            names = title["names"]
            folder = root / series_folder_name(names["en"], names["ru"], title["season"]["year"])
            folder.mkdir(parents=True, exist_ok=True)
            marker = Marker(title_id, runtime.library.api, names["en"], title["code"])
            write_marker(folder, marker)
            for episode in episodes:
                name = f"[AniLibria] {names['en']} - {episode:02d} [{DEMO_CLIP}p].mkv"
                (folder / name).write_bytes(video)
        followed = self.server.catalog.title(DEMO_FOLLOWED)
        assert followed is not None
        names = followed["names"]
        runtime.favorites.add(DEMO_FOLLOWED, name_ru=names["ru"], name_en=names["en"])
        FollowStore(runtime.db).follow(DEMO_FOLLOWED, at=time.time())
        self._new_follows.add(DEMO_FOLLOWED)

    def following(self, favorites: Iterable[int]) -> None:
        """The favorites the app follows now: new ones get the demo's new episodes."""
        self.server.live.demo_following(favorites)

    def start_seeding(self) -> None:
        """Seed the demo torrents when the tracker is asked for them."""
        from app.devserver.demo_seeding import DemoSeeding

        self._seeding = DemoSeeding(self.server, self.seeds)
        self._seeding.start()

    def stop_seeding(self) -> None:
        """Stop seeding, if it started, and delete the seeded files."""
        if self._seeding is not None:
            self._seeding.close()
            self._seeding = None

    def stop(self) -> None:
        """Stop the servers."""
        self.server.stop()

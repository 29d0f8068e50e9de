"""Everything one run of anitui owns below the UI, opened and closed in one place.

The runtime takes its settings as they are given. For `--demo` the composition root
(`app/bootstrap.py`) starts the local servers, points a copy of the settings at them and hands
the servers in as `DemoServers`: the services never import the devserver.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from app.config import DEFAULT_ANILIBRIA_API, Settings
from app.paths import AppPaths
from app.services.carry_over import CarryOverService
from app.services.catalog import CatalogService
from app.services.events import EventBus
from app.services.instance import InstanceLock
from app.services.secrets import SecretsError, SecretStore, UnusableSecretsError
from app.sources.cache import HttpCache
from app.sources.catalog_api import CatalogApi
from app.sources.http import HttpSettings
from app.store.carry_over import CarryOverStore
from app.store.db import Database
from app.store.history import HistoryStore
from app.store.visits import VisitStore

if TYPE_CHECKING:
    from app.services.account_sync import AccountToken
    from app.services.collections import CollectionsService
    from app.services.desktop_notify import DesktopNotifier
    from app.services.downloads import DownloadQueue
    from app.services.favorites import FavoritesService
    from app.services.follow import FollowService
    from app.services.library import LibraryService
    from app.services.live import LiveUpdates
    from app.services.nfo import NfoService
    from app.services.player import PlayerService, PlayerSettings
    from app.services.progress_sync import ProgressSyncService
    from app.services.torrent_presets import TorrentFilterMemory
    from app.services.torrent_search import TorrentSearchService
    from app.services.torrent_stream import TorrentStreamServer
    from app.services.torrents import EngineSettings, TorrentEngine
    from app.sources.account_library import AccountLibraryApi
    from app.sources.nekobt.client import NekoBtClient
    from app.sources.torrentapi.client import TorrentApiClient

log = logging.getLogger("anitui")


@dataclass(frozen=True)
class StartupNotice:
    """Something the user must be told once the UI is up (English msgid + values for i18n)."""

    message: str
    values: Mapping[str, object] = field(default_factory=dict)
    severity: str = "warning"


class DemoServers(Protocol):
    """The running local servers of `--demo`, as the runtime uses them."""

    @property
    def api_keys(self) -> tuple[str | None, str | None]:
        """The demo nekoBT and Torrent API keys (never saved)."""
        ...

    def started_with(self, favorites: Iterable[int]) -> None:
        """The favorites the app starts with: the demo releases no new episodes for them."""
        ...

    def following(self, favorites: Iterable[int]) -> None:
        """The favorites the app follows now, where the server cannot see it (v1 polls):
        the demo releases new episodes of those it did not start with."""
        ...

    def start_seeding(self) -> None:
        """Seed the demo torrents when the tracker is asked for them (blocks: a worker thread
        calls it, before the torrent engine starts)."""
        ...

    def stop_seeding(self) -> None:
        """Stop seeding, if it started, and delete the seeded files (blocks)."""
        ...

    def stop(self) -> None:
        """Stop the servers."""
        ...


@dataclass
class Runtime:
    """The open services of one run. Build with `Runtime.open(settings)`; close with `aclose()`."""

    settings: Settings
    paths: AppPaths
    bus: EventBus
    db: Database
    visits: VisitStore
    history: HistoryStore
    catalog: CatalogService
    carry_over: CarryOverService
    http_cache: HttpCache
    http_settings: HttpSettings
    api_keys_found: tuple[str | None, str | None]
    """The nekoBT and Torrent API keys (the environment or the secrets file; the demo's own in
    demo mode), for the clients made when a screen first needs them."""
    lock: InstanceLock
    browse_only: bool
    demo: DemoServers | None = None
    notices: list[StartupNotice] = field(default_factory=list)
    _downloads: asyncio.Future[DownloadQueue | None] | None = field(default=None, repr=False)
    _streams: TorrentStreamServer | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, demo: DemoServers | None = None) -> Runtime:
        """Open the store, take the instance lock, make clients. `demo`: the running demo
        servers that `settings` point at (the runtime stops them when it closes)."""
        paths = AppPaths.resolve(
            settings.data_dir, settings.cache_dir, settings.download_dir, demo=settings.demo
        )
        notices: list[StartupNotice] = []
        lock = InstanceLock(paths.data_dir())
        browse_only = not lock.acquire()
        if browse_only:
            notices.append(
                StartupNotice(
                    "Another anitui (PID {pid}) is running: browse-only mode, player and"
                    " downloads are off.",
                    {"pid": str(lock.holder_pid or "?")},
                )
            )
        db = Database.open(paths.database)
        if db.moved_aside is not None:
            notices.append(
                StartupNotice(
                    "The database was damaged and moved aside to {path}; a fresh one was created.",
                    {"path": str(db.moved_aside)},
                    "error",
                )
            )
        cache = HttpCache(paths.http_cache)
        http_settings = HttpSettings(
            timeout=settings.http.timeout,
            retries=settings.http.retries,
            backoff=settings.http.backoff,
        )
        client = cls.catalog_api(settings, cache, http_settings)
        secrets = SecretStore(paths.data_dir())
        if secrets.make_private():
            notices.append(
                StartupNotice(
                    "{file} was readable by other users: it is now yours only (0600). Replace"
                    " the keys and log in again if others may have read it.",
                    {"file": str(secrets.path)},
                )
            )
        keys: tuple[str | None, str | None] = (None, None)
        if demo is not None:
            keys = demo.api_keys
            # The demo server is new each run and knows no earlier run's session: presented,
            # it would only be answered "session expired". A demo login lasts one run.
            secrets.set("anilibria.session", None)
        else:
            try:
                keys = secrets.get("nekobt.api_key"), secrets.get("torrent_api.key")
            except UnusableSecretsError:
                # Start-up stops (see the class); only a file that is text is worth running with.
                raise
            except SecretsError as error:
                notices.append(StartupNotice(error.message, error.values, "error"))
        bus = EventBus()
        history = HistoryStore(db)
        carry_over = CarryOverService(CarryOverStore(db), client)
        return cls(
            settings=settings,
            paths=paths,
            bus=bus,
            db=db,
            visits=VisitStore(db),
            history=history,
            catalog=CatalogService(client, seen=carry_over.remember_codes),
            carry_over=carry_over,
            http_cache=cache,
            http_settings=http_settings,
            api_keys_found=keys,
            lock=lock,
            browse_only=browse_only,
            demo=demo,
            notices=notices,
        )

    # The player and the torrent-search clients are made on first use: their modules' classes
    # cost start-up time that the first paint does without.
    @cached_property
    def player(self) -> PlayerService:
        """Playback with libmpv (loaded on the first play), keeping the history store."""
        from app.services.player import PlayerService

        return PlayerService(self.bus, self.history, settings=self.player_settings(self.settings))

    @cached_property
    def nekobt(self) -> NekoBtClient:
        """The nekoBT client (authenticated when a key was found)."""
        from app.sources.nekobt.client import NekoBtClient

        return NekoBtClient.create(
            self.settings.nekobt.api,
            api_key=self.api_keys_found[0],
            cache=self.http_cache,
            settings=self.http_settings,
        )

    @cached_property
    def torrentapi(self) -> TorrentApiClient | None:
        """The Torrent API client; None until it has both a URL and a key (the provider issues
        both)."""
        from app.sources.torrentapi.client import TorrentApiClient, TorrentApiPaths

        key = self.api_keys_found[1]
        config = self.settings.torrent_api
        if not (config.url and key):
            return None
        return TorrentApiClient.create(
            config.url,
            api_key=key,
            cache=self.http_cache,
            settings=self.http_settings,
            paths=TorrentApiPaths(
                movie=config.movie_path,
                torrent=config.torrent_path,
                peers=config.peers_path,
                add=config.add_path,
            ),
        )

    @cached_property
    def favorites(self) -> FavoritesService:
        """Favorites, local first; synced with the AniLibria account after a login."""
        from app.services.favorites import FavoritesService

        return FavoritesService(
            self.db, self.catalog.client, SecretStore(self.paths.data_dir()), self.bus
        )

    def favorite_ids(self) -> frozenset[int]:
        """The favorite title ids, read from the store: the first frame stars the favorites
        without loading the favorites service, which its syncs load after that frame."""
        from app.store.favorites import FavoritesStore

        return FavoritesStore(self.db).ids()

    @cached_property
    def account_token(self) -> AccountToken:
        """The account's token, as the favorites service keeps it (read only)."""
        from app.services.account_sync import AccountToken

        return AccountToken(
            SecretStore(self.paths.data_dir()),
            refused=lambda token: self.favorites.session_refused(token),
        )

    @property
    def account_library(self) -> AccountLibraryApi | None:
        """The account's collections and watch progress: only API v1 keeps them (None on v2)."""
        from app.sources.account_library import AccountLibraryApi

        client = self.catalog.client
        return client if isinstance(client, AccountLibraryApi) else None

    @cached_property
    def collections(self) -> CollectionsService:
        """Collections, local first; synced with the account on API v1."""
        from app.services.collections import CollectionsService

        return CollectionsService(
            self.db, self.catalog.client, self.account_library, self.account_token, self.bus
        )

    @cached_property
    def progress_sync(self) -> ProgressSyncService:
        """History's positions and watched marks synced with the account on API v1."""
        from app.services.progress_sync import ProgressSyncService

        return ProgressSyncService(
            self.db, self.catalog.client, self.account_library, self.account_token, self.bus
        )

    @cached_property
    def live(self) -> LiveUpdates:
        """Live updates about the favorites (or every title, `[live] subscribe = "all"`): v2's
        WebSocket, or polling on v1, which has no push."""
        from app.services.live import LiveService, LiveSettings
        from app.store.kv import KeyValueStore

        config = self.settings.live
        favorites = self.favorites
        if self.demo is not None:
            self.demo.started_with(favorites.ids())
        follow: Callable[[], frozenset[int] | None] = (
            (lambda: None) if config.subscribe == "all" else favorites.ids
        )
        settings = LiveSettings(
            reconnect_min=config.reconnect_min,
            reconnect_max=config.reconnect_max,
            poll_interval=config.poll_interval,
        )
        client = self.catalog.client
        from app.sources.release_news import PolledCatalog

        if isinstance(client, PolledCatalog):
            from app.services.live_poll import PollingLive

            demo = self.demo
            if demo is not None and config.subscribe != "all":
                # The demo server sees no subscription from a polling app: it is told.
                def follow() -> frozenset[int] | None:
                    followed = favorites.ids()
                    demo.following(followed)
                    return followed

            return PollingLive(
                client.news, self.bus, KeyValueStore(self.db), follow=follow, settings=settings
            )
        return LiveService(
            self.settings.anilibria.ws,
            client,
            self.bus,
            KeyValueStore(self.db),
            follow=follow,
            settings=settings,
        )

    @cached_property
    def library(self) -> LibraryService:
        """The local library: series folders under `[library] root` (default: the download
        folder), their episodes on disk and the ones missing."""
        from app.services.library import LibraryService
        from app.store.downloads import DownloadStore
        from app.store.library import LibraryStore

        return LibraryService(
            LibraryStore(self.db),
            DownloadStore(self.db),
            self.catalog,
            self.bus,
            self.settings.library.root or self.paths.downloads,
            download_root=self.paths.downloads,
            allow_outside_root=self.settings.downloads.allow_outside_root,
        )

    @cached_property
    def follow(self) -> FollowService:
        """Followed titles: their new episodes queued by themselves (`[follow]`)."""
        from app.services.follow import FollowService
        from app.store.follow import FollowStore

        config = self.settings.follow
        return FollowService(
            FollowStore(self.db),
            self.catalog,
            self.library,
            self.nekobt if "nekobt" in config.sources else None,
            self.downloads,
            self.bus,
            quality=config.quality,
            sources=config.sources,
            delay=config.delay,
        )

    @cached_property
    def desktop(self) -> DesktopNotifier:
        """notify-send, where there is a desktop and `[live] desktop_notifications` is on."""
        from app.services.desktop_notify import DesktopNotifier

        return DesktopNotifier(enabled=self.settings.live.desktop_notifications)

    @cached_property
    def torrent_search(self) -> TorrentSearchService:
        """Torrent search and details across nekoBT, the Torrent API and AniLibria."""
        from app.services.torrent_search import TorrentSearchService

        return TorrentSearchService(
            self.nekobt, self.torrentapi, self.catalog, page_size=self.settings.ui.page_size
        )

    @cached_property
    def torrent_filters(self) -> TorrentFilterMemory:
        """The Torrents screen's filters in use and its named presets, kept between runs."""
        from app.services.torrent_presets import TorrentFilterMemory
        from app.store.torrent_filters import TorrentFilterStore

        return TorrentFilterMemory(TorrentFilterStore(self.db))

    @cached_property
    def nfo(self) -> NfoService:
        """Kodi / Jellyfin NFO and artwork of the library's series folders (`[library]`)."""
        from app.services.nfo import NfoService

        library = self.settings.library
        return NfoService(
            self.catalog,
            automatic=library.nfo,
            episode_nfo=library.episode_nfo,
            concurrency=library.nfo_concurrency,
        )

    @staticmethod
    def player_settings(settings: Settings) -> PlayerSettings:
        """`[player]` as the player service takes it: the preferred quality first."""
        from app.services.player import QUALITIES, PlayerSettings

        config = settings.player
        order = (config.quality, *(q for q in QUALITIES if q != config.quality))
        return PlayerSettings(
            quality_order=order,
            # Spelled out for the type checker; the config has validated the choice.
            skip_mode=(
                "ask" if config.skips == "ask" else "off" if config.skips == "off" else "auto"
            ),
            autoplay=config.autoplay,
            watched_threshold=config.watched_threshold,
            save_interval=config.save_interval,
            use_user_mpv_config=config.mpv_config,
            vo=config.vo or None,
            ao=config.ao or None,
        )

    @classmethod
    def catalog_api(
        cls, settings: Settings, cache: HttpCache, http_settings: HttpSettings
    ) -> CatalogApi:
        """The client of AniLibria's API in the version `[anilibria]` names."""
        # Only the client in use is imported: start-up pays for one.
        mirrors = cls.mirrors_for(settings)
        if settings.anilibria.speaks_v1:
            from app.sources.aniliberty.client import AniLibertyClient
            from app.sources.aniliberty.compat import V2CompatClient

            return V2CompatClient(
                AniLibertyClient.create(
                    settings.anilibria.api, mirrors=mirrors, cache=cache, settings=http_settings
                ),
                site=settings.anilibria.site,
            )
        from app.sources.anilibria.client import AniLibriaClient

        return AniLibriaClient.create(
            settings.anilibria.api,
            settings.anilibria.site,
            mirrors=mirrors,
            cache=cache,
            settings=http_settings,
        )

    @staticmethod
    def mirrors_for(settings: Settings) -> list[str]:
        """The default mirrors stand in for the default API only, never for a chosen URL;
        mirrors the user named stand in for any. None in demo."""
        if settings.demo:
            return []
        if settings.is_explicit("anilibria.mirrors"):
            return [m for m in settings.anilibria.mirrors if m != settings.anilibria.api]
        if settings.is_explicit("anilibria.api"):
            return []
        if settings.anilibria.api != DEFAULT_ANILIBRIA_API:
            return []
        return [m for m in settings.anilibria.mirrors if m != settings.anilibria.api]

    # downloads ------------------------------------------------------------------------------

    async def downloads(self) -> DownloadQueue | None:
        """The download queue, opened on first call (libtorrent starts, saved downloads come
        back); None in browse-only mode or when libtorrent cannot start (logged, and a notice)."""
        if self.browse_only:
            return None
        if self._downloads is None:
            self._downloads = asyncio.ensure_future(self._open_downloads())
        return await asyncio.shield(self._downloads)

    def has_unfinished_downloads(self) -> bool:
        """Whether saved downloads wait to be resumed (then the queue opens at start-up)."""
        from app.store.downloads import DownloadStore

        return not self.browse_only and DownloadStore(self.db).has_unfinished()

    @property
    def opened_downloads(self) -> DownloadQueue | None:
        """The download queue if it is already open (never opens it)."""
        if self._downloads is None or not self._downloads.done() or self._downloads.cancelled():
            return None
        return self._downloads.result()

    async def _open_downloads(self) -> DownloadQueue | None:
        from app.services.downloads import DownloadQueue
        from app.store.downloads import DownloadStore

        try:
            engine = await asyncio.to_thread(self._start_engine)
        except (ImportError, OSError, RuntimeError) as error:
            log.error("libtorrent could not start: %s", error)
            return None
        config = self.settings.downloads
        queue = DownloadQueue(
            DownloadStore(self.db),
            engine,
            self.bus,
            self.paths.downloads,
            max_active=config.max_active,
            retry_backoff=config.retry_backoff,
            max_retries=config.max_retries,
            metadata_timeout=config.metadata_timeout,
            allow_outside_root=config.allow_outside_root,
            folder_for=self.library.download_folder if self.settings.library.organize else None,
        )
        queue.open()
        return queue

    def _start_engine(self) -> TorrentEngine:
        from app.services.torrents import TorrentEngine

        if self.demo is not None:
            self.demo.start_seeding()
        engine = TorrentEngine(
            self.bus, self.paths.data_dir() / "resume", self.engine_settings(self.settings)
        )
        engine.start()
        return engine

    async def stream_url(self, info_hash: str, file_index: int) -> str | None:
        """A loopback URL that plays one file of a download while it downloads (None when the
        download or the file is unknown)."""
        queue = await self.downloads()
        if queue is None:
            return None
        if self._streams is None:
            from app.services.torrent_stream import TorrentStreamServer

            self._streams = TorrentStreamServer()
            await asyncio.to_thread(self._streams.start)
        return await asyncio.to_thread(queue.stream_url, self._streams, info_hash, file_index)

    @staticmethod
    def engine_settings(settings: Settings) -> EngineSettings:
        """`[torrents]` as the engine takes it; the demo stays on loopback, TCP only."""
        from app.services.torrents import EngineSettings

        config = settings.torrents
        loopback = settings.demo
        # Every peer on loopback is 127.0.0.1: they must be able to share the address.
        local_only = loopback or all(
            interface.strip().startswith("127.")
            for interface in config.listen_interfaces.split(",")
        )
        return EngineSettings(
            listen_interfaces="127.0.0.1:0" if loopback else config.listen_interfaces,
            download_rate_limit=config.download_limit * 1024,
            upload_rate_limit=config.upload_limit * 1024,
            max_active_seeds=config.max_active_seeds,
            seed_ratio=config.seed_ratio,
            seed_time=config.seed_time * 60,
            dht=config.dht and not loopback,
            lsd=config.lsd and not loopback,
            upnp=config.upnp and not loopback,
            natpmp=config.natpmp and not loopback,
            utp=config.utp and not loopback,
            encryption=config.encryption,
            resume_interval=config.resume_interval,
            default_trackers=config.default_trackers,
            several_peers_per_address=local_only,
        )

    async def aclose(self) -> None:
        """Close clients, the bus and the store; release the lock; stop the demo servers."""
        # Only what was made (cached_property keeps it in __dict__).
        if "player" in self.__dict__:
            await self.player.shutdown()
        if self._streams is not None:
            await asyncio.to_thread(self._streams.close)
        if self._downloads is not None:
            queue = await self._downloads
            if queue is not None:
                # Final resume data is written before the store closes (bounded wait).
                await asyncio.to_thread(queue.close)
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop_seeding)
        await self.catalog.client.aclose()
        if "nekobt" in self.__dict__:
            await self.nekobt.aclose()
        if self.__dict__.get("torrentapi") is not None:
            await self.__dict__["torrentapi"].aclose()
        self.bus.close()
        self.db.close()
        if not self.browse_only:
            self.lock.release()
        if self.demo is not None:
            self.demo.stop()

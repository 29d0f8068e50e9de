"""Everything one run of anitui owns below the UI, opened and closed in one place."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from app.config import DEFAULT_ANILIBRIA_API, Settings
from app.paths import AppPaths
from app.services.catalog import CatalogService
from app.services.events import EventBus
from app.services.instance import InstanceLock
from app.services.player import QUALITIES, PlayerService, PlayerSettings
from app.services.secrets import SecretsError, SecretStore
from app.sources.anilibria.client import AniLibriaClient
from app.sources.cache import HttpCache
from app.sources.http import HttpSettings
from app.store.db import Database
from app.store.history import HistoryStore
from app.store.visits import VisitStore

if TYPE_CHECKING:
    from app.devserver.server import DevServer
    from app.sources.nekobt.client import NekoBtClient
    from app.sources.torrentapi.client import TorrentApiClient

log = logging.getLogger("anitui")


@dataclass(frozen=True)
class StartupNotice:
    """Something the user must be told once the UI is up (English msgid + values for i18n)."""

    message: str
    values: dict[str, str] = field(default_factory=dict)
    severity: str = "warning"


@dataclass
class Runtime:
    """The open services of one run. Build with `Runtime.open(settings)`; close with `aclose()`."""

    settings: Settings
    paths: AppPaths
    bus: EventBus
    db: Database
    visits: VisitStore
    history: HistoryStore
    player: PlayerService
    catalog: CatalogService
    http_cache: HttpCache
    http_settings: HttpSettings
    api_keys_found: tuple[str | None, str | None]
    """The nekoBT and Torrent API keys, for the clients made when a screen first needs them."""
    lock: InstanceLock
    browse_only: bool
    demo_server: DevServer | None = None
    notices: list[StartupNotice] = field(default_factory=list)

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        """Open the store, take the instance lock, start the demo server if asked, make clients."""
        demo_server: DevServer | None = None
        if settings.demo:
            # Imported here so a normal start never pays for aiohttp and the demo catalog.
            from app.devserver.demo import demo_server as make_demo_server
            from app.devserver.demo import service_urls

            demo_server = make_demo_server()
            demo_server.start()
            urls = service_urls(demo_server)
            settings.anilibria.api = urls["anilibria_api"]
            settings.anilibria.site = urls["anilibria_site"]
            settings.nekobt.api = urls["nekobt_api"]
            settings.torrent_api.url = urls["torrent_api"]
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
        client = AniLibriaClient.create(
            settings.anilibria.api,
            settings.anilibria.site,
            mirrors=cls.mirrors_for(settings),
            cache=cache,
            settings=http_settings,
        )
        try:
            keys = cls.api_keys(settings, SecretStore(paths.data_dir()))
        except SecretsError as error:
            keys = (None, None)
            notices.append(StartupNotice("{error}", {"error": str(error)}, "error"))
        bus = EventBus()
        history = HistoryStore(db)
        return cls(
            settings=settings,
            paths=paths,
            bus=bus,
            db=db,
            visits=VisitStore(db),
            history=history,
            player=PlayerService(bus, history, settings=cls.player_settings(settings)),
            catalog=CatalogService(client),
            http_cache=cache,
            http_settings=http_settings,
            api_keys_found=keys,
            lock=lock,
            browse_only=browse_only,
            demo_server=demo_server,
            notices=notices,
        )

    # The torrent-search clients are made on first use: their modules cost ~60 ms of start-up.
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
        from app.sources.torrentapi.client import TorrentApiClient

        key = self.api_keys_found[1]
        if not (self.settings.torrent_api.url and key):
            return None
        return TorrentApiClient.create(
            self.settings.torrent_api.url,
            api_key=key,
            cache=self.http_cache,
            settings=self.http_settings,
        )

    @staticmethod
    def player_settings(settings: Settings) -> PlayerSettings:
        """`[player]` as the player service takes it: the preferred quality first."""
        config = settings.player
        order = (config.quality, *(q for q in QUALITIES if q != config.quality))
        return PlayerSettings(
            quality_order=order,
            skip_mode="off" if config.skips == "off" else "auto",
            autoplay=config.autoplay,
            watched_threshold=config.watched_threshold,
            save_interval=config.save_interval,
            use_user_mpv_config=config.mpv_config,
            vo=config.vo or None,
            ao=config.ao or None,
        )

    @staticmethod
    def api_keys(settings: Settings, secrets: SecretStore) -> tuple[str | None, str | None]:
        """The nekoBT and Torrent API keys: the demo servers' own in demo mode (never saved),
        else the environment or the secrets file."""
        if settings.demo:
            from app.devserver import nekobt, torrentapi

            return nekobt.DEMO_API_KEY, torrentapi.DEMO_KEY
        return secrets.get("nekobt.api_key"), secrets.get("torrent_api.key")

    @staticmethod
    def mirrors_for(settings: Settings) -> list[str]:
        """Mirrors stand in for the default API only: never for a chosen URL, nor in demo."""
        if settings.demo or settings.is_explicit("anilibria.api"):
            return []
        if settings.anilibria.api != DEFAULT_ANILIBRIA_API:
            return []
        return [m for m in settings.anilibria.mirrors if m != settings.anilibria.api]

    async def aclose(self) -> None:
        """Close clients, the bus and the store; stop the demo server; release the lock."""
        await self.player.shutdown()
        await self.catalog.client.aclose()
        # Only the clients that were made (cached_property keeps them in __dict__).
        if "nekobt" in self.__dict__:
            await self.nekobt.aclose()
        if self.__dict__.get("torrentapi") is not None:
            await self.__dict__["torrentapi"].aclose()
        self.bus.close()
        self.db.close()
        if not self.browse_only:
            self.lock.release()
        if self.demo_server is not None:
            self.demo_server.stop()

"""Helpers for UI tests: the fixed clock, settings against a local server, waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

from app.config import Settings, load_settings
from app.devserver.demo import service_urls

S = TypeVar("S", bound=Screen[Any])

# 2026-11-23 12:00 UTC, a Monday: the demo catalog's "today".
FIXED_NOW = 1795392000 + 12 * 3600


def settings_for(server: Any, home: Path, *, api: str = "v2", **flags: Any) -> Settings:
    """Settings pointing at `server` (AniLibria through its API `api`, "v1" or "v2") with every
    directory under `home`."""
    v1 = api == "v1"
    values: dict[str, Any] = {
        "anilibria.api": server.aniliberty_api if v1 else server.anilibria_api,
        "anilibria.site": server.aniliberty_site if v1 else server.anilibria_site,
        "anilibria.ws": service_urls(server)["anilibria_ws"],
        "nekobt.api": service_urls(server)["nekobt_api"],
        "torrent_api.url": service_urls(server)["torrent_api"],
        "data_dir": str(home / "data"),
        "cache_dir": str(home / "cache"),
        "download_dir": str(home / "downloads"),
        "lang": "en",
        "http.retries": 0,
        "http.timeout": 5.0,
        "ui.search_debounce": 0.05,
        "ui.poster_renderer": "halfblock",
        # Live updates change the top bar as they connect: the tests about them turn them on.
        "live.subscribe": "off",
        # libtorrent stays on loopback, TCP only, finding no one on its own (CONVENTIONS.md).
        "torrents.listen_interfaces": "127.0.0.1:0",
        "torrents.dht": False,
        "torrents.lsd": False,
        "torrents.upnp": False,
        "torrents.natpmp": False,
        "torrents.utp": False,
    }
    values.update(flags)
    return load_settings(values, environ={}, default_config_file=home / "no-config.toml")


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app work until `predicate()` holds (workers finish, rows appear)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


def screen_of(app: App[Any], kind: type[S]) -> S:
    """The app's current screen, which the test expects to be a `kind` by now."""
    screen = app.screen
    assert isinstance(screen, kind), f"{type(screen).__name__} is on top, not {kind.__name__}"
    return screen

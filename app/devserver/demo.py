"""The whole demo: every API the project implements, on one local port.

The demo server also shows live updates happening: a little while after a favorite is added, a
new episode of that title comes out, and another one later (`DEMO_EPISODE_DELAYS`), through the
catalog (so polling sees it) and the WebSocket. What counts as adding a favorite:

- an `addFavorite` of the title (the logged-in app);
- a WebSocket subscription `{"subscribe": {"id": N}}` to a title no subscription named before
  (the local-only app reconnects and subscribes afresh when its favorites change). The
  favorites the app started with (`LiveHub.demo_started_with`) trigger nothing.

Each title triggers at most once in the server's lifetime. Only `anitui --demo` asks for the
pushes (`episode_delays=DEMO_EPISODE_DELAYS`): the tests' shared server must not change under
the snapshots; tests turn them on with `server.live.demo_episode_delays`.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.devserver import nekobt, torrentapi
from app.devserver.nekobt import NekoBtApi
from app.devserver.server import DevServer
from app.devserver.torrentapi import TorrentApi

DEMO_EPISODE_DELAYS = (20.0, 120.0)
"""Seconds after a favorite is added at which the demo releases a new episode of it."""


def demo_server(
    host: str = "127.0.0.1", port: int = 0, *, episode_delays: Sequence[float] = ()
) -> DevServer:
    """A DevServer with the AniLibria demo catalog, nekoBT and the Torrent API (not started);
    new episodes of new favorites come out after `episode_delays` seconds (none by default)."""
    server = DevServer(host, port, extra_apis=[NekoBtApi(), TorrentApi()])
    server.live.demo_episode_delays = tuple(episode_delays)
    return server


def service_urls(server: DevServer) -> dict[str, str]:
    """The base URL of each API on `server`, as the app's flags take them."""
    return {
        "base_url": server.base_url,
        "anilibria_api": server.anilibria_api,
        "anilibria_site": server.anilibria_site,
        "anilibria_ws": server.anilibria_api.replace("http", "ws", 1) + "/ws/",
        "aniliberty_api": server.aniliberty_api,
        "aniliberty_site": server.aniliberty_site,
        "nekobt_api": server.base_url + nekobt.PREFIX,
        "torrent_api": server.base_url + torrentapi.PREFIX,
        "tracker": server.base_url + "/announce",
    }

"""The whole demo: every API the project implements, on one local port."""

from __future__ import annotations

from app.devserver import nekobt, torrentapi
from app.devserver.nekobt import NekoBtApi
from app.devserver.server import DevServer
from app.devserver.torrentapi import TorrentApi


def demo_server(host: str = "127.0.0.1", port: int = 0) -> DevServer:
    """A DevServer with the AniLibria demo catalog, nekoBT and the Torrent API (not started)."""
    return DevServer(host, port, extra_apis=[NekoBtApi(), TorrentApi()])


def service_urls(server: DevServer) -> dict[str, str]:
    """The base URL of each API on `server`, as the app's flags take them."""
    return {
        "base_url": server.base_url,
        "anilibria_api": server.anilibria_api,
        "anilibria_site": server.anilibria_site,
        "nekobt_api": server.base_url + nekobt.PREFIX,
        "torrent_api": server.base_url + torrentapi.PREFIX,
    }

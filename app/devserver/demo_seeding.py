"""The demo's seeder: each catalog torrent is seeded on loopback the first time a peer asks.

`--demo` downloads must work with no network: the devserver's tracker calls `DemoSeeding` when a
peer announces a torrent nobody seeds yet; it writes that torrent's deterministic payload and
seeds it from one local libtorrent session, throttled so a download takes long enough to be
paused and resumed (also across a restart).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from pathlib import Path

from app.devserver.seeder import Seeder
from app.devserver.server import DevServer

__all__ = ["DEMO_UPLOAD_RATE", "DemoSeeding"]

log = logging.getLogger("anitui.devserver")

DEMO_UPLOAD_RATE = 96 * 1024
"""Bytes per second the demo seeder uploads: a demo torrent takes some seconds, not a blink."""


class DemoSeeding:
    """Seeds `server`'s catalog torrents on demand from files under `root` (removed at close)."""

    def __init__(self, server: DevServer, root: Path, *, upload_rate_limit: int = DEMO_UPLOAD_RATE):
        self.server = server
        self.root = root
        self.seeder = Seeder(root, upload_rate_limit=upload_rate_limit)
        self._seeded: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the seeding session and answer the tracker's requests from now on."""
        self.seeder.start()
        self.server.seed_on_demand = self.seed

    async def seed(self, info_hash: str) -> tuple[str, int] | None:
        """Seed the catalog torrent `info_hash` (hex); its seeder's address, or None if unknown."""
        torrent_id = self.server.catalog.torrent_by_hash(info_hash)
        if torrent_id is None:
            return None
        await asyncio.to_thread(self._seed, info_hash, torrent_id)
        return ("127.0.0.1", self.seeder.port)

    def _seed(self, info_hash: str, torrent_id: int) -> None:
        with self._lock:
            if info_hash in self._seeded:
                return
            catalog = self.server.catalog
            torrent = catalog.torrent_file(torrent_id, [])
            self.seeder.seed(torrent, catalog.torrent_payload(torrent_id))
            self._seeded.add(info_hash)
            log.info("demo seeding torrent %d (%s)", torrent_id, info_hash)

    def close(self) -> None:
        """Stop seeding and delete the seeded files."""
        self.server.seed_on_demand = None
        self.seeder.close()
        shutil.rmtree(self.root, ignore_errors=True)

"""The demo's seeder: each demo torrent is seeded on loopback the first time a peer asks.

`--demo` downloads must work with no network: the devserver's tracker calls `DemoSeeding` when a
peer announces a torrent nobody seeds yet. It looks for the torrent in the catalog and in every
demo API on the server (AniLibria, nekoBT, the Torrent API: whatever has `video_torrent`),
writes its payload (real demo videos, `app.devserver.demo_media`) and seeds it from one local
libtorrent session, throttled so a download takes long enough to be paused, played while it
downloads and resumed (also across a restart).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from app.devserver.demo_media import VideoTorrent
from app.devserver.seeder import Seeder
from app.devserver.server import DevServer

__all__ = ["DEMO_UPLOAD_RATE", "DemoSeeding", "VideoTorrents"]

log = logging.getLogger("anitui.devserver")

DEMO_UPLOAD_RATE = 96 * 1024
"""Bytes per second the demo seeder uploads: a demo torrent takes some seconds, not a blink."""


@runtime_checkable
class VideoTorrents(Protocol):
    """Something that knows demo torrents by info-hash (the catalog, a demo API)."""

    def video_torrent(self, info_hash: str) -> VideoTorrent | None:
        """The torrent with this info-hash (hex) as demo videos; None if unknown."""
        ...


class DemoSeeding:
    """Seeds `server`'s demo torrents on demand from files under `root` (removed at close)."""

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
        """Seed the demo torrent `info_hash` (hex); its seeder's address, or None when no demo
        API knows it."""
        found = await asyncio.to_thread(self._seed, info_hash.lower())
        return ("127.0.0.1", self.seeder.port) if found else None

    def _seed(self, info_hash: str) -> bool:
        with self._lock:
            if info_hash in self._seeded:
                return True
            video = self.video_torrent(info_hash)
            if video is None:
                return False
            # A folder per torrent: two torrents may hold files of the same path (a reissued
            # AniLibria torrent keeps its name) with other sizes.
            self.seeder.seed(video.torrent_file(), video.payload(), folder=info_hash)
            self._seeded.add(info_hash)
            log.info("demo seeding %s (%s)", video.name, info_hash)
            return True

    def video_torrent(self, info_hash: str) -> VideoTorrent | None:
        """The demo torrent with this info-hash (hex), from whichever demo API knows it."""
        sources: list[object] = [self.server.catalog, *self.server.extra_apis]
        for source in sources:
            if isinstance(source, VideoTorrents):
                video = source.video_torrent(info_hash)
                if video is not None:
                    return video
        return None

    def close(self) -> None:
        """Stop seeding and delete the seeded files."""
        self.server.seed_on_demand = None
        self.seeder.close()
        shutil.rmtree(self.root, ignore_errors=True)

"""A loopback BitTorrent seeder for tests, `--demo` and the bench, and a torrent maker.

`Seeder` is one libtorrent session on 127.0.0.1 (TCP only: uTP over loopback is slow and erratic,
see PITFALLS.md), with DHT, LSD, UPnP and NAT-PMP off. Torrents are added in `seed_mode` (no hash
check of the files it was given). Its upload rate limit also applies to loopback peers: a
peer-class filter puts every address in the global class, which libtorrent otherwise leaves
out for local networks.

`make_torrent` builds a torrent with libtorrent's defaults (a v1 + v2 hybrid in 2.x, so a
multi-file torrent holds pad files between its files, as real 2.x torrents do).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, cast

import libtorrent as lt

__all__ = ["Seeder", "loopback_settings", "make_torrent"]

READY_TIMEOUT = 5.0
"""Seconds `Seeder.seed` waits for a new torrent to accept peers."""

log = logging.getLogger("anitui.devserver")

_LISTEN_TIMEOUT = 10.0


def loopback_settings() -> dict[str, Any]:
    """Session settings for a libtorrent session on 127.0.0.1 only: TCP only, no discovery."""
    return {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "stop_tracker_timeout": 1,
        "alert_mask": 0,
        # Loopback peers share one IP: let them all connect.
        "allow_multiple_connections_per_ip": True,
    }


def _rate_limit_every_peer(session: Any) -> None:
    """Put every peer in the global peer class, so rate limits also hit local peers."""
    peer_filter = lt.ip_filter()
    peer_filter.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
    peer_filter.add_rule(
        "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 << lt.session.global_peer_class_id
    )
    session.set_peer_class_filter(peer_filter)


def _safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or not relative.parts or ".." in relative.parts:
        raise ValueError(f"unsafe path for a seeded file: {path!r}")
    return relative


class Seeder:
    """Seeds torrents from files under `root` on 127.0.0.1 (see the module docstring)."""

    def __init__(self, root: Path, *, upload_rate_limit: int = 0) -> None:
        """A seeder whose files live under `root`; `upload_rate_limit` in bytes/s, 0 = none."""
        self.root = Path(root)
        self._upload_rate_limit = upload_rate_limit
        self._session: Any = None
        self._port = 0
        self._lock = threading.Lock()
        self._handles: dict[str, Any] = {}

    def start(self) -> None:
        """Open the session and wait until it listens (idempotent)."""
        with self._lock:
            if self._session is not None:
                return
            self.root.mkdir(parents=True, exist_ok=True)
            settings = loopback_settings()
            settings["upload_rate_limit"] = self._upload_rate_limit
            # Dial a peer that left a moment ago (its download paused and resumed, or chose
            # more files once it had finished) again at once: libtorrent waits 60 s by default,
            # and so does the peer, so the download sat at 0 peers for that minute.
            settings["min_reconnect_time"] = 1
            session = lt.session(cast("lt.settings_pack", settings))
            _rate_limit_every_peer(session)
            deadline = time.monotonic() + _LISTEN_TIMEOUT
            while not session.listen_port():
                if time.monotonic() > deadline:
                    raise RuntimeError("the seeder's session did not start listening")
                time.sleep(0.01)
            self._port = session.listen_port()
            self._session = session

    @property
    def port(self) -> int:
        """The TCP port on 127.0.0.1 peers connect to (after `start()`)."""
        if self._session is None:
            raise RuntimeError("the seeder is not started")
        return self._port

    def seed(
        self, torrent: bytes, files: Iterable[tuple[str, bytes]] | None = None, *, folder: str = ""
    ) -> str:
        """Seed `torrent` from `root` (or its sub-folder `folder`, which keeps torrents whose
        paths coincide apart); returns its v1 info-hash (40 lowercase hex).

        `files` are (path relative to that folder, bytes), written first; paths start with the
        torrent's name for a multi-file torrent. Seeding the same torrent again is a no-op.
        """
        self.start()
        save_path = self.root.joinpath(*_safe_relative(folder).parts) if folder else self.root
        for path, data in files or ():
            target = save_path.joinpath(*_safe_relative(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        info = lt.torrent_info(torrent)
        info_hash = _info_hash(info)
        with self._lock:
            if info_hash in self._handles:
                return info_hash
            params = lt.add_torrent_params()
            params.ti = info
            params.save_path = str(save_path)
            params.flags = (params.flags | lt.torrent_flags.seed_mode) & ~(
                lt.torrent_flags.auto_managed | lt.torrent_flags.paused
            )
            handle = self._session.add_torrent(params)
            self._handles[info_hash] = handle
        # A peer sent here by the tracker may knock at once: libtorrent turns it away while the
        # torrent is still being added, and the peer then waits a whole announce interval.
        deadline = time.monotonic() + READY_TIMEOUT
        while handle.status().state != lt.torrent_status.seeding:
            if time.monotonic() > deadline:
                log.warning("seeded torrent %s is not ready after %.0f s", info_hash, READY_TIMEOUT)
                break
            time.sleep(0.01)
        return info_hash

    def connect(self, info_hash: str, host: str, port: int) -> None:
        """Ask the seeder to connect to a peer (a leecher that cannot reach it first)."""
        with self._lock:
            handle = self._handles.get(info_hash)
        if handle is not None:
            handle.connect_peer((host, port))

    def set_upload_rate_limit(self, bytes_per_second: int) -> None:
        """Change the session's upload limit (0 = unlimited); applies to loopback peers too."""
        self._upload_rate_limit = bytes_per_second
        with self._lock:
            if self._session is not None:
                self._session.apply_settings({"upload_rate_limit": bytes_per_second})

    def close(self) -> None:
        """Stop seeding and destroy the session (idempotent). The files stay."""
        with self._lock:
            session, self._session = self._session, None
            self._handles.clear()
        if session is not None:
            session.pause()
            del session


def _info_hash(info: Any) -> str:
    hashes = info.info_hashes()
    if hashes.has_v1():
        return str(hashes.v1)
    return str(hashes.get_best())[:40]


def make_torrent(
    root: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    name: str,
    piece_length: int = 16384,
    trackers: Sequence[str] = (),
    v1_only: bool = False,
) -> bytes:
    """Write `files` under `root` and return a bencoded torrent of them (libtorrent's defaults).

    `files` are (path inside the torrent, bytes). With one file whose path equals `name` the
    torrent is single-file (`root/name`); otherwise it is multi-file and every file lands at
    `root/name/path`, with pad files between files (libtorrent 2.x's v1 + v2 hybrid) unless
    `v1_only`: then, as older tools make them, files start mid-piece. Trackers go one per tier,
    in order.
    """
    if not files:
        raise ValueError("a torrent needs at least one file")
    root = Path(root)
    single = len(files) == 1 and files[0][0] == name
    entries = []
    for path, data in files:
        relative = _safe_relative(path if single else f"{name}/{path}")
        target = root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(lt.create_file_entry(str(relative), len(data)))
    creator = lt.create_torrent(entries, piece_length, lt.create_torrent.v1_only if v1_only else 0)
    for tier, url in enumerate(trackers):
        creator.add_tracker(url, tier)
    creator.set_creator("anitui devserver")
    lt.set_piece_hashes(creator, str(root))
    return bytes(lt.bencode(creator.generate()))

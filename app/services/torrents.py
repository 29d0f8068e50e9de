"""The torrent engine: one libtorrent session on its own thread, driven by alerts.

Threads: `TorrentEngine`'s methods are called from the UI loop (or a worker) and never block it
except the ones marked blocking (`file_progress`, `peers`, `trackers`): they post requests to
libtorrent, which works on its own threads. One engine thread waits for alerts
(`wait_for_alert`, PITFALLS.md: `set_alert_notify` deadlocks from Python), copies each alert's
fields at once (alert objects die at the next pop), asks for status updates every
`status_interval`, writes resume data and publishes bus events. Shared bookkeeping is behind
one lock; blocking libtorrent calls are never made under it.

Torrents are not auto-managed while they download: the download queue decides what runs. A
finished torrent that still seeds becomes auto-managed so that libtorrent's `active_seeds`
limit applies; the seeding goal (ratio or time) is enforced here, because libtorrent's own
`share_ratio_limit` / `seed_time_limit` only reorder its queue.

Fast resume: resume data is saved, coalesced, every `resume_interval` while a torrent makes
progress, and at once after it is added, paused, finished, changes state, gets its metadata or
new file priorities, and at `close()`. Each `<info_hash>.resume` is written atomically (tmp +
fsync + rename), so a `kill -9` leaves the last complete save; `restore()` re-adds from it with
no recheck. `close()` waits for the outstanding saves up to `shutdown_timeout` and destroys the
session on a thread of its own, so a tracker that never answers cannot hang the app.

File indices are libtorrent's (`file_storage`, pad files counted); the file lists this engine
returns skip the pad files 2.x torrents hold between real files (PITFALLS.md).

`read_piece` hands the play-while-downloading server a piece's bytes through libtorrent (its
`read_piece_alert`, answered by the alert thread): a piece counts as had once its hash passes,
which can be before the disk thread has given the data to the OS, so the file on disk may
still hold zeros there (libtorrent#7337).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import libtorrent as lt

from app.bencode import Bencodable, Raw, bencode
from app.services.errors import ExplainedError
from app.services.events import EventBus, TorrentEngineEvent
from app.services.torrent_meta import TorrentFile, TorrentInputError, TorrentSpec, parse_torrent
from app.sources.nekobt.client import mask_passkey
from app.sources.redaction import redact

__all__ = [
    "DuplicateTorrentError",
    "EngineSettings",
    "PeerSummary",
    "TorrentDownloaded",
    "TorrentEngine",
    "TorrentErrored",
    "TorrentMetadataReceived",
    "TorrentSeedingDone",
    "TorrentState",
    "TorrentStatus",
    "TorrentStatusesUpdated",
    "TorrentStorageMoveFailed",
    "TorrentStorageMoved",
    "TrackerSummary",
]

log = logging.getLogger("anitui.torrents")

TorrentState = Literal[
    "metadata", "checking", "downloading", "seeding", "finished", "paused", "error"
]
"""What libtorrent is doing with a torrent (`TorrentStatus.state`). A download's status in the
queue (`app.store.downloads.DownloadStatus`) is another thing: it also says what the user asked
for, and a pending or failed download has no torrent in the engine."""
DEFAULT_PRIORITY = 4
"""libtorrent's default file priority (0 = skip, 1 = low … 7 = top)."""

_ALERT_WAIT = 0.1
"""Longest wait for alerts: how soon the thread notices `close()` and its timers."""

_DESTROY_TIMEOUT = 3.0
"""How long `close()` waits for the session's destruction (tracker "stopped" announces)."""

_MISSING_FILES = frozenset({131, 133, 134})
"""libtorrent_category errors of rejected resume data that mean files are gone or changed:
no files in resume data, mismatching number of files, mismatching file size."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_ENCRYPTION = {
    # policy, allowed level
    "prefer": (lt.enc_policy.pe_enabled, lt.enc_level.pe_both),
    "require": (lt.enc_policy.pe_forced, lt.enc_level.pe_rc4),
    "disable": (lt.enc_policy.pe_disabled, lt.enc_level.pe_both),
}

_ERRNO_TEXT = {
    errno.ENOSPC: "Disk full",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EFBIG: "File too large for the file system",
    errno.ENOENT: "File missing",
    errno.EROFS: "The disk is read-only",
    errno.EACCES: "Permission denied",
    errno.EPERM: "Permission denied",
    errno.ENOTDIR: "A file is in the way of a folder",
    errno.EEXIST: "A file is in the way",
    errno.EISDIR: "A folder is in the way of a file",
    errno.EIO: "Input/output error",
}


# -------------------------------------------------------------------------------------------
# Settings and plain values


@dataclass(frozen=True)
class EngineSettings:
    """How the session runs; `[torrents]` in config.toml maps onto these (see runtime)."""

    listen_interfaces: str = "0.0.0.0:6881,[::]:6881"
    download_rate_limit: int = 0
    """Bytes/s, 0 = unlimited."""
    upload_rate_limit: int = 0
    """Bytes/s, 0 = unlimited."""
    max_active_seeds: int = 5
    seed_ratio: float = 1.0
    """Stop seeding at uploaded / wanted ≥ this; 0 = no ratio goal."""
    seed_time: float = 0.0
    """Stop seeding after this many seconds of seeding; 0 = no time goal. The goal is ratio OR
    time, whichever comes first; with neither, a torrent stops as soon as it is finished."""
    dht: bool = True
    lsd: bool = True
    upnp: bool = True
    natpmp: bool = True
    utp: bool = True
    encryption: str = "prefer"
    """prefer | require | disable"""
    resume_interval: float = 10.0
    """Seconds between coalesced resume-data saves while a torrent makes progress."""
    status_interval: float = 0.5
    """Seconds between status updates (at most one `TorrentStatusesUpdated` per interval)."""
    shutdown_timeout: float = 5.0
    """Longest wait in `close()` for the last resume data."""
    rate_limit_local_peers: bool = False
    """Apply the rate limits to peers on local networks / loopback too (tests, bench)."""
    default_trackers: tuple[str, ...] = ()
    """Trackers given to a torrent or magnet that names none (a magnet made from a bare
    info-hash finds no peer without them unless the DHT does)."""
    several_peers_per_address: bool = False
    """Let peers share an IP address (they do on loopback: every local peer is 127.0.0.1). Off,
    libtorrent keeps one entry per address, and a seeder that came back on a new port is
    never reached because the stale port stays."""


@dataclass(frozen=True)
class TorrentStatus:
    """One torrent's state as the UI shows it (plain values, copied from libtorrent)."""

    info_hash: str
    state: TorrentState
    """What libtorrent does with it; "finished" is complete and stopped by its seeding goal."""
    progress: float
    """0..1 of the wanted bytes."""
    done: int
    wanted: int
    download_rate: int
    upload_rate: int
    uploaded: int
    """All-time upload bytes (ratio = uploaded / wanted)."""
    peers: int
    seeds: int
    seeding_seconds: float


@dataclass(frozen=True)
class PeerSummary:
    """One connected peer (for the detail pane)."""

    address: str
    client: str
    download_rate: int
    upload_rate: int
    progress: float
    seed: bool
    downloaded: int
    uploaded: int


@dataclass(frozen=True)
class TrackerSummary:
    """One tracker of a torrent, its URL with any passkey masked."""

    url: str
    tier: int
    status: str
    """"working" | "updating" | "error" | "not contacted"."""
    message: str
    """The tracker's own message; for "error", the error."""
    seeds: int | None
    peers: int | None
    next_announce: float | None = None
    """Unix seconds of the next announce; None when none is planned."""


# -------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True)
class TorrentStatusesUpdated(TorrentEngineEvent):
    """The torrents whose status changed since the last update (at most one per interval)."""

    statuses: tuple[TorrentStatus, ...]


@dataclass(frozen=True)
class TorrentMetadataReceived(TorrentEngineEvent):
    """A magnet got its metadata: `spec` has the torrent bytes and the files."""

    info_hash: str
    spec: TorrentSpec


@dataclass(frozen=True)
class TorrentDownloaded(TorrentEngineEvent):
    """Every wanted file is complete. Also sent again when more files are chosen and complete,
    and when a torrent restored from resume data is already complete: take it idempotently."""

    info_hash: str


@dataclass(frozen=True)
class TorrentSeedingDone(TorrentEngineEvent):
    """The seeding goal was reached; the engine paused the torrent."""

    info_hash: str


@dataclass(frozen=True)
class TorrentErrored(TorrentEngineEvent):
    """The torrent stopped on an error (disk full, missing files, bad metadata …)."""

    info_hash: str
    reason: str


@dataclass(frozen=True)
class TorrentStorageMoved(TorrentEngineEvent):
    """libtorrent moved the torrent's files into `save_path` (`storage_moved_alert`)."""

    info_hash: str
    save_path: Path


@dataclass(frozen=True)
class TorrentStorageMoveFailed(TorrentEngineEvent):
    """libtorrent could not move the torrent's files (`storage_moved_failed_alert`): they stay
    where they were (a file in the way is never replaced)."""

    info_hash: str
    reason: str


class DuplicateTorrentError(ExplainedError):
    """The torrent is already in the engine."""

    def __init__(self, info_hash: str) -> None:
        super().__init__(
            "This torrent is already in the downloads ({info_hash}).", info_hash=info_hash
        )
        self.info_hash = info_hash


# -------------------------------------------------------------------------------------------
# Bookkeeping


@dataclass(eq=False)
class _Torrent:
    info_hash: str
    save_path: Path
    name: str
    trackers: tuple[str, ...]
    files: tuple[TorrentFile, ...]
    pads: frozenset[int]
    """Indices of pad files (0 priority, never listed)."""
    num_files: int
    magnet: bool
    restored: bool = False
    """Re-added from resume data (a full check then means the data was rejected)."""
    handle: Any = None
    pending: list[Callable[[Any], None]] = field(default_factory=list)
    """Calls waiting for the handle (the add is asynchronous)."""
    magnet_priorities: dict[int, int] | None = None
    """Priorities to apply once a magnet's metadata arrives (None: all files)."""
    user_paused: bool = False
    seeding_done: bool = False
    error: str | None = None
    saves_pending: int = 0
    dirty: bool = False
    last_done: int = -1
    last_uploaded: int = -1
    wanted: int = 0
    uploaded: int = 0
    seeding: bool = False
    """Complete and running (libtorrent may still queue it when auto-managed)."""
    seed_seconds: float = 0.0
    seed_seconds_at: float | None = None
    """When `seed_seconds` was read, while it grows (actively seeding)."""
    last_status: TorrentStatus | None = None

    def seeding_seconds(self, now: float) -> float:
        if self.seed_seconds_at is None:
            return self.seed_seconds
        return self.seed_seconds + max(0.0, now - self.seed_seconds_at)


@dataclass(eq=False)
class _PieceRead:
    """One caller of `read_piece` waiting for the alert thread."""

    done: threading.Event = field(default_factory=threading.Event)
    data: bytes | None = None


def _key(hashes: Any) -> str:
    """The info-hash an `info_hash_t` is known by: v1 hex, or the truncated v2 for v2-only."""
    if hashes.has_v1():
        return str(hashes.v1)
    return str(hashes.v2)[:40]


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _files_of(info: Any) -> tuple[tuple[TorrentFile, ...], frozenset[int], int]:
    """(real files, pad indices, number of entries) from a torrent_info's layout."""
    storage = info.layout()
    files: list[TorrentFile] = []
    pads: set[int] = set()
    for index in range(storage.num_files()):
        if storage.file_flags(index) & lt.file_storage.flag_pad_file:
            pads.add(index)
            continue
        path = storage.file_path(index).replace(os.sep, "/")
        files.append(TorrentFile(index=index, path=path, size=storage.file_size(index)))
    return tuple(files), frozenset(pads), storage.num_files()


def _error_reason(error: Any, path: str = "") -> str:
    """A readable, passkey-free reason for a libtorrent `error_code`."""
    try:
        value = int(error.value())
        category = str(error.category().name())
        message = str(error.message())
    except Exception:  # an odd binding object: keep its text
        value, category, message = 0, "", str(error)
    text = _ERRNO_TEXT.get(value) if category in ("generic", "system") else None
    reason = text or message or "Unknown error"
    if path:
        reason = f"{reason}: {_clean(path)}"
    return mask_passkey(_clean(reason))


def _torrent_bytes(info_section: bytes, trackers: tuple[str, ...]) -> bytes:
    """A .torrent of a received info dict (verbatim, so the info-hash holds) and trackers."""
    meta: dict[str, Bencodable] = {"info": Raw(info_section)}
    if trackers:
        meta["announce"] = trackers[0]
        meta["announce-list"] = [[url] for url in trackers]
    return bencode(meta)


def session_settings(settings: EngineSettings) -> dict[str, Any]:
    """The libtorrent settings pack for `settings`."""
    try:
        policy, level = _ENCRYPTION[settings.encryption]
    except KeyError:
        raise ValueError(
            f"encryption must be one of {', '.join(_ENCRYPTION)}, not {settings.encryption!r}"
        ) from None
    category = lt.alert.category_t
    return {
        "listen_interfaces": settings.listen_interfaces,
        "download_rate_limit": max(0, int(settings.download_rate_limit)),
        "upload_rate_limit": max(0, int(settings.upload_rate_limit)),
        # Only finished torrents are auto-managed (seeding): downloads run as the queue says.
        "active_seeds": int(settings.max_active_seeds),
        "active_downloads": -1,
        "active_limit": -1,
        "enable_dht": settings.dht,
        "enable_lsd": settings.lsd,
        "enable_upnp": settings.upnp,
        "enable_natpmp": settings.natpmp,
        "enable_outgoing_utp": settings.utp,
        "enable_incoming_utp": settings.utp,
        "out_enc_policy": int(policy),
        "in_enc_policy": int(policy),
        "allowed_enc_level": int(level),
        # A "stopped" announce may not hold up shutdown (libtorrent#2706).
        "stop_tracker_timeout": 1,
        "allow_multiple_connections_per_ip": settings.several_peers_per_address,
        # read_piece_alert (`read_piece`) is a storage_notification; 2.1.1 was seen to post it
        # even without that category, but the mask need not rely on it.
        "alert_mask": int(
            category.error_notification
            | category.status_notification
            | category.storage_notification
        ),
        "alert_queue_size": 10000,
    }


def _rate_limit_local_peers(session: Any) -> None:
    """Put every address in the global peer class (libtorrent exempts local networks)."""
    peer_filter = lt.ip_filter()
    everyone = 1 << lt.session.global_peer_class_id
    peer_filter.add_rule("0.0.0.0", "255.255.255.255", everyone)
    peer_filter.add_rule("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", everyone)
    session.set_peer_class_filter(peer_filter)


# -------------------------------------------------------------------------------------------
# The engine


class TorrentEngine:
    """One libtorrent session; see the module docstring for threads and guarantees."""

    def __init__(self, bus: EventBus, resume_dir: Path, settings: EngineSettings) -> None:
        """An engine publishing on `bus`, keeping resume files in `resume_dir`."""
        self.bus = bus
        self.resume_dir = Path(resume_dir)
        self.settings = settings
        self._pack = session_settings(settings)  # validates the settings early
        self._lock = threading.RLock()
        self._saved = threading.Condition(self._lock)
        self._io_lock = threading.Lock()
        self._session: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._closing = False
        self._closed = False
        self._torrents: dict[str, _Torrent] = {}
        self._discarded: dict[str, bool] = {}
        """Removed before libtorrent added them: info-hash -> delete files."""
        self._piece_reads: dict[tuple[str, int], list[_PieceRead]] = {}
        """(info-hash, piece) -> callers of `read_piece` waiting for its alert."""

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Create the session and start the alert thread (idempotent)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the torrent engine is closed")
            if self._session is not None:
                return
            self.resume_dir.mkdir(parents=True, exist_ok=True)
            session = lt.session(cast("lt.settings_pack", self._pack))
            if self.settings.rate_limit_local_peers:
                _rate_limit_local_peers(session)
            self._session = session
            self._thread = threading.Thread(
                target=self._run, args=(session,), name="anitui-torrents", daemon=True
            )
            self._thread.start()

    @property
    def listen_port(self) -> int | None:
        """The port peers reach this session on (None before it listens)."""
        session = self._session
        if session is None:
            return None
        return int(session.listen_port()) or None

    def close(self) -> None:
        """Save the last resume data (bounded wait), stop the thread, destroy the session.

        Never hangs: the destruction (tracker "stopped" announces) runs on a thread of its own
        and is waited for a bounded time. Idempotent; every other method is a no-op after it.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._closing = True
            self._finish_piece_reads(list(self._piece_reads), None)
            session = self._session
            records = [r for r in self._torrents.values() if r.handle is not None]
        if session is None:
            return
        # The session dies with its last reference, which must be the closing thread's.
        box, session = [session], None
        deadline = time.monotonic() + self.settings.shutdown_timeout
        try:
            box[0].pause()
            with self._lock:
                for record in records:
                    self._save(record, flush=True)
                while any(r.saves_pending for r in self._torrents.values()):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        log.warning("closing without the last resume data of some torrents")
                        break
                    self._saved.wait(left)
        finally:
            self._stop.set()
            if self._thread is not None:
                self._thread.join(timeout=max(1.0, deadline - time.monotonic()))
            with self._lock:
                self._session = None
                self._torrents.clear()
            self._destroy(box)

    @staticmethod
    def _destroy(box: list[Any]) -> None:
        """Drop the session (`box` holds its last reference) on a thread; wait a bounded time."""

        def destroy() -> None:
            box.clear()  # blocks until libtorrent has stopped (tracker "stopped" announces)

        thread = threading.Thread(target=destroy, name="anitui-torrents-close", daemon=True)
        thread.start()
        thread.join(timeout=_DESTROY_TIMEOUT)
        if thread.is_alive():
            log.warning("the torrent session is still shutting down; not waiting for it")

    # --- adding -------------------------------------------------------------------------

    def add(
        self,
        spec: TorrentSpec,
        save_path: Path,
        *,
        file_priorities: Mapping[int, int] | None = None,
        paused: bool = False,
    ) -> None:
        """Add a torrent (asynchronous); `DuplicateTorrentError` if it is already here.

        `file_priorities` is keyed by `TorrentFile.index`; absent files get the default (4),
        0 skips a file. For a magnet they apply once the metadata arrives.
        """
        session = self._running()
        key = spec.info_hash.lower()
        trackers = spec.trackers or self.settings.default_trackers
        if spec.torrent is not None:
            try:
                info = lt.torrent_info(spec.torrent)
            except Exception as error:
                raise TorrentInputError(
                    "libtorrent cannot read this torrent: {reason}", reason=str(error)
                ) from None
            if _key(info.info_hashes()) != key:
                raise TorrentInputError("The torrent's info-hash does not match its data.")
            params = lt.add_torrent_params()
            params.ti = info
            files, pads, count = _files_of(info)
            record = _Torrent(
                info_hash=key,
                save_path=Path(save_path),
                name=spec.name,
                trackers=trackers,
                files=spec.files or files,
                pads=pads,
                num_files=count,
                magnet=False,
            )
            if file_priorities:
                params.file_priorities = self._priorities(record, file_priorities)
        elif spec.magnet is not None:
            try:
                params = lt.parse_magnet_uri(spec.magnet)
            except Exception as error:
                raise TorrentInputError(
                    "libtorrent cannot read this magnet: {reason}", reason=str(error)
                ) from None
            if _key(params.info_hashes) != key:
                raise TorrentInputError("The magnet's info-hash does not match.")
            record = _Torrent(
                info_hash=key,
                save_path=Path(save_path),
                name=spec.name,
                trackers=trackers,
                files=(),
                pads=frozenset(),
                num_files=0,
                magnet=True,
                magnet_priorities=dict(file_priorities) if file_priorities else None,
            )
        else:
            raise TorrentInputError("Nothing to add: neither a torrent nor a magnet.")
        if not spec.trackers:
            params.trackers = list(trackers)
        params.save_path = str(save_path)
        params.flags = self._flags(params.flags, paused=paused, magnet=record.magnet)
        record.user_paused = paused
        with self._lock:
            if key in self._torrents:
                raise DuplicateTorrentError(key)
            self._torrents[key] = record
            self._discarded.pop(key, None)
        session.async_add_torrent(params)

    def restore(self, info_hash: str, save_path: Path, *, paused: bool) -> bool:
        """Re-add a torrent from its resume file, with no recheck; False when none / unreadable."""
        session = self._running()
        key = info_hash.lower()
        try:
            data = self._resume_path(key).read_bytes()
        except OSError:
            return False
        try:
            params = lt.read_resume_data(data)
        except Exception as error:
            log.warning("unreadable resume data for %s: %s", key, error)
            return False
        info = params.ti
        hashes = info.info_hashes() if info is not None else params.info_hashes
        try:
            if _key(hashes) != key:
                log.warning("resume data of %s is for another torrent", key)
                return False
        except Exception:
            return False
        if info is not None:
            files, pads, count = _files_of(info)
            name = _clean(info.name())
        else:
            files, pads, count = (), frozenset(), 0
            name = _clean(params.name) or key
        record = _Torrent(
            info_hash=key,
            save_path=Path(save_path),
            name=name,
            trackers=tuple(params.trackers),
            files=files,
            pads=pads,
            num_files=count,
            magnet=info is None,
            restored=True,
            user_paused=paused,
        )
        params.save_path = str(save_path)
        params.flags = self._flags(params.flags, paused=paused, magnet=info is None)
        with self._lock:
            if key in self._torrents:
                raise DuplicateTorrentError(key)
            self._torrents[key] = record
            self._discarded.pop(key, None)
        session.async_add_torrent(params)
        return True

    @staticmethod
    def _flags(flags: Any, *, paused: bool, magnet: bool) -> Any:
        flags &= ~(
            lt.torrent_flags.auto_managed
            | lt.torrent_flags.paused
            | lt.torrent_flags.seed_mode
            | lt.torrent_flags.upload_mode
            | lt.torrent_flags.share_mode
        )
        if paused:
            flags |= lt.torrent_flags.paused
        if magnet:
            # No file is wanted until the metadata says which exist (PITFALLS.md).
            flags |= lt.torrent_flags.default_dont_download
        return flags

    # --- queries ------------------------------------------------------------------------

    def has(self, info_hash: str) -> bool:
        """Whether the torrent is in the engine."""
        with self._lock:
            return info_hash.lower() in self._torrents

    def files(self, info_hash: str) -> tuple[TorrentFile, ...]:
        """The real files (pad files skipped); () before the metadata is known."""
        record = self._record(info_hash)
        return record.files if record is not None else ()

    def save_path(self, info_hash: str) -> Path | None:
        """The folder the torrent saves into."""
        record = self._record(info_hash)
        return record.save_path if record is not None else None

    def handle(self, info_hash: str) -> Any:
        """libtorrent's handle (for the stream server), None until added."""
        record = self._record(info_hash)
        return record.handle if record is not None else None

    def status(self, info_hash: str) -> TorrentStatus | None:
        """The last published status of a torrent (None before the first update)."""
        record = self._record(info_hash)
        return record.last_status if record is not None else None

    def file_progress(self, info_hash: str) -> dict[int, int]:
        """Bytes done per `TorrentFile.index`. Blocking: call it off the UI loop."""
        record = self._record(info_hash)
        if record is None or record.handle is None or not record.files:
            return {}
        try:
            progress = record.handle.file_progress()
        except RuntimeError:
            return {}
        return {f.index: int(progress[f.index]) for f in record.files if f.index < len(progress)}

    def read_piece(self, info_hash: str, piece: int, timeout: float) -> bytes | None:
        """The bytes of a piece the torrent has, read through libtorrent (its cache, else the
        disk: the way peers are served) instead of the file, which may not hold them yet.

        None at once when the torrent is unknown or not added yet; None when libtorrent cannot
        read the piece (not had, removed), the engine closes, or `timeout` seconds pass.
        Blocking: call it off the UI loop, and never on the alert thread, which answers it.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("read_piece waits for the alert thread: not callable from it")
        key = info_hash.lower()
        waiter = _PieceRead()
        with self._lock:
            record = self._torrents.get(key)
            if self._closing or record is None or record.handle is None:
                return None
            waiters = self._piece_reads.setdefault((key, piece), [])
            waiters.append(waiter)
            # One read answers every caller waiting for this piece.
            ask = len(waiters) == 1
            handle = record.handle
        if ask:
            try:
                handle.read_piece(piece)
            except RuntimeError:  # removed meanwhile
                with self._lock:
                    self._finish_piece_reads([(key, piece)], None)
        if not waiter.done.wait(timeout):
            with self._lock:
                waiters = self._piece_reads.get((key, piece), [])
                if waiter in waiters:
                    waiters.remove(waiter)
                    if not waiters:
                        del self._piece_reads[(key, piece)]
        return waiter.data

    def peers(self, info_hash: str) -> list[PeerSummary]:
        """The connected peers. Blocking: call it off the UI loop."""
        record = self._record(info_hash)
        if record is None or record.handle is None:
            return []
        try:
            infos = record.handle.get_peer_info()
        except RuntimeError:
            return []
        peers = []
        for peer in infos:
            host, port = peer.ip[0], peer.ip[1]
            address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            client = peer.client
            if isinstance(client, bytes):
                client = client.decode("utf-8", "replace")
            peers.append(
                PeerSummary(
                    address=address,
                    client=_clean(str(client)),
                    download_rate=int(peer.payload_down_speed),
                    upload_rate=int(peer.payload_up_speed),
                    progress=float(peer.progress),
                    seed=bool(peer.flags & lt.peer_info.seed),
                    downloaded=int(peer.total_download),
                    uploaded=int(peer.total_upload),
                )
            )
        return peers

    def trackers(self, info_hash: str) -> list[TrackerSummary]:
        """The trackers with status and message, passkeys masked. Blocking: off the UI loop."""
        record = self._record(info_hash)
        if record is None:
            return []
        if record.handle is None:
            entries: list[dict[str, Any]] = [{"url": url, "tier": 0} for url in record.trackers]
        else:
            try:
                entries = list(record.handle.trackers())
            except RuntimeError:
                return []
        return [_tracker_summary(entry) for entry in entries]

    # --- control ------------------------------------------------------------------------

    def pause(self, info_hash: str) -> None:
        """Pause a torrent and save its resume data at once."""
        with self._lock:
            record = self._record(info_hash)
            if record is None:
                return
            record.user_paused = True
            self._on_handle(record, lambda h: self._pause_handle(record, h))

    def resume(self, info_hash: str) -> None:
        """Resume a paused, errored or seeding-done torrent (clears its error)."""
        with self._lock:
            record = self._record(info_hash)
            if record is None:
                return
            record.user_paused = False
            record.seeding_done = False
            record.error = None

            def resume(handle: Any) -> None:
                handle.clear_error()
                handle.unset_flags(lt.torrent_flags.auto_managed)
                handle.resume()
                self._save(record)

            self._on_handle(record, resume)

    def remove(self, info_hash: str, *, delete_files: bool) -> None:
        """Remove a torrent (and its files when asked) and delete its resume file."""
        key = info_hash.lower()
        with self._lock:
            record = self._torrents.pop(key, None)
            session = self._session
            if record is not None and record.handle is None:
                self._discarded[key] = delete_files
            self._finish_piece_reads([r for r in self._piece_reads if r[0] == key], None)
            self._saved.notify_all()
        with self._io_lock:
            for path in (self._resume_path(key), self._resume_tmp(key)):
                path.unlink(missing_ok=True)
        if record is None or record.handle is None or session is None:
            return
        try:
            session.remove_torrent(record.handle, lt.session.delete_files if delete_files else 0)
        except RuntimeError as error:
            log.warning("could not remove torrent %s: %s", key, error)

    def set_file_priorities(self, info_hash: str, priorities: Mapping[int, int]) -> None:
        """Set every file's priority (by `TorrentFile.index`; absent = 4, 0 = skip)."""
        with self._lock:
            record = self._record(info_hash)
            if record is None:
                return
            if record.magnet and not record.files:
                record.magnet_priorities = dict(priorities)
                return
            full = self._priorities(record, priorities)

            def prioritize(handle: Any) -> None:
                handle.prioritize_files(full)
                self._save(record)

            self._on_handle(record, prioritize)

    def move_storage(self, info_hash: str, save_path: Path) -> None:
        """Move the torrent's files into `save_path` (asynchronous: `TorrentStorageMoved` or
        `TorrentStorageMoveFailed` follows). A file already at the destination fails the move,
        never replaced. The engine's save path changes when libtorrent says it moved."""
        with self._lock:
            record = self._record(info_hash)
            if record is None:
                return
            self._on_handle(
                record,
                lambda h: h.move_storage(str(save_path), lt.move_flags_t.fail_if_exist),
            )

    def connect_peer(self, info_hash: str, host: str, port: int) -> None:
        """Connect the torrent to a peer (a local seeder, a peer the user knows)."""
        with self._lock:
            record = self._record(info_hash)
            if record is None:
                return
            self._on_handle(record, lambda h: h.connect_peer((host, int(port))))

    # --- internals: calls from any thread -----------------------------------------------

    def _running(self) -> Any:
        with self._lock:
            if self._session is None or self._closing:
                raise RuntimeError("the torrent engine is not running")
            return self._session

    def _record(self, info_hash: str) -> _Torrent | None:
        with self._lock:
            return self._torrents.get(info_hash.lower())

    def _resume_path(self, key: str) -> Path:
        return self.resume_dir / f"{key}.resume"

    def _resume_tmp(self, key: str) -> Path:
        return self.resume_dir / f"{key}.resume.tmp"

    @staticmethod
    def _priorities(record: _Torrent, priorities: Mapping[int, int]) -> list[int]:
        return [
            0
            if index in record.pads
            else max(0, min(7, int(priorities.get(index, DEFAULT_PRIORITY))))
            for index in range(record.num_files)
        ]

    def _on_handle(self, record: _Torrent, call: Callable[[Any], None]) -> None:
        """Run `call(handle)` now, or when libtorrent has added the torrent. Lock held."""
        if record.handle is None:
            record.pending.append(call)
            return
        try:
            call(record.handle)
        except RuntimeError as error:  # the handle died (removed meanwhile)
            log.debug("torrent call on %s failed: %s", record.info_hash, error)

    def _finish_piece_reads(self, reads: list[tuple[str, int]], data: bytes | None) -> None:
        """Hand `data` to every caller of `read_piece` waiting for `reads` (lock held)."""
        for read in reads:
            for waiter in self._piece_reads.pop(read, []):
                waiter.data = data
                waiter.done.set()

    def _pause_handle(self, record: _Torrent, handle: Any) -> None:
        handle.unset_flags(lt.torrent_flags.auto_managed)
        handle.pause()
        self._save(record)

    def _save(self, record: _Torrent, *, flush: bool = False) -> None:
        """Ask for resume data (lock held); counted until its alert arrives."""
        if record.handle is None:
            return
        flags = lt.torrent_handle.save_info_dict
        if flush:
            flags |= lt.torrent_handle.flush_disk_cache
        try:
            record.handle.save_resume_data(flags)
        except RuntimeError:
            return
        record.saves_pending += 1
        record.dirty = False

    def _write_resume(self, record: _Torrent, data: bytes) -> None:
        with self._io_lock:
            with self._lock:
                if self._torrents.get(record.info_hash) is not record:
                    return  # removed meanwhile: its resume file must not come back
            path, tmp = self._resume_path(record.info_hash), self._resume_tmp(record.info_hash)
            try:
                with open(tmp, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, path)
            except OSError as error:
                log.warning("could not save resume data of %s: %s", record.info_hash, error)
                tmp.unlink(missing_ok=True)

    # --- the alert thread ---------------------------------------------------------------

    def _run(self, session: Any) -> None:
        status_every = max(0.05, self.settings.status_interval)
        resume_every = max(0.05, self.settings.resume_interval)
        next_status = time.monotonic()
        next_resume = time.monotonic() + resume_every
        while not self._stop.is_set():
            now = time.monotonic()
            wait = min(_ALERT_WAIT, max(0.0, min(next_status, next_resume) - now))
            try:
                if session.wait_for_alert(int(wait * 1000)) is not None or wait == 0:
                    for alert in session.pop_alerts():
                        try:
                            self._on_alert(alert)
                        except Exception:
                            log.exception("handling %s failed", type(alert).__name__)
                now = time.monotonic()
                if now >= next_status:
                    next_status = now + status_every
                    if not self._closing:
                        session.post_torrent_updates()
                if now >= next_resume:
                    next_resume = now + resume_every
                    self._periodic_saves()
                self._check_goals(now)
            except Exception:
                log.exception("the torrent thread hit an error; it goes on")
                self._stop.wait(_ALERT_WAIT)

    def _periodic_saves(self) -> None:
        with self._lock:
            if self._closing:
                return
            for record in self._torrents.values():
                if record.dirty and record.saves_pending == 0:
                    self._save(record)

    def _for_alert(self, alert: Any) -> _Torrent | None:
        """The record of a torrent alert's torrent (lock held), None when unknown or stale."""
        try:
            handle = alert.handle
            record = self._torrents.get(_key(handle.info_hashes()))
        except RuntimeError:
            return None
        if record is None or record.handle is None or record.handle != handle:
            return None
        return record

    def _on_alert(self, alert: Any) -> None:
        if isinstance(alert, lt.state_update_alert):
            self._on_statuses(alert.status)
        elif isinstance(alert, lt.save_resume_data_alert):
            with self._lock:
                record = self._for_alert(alert)
                if record is None:
                    return
                data = bytes(lt.write_resume_data_buf(alert.params))
            self._write_resume(record, data)
            with self._lock:
                record.saves_pending = max(0, record.saves_pending - 1)
                self._saved.notify_all()
        elif isinstance(alert, lt.save_resume_data_failed_alert):
            with self._lock:
                record = self._for_alert(alert)
                if record is None:
                    return
                record.saves_pending = max(0, record.saves_pending - 1)
                self._saved.notify_all()
            log.debug("no resume data for %s: %s", record.info_hash, alert.message())
        elif isinstance(alert, lt.add_torrent_alert):
            self._on_added(alert)
        elif isinstance(alert, lt.state_changed_alert):
            self._on_state_changed(alert)
        elif isinstance(alert, lt.torrent_finished_alert):
            self._on_finished(alert)
        elif isinstance(alert, lt.metadata_received_alert):
            self._on_metadata(alert)
        elif isinstance(alert, lt.file_error_alert):
            self._fail(alert, _error_reason(alert.error, alert.filename()))
        elif isinstance(alert, lt.fastresume_rejected_alert):
            self._on_resume_rejected(alert)
        elif isinstance(alert, lt.torrent_error_alert):
            self._fail(alert, _error_reason(alert.error, getattr(alert, "filename", lambda: "")()))
        elif isinstance(alert, lt.metadata_failed_alert):
            self._fail(alert, "The torrent's metadata is invalid: " + _error_reason(alert.error))
        elif isinstance(alert, lt.listen_failed_alert):
            log.warning("libtorrent cannot listen: %s", redact(alert.message()))
        elif isinstance(alert, lt.read_piece_alert):
            self._on_piece_read(alert)
        elif isinstance(alert, lt.storage_moved_alert):
            self._on_storage_moved(alert)
        elif isinstance(alert, lt.storage_moved_failed_alert):
            reason = _error_reason(alert.error, alert.file_path())
            key = _alert_key(alert)
            log.warning("torrent %s not moved: %s", key, reason)
            self.bus.publish(TorrentStorageMoveFailed(key, reason))

    def _on_storage_moved(self, alert: Any) -> None:
        path = Path(alert.storage_path())
        with self._lock:
            record = self._for_alert(alert)
            if record is None:
                return
            record.save_path = path
            # The resume data names the folder: a restart must find the files where they are.
            self._save(record)
        log.info("torrent %s moved to %s", record.info_hash, path)
        self.bus.publish(TorrentStorageMoved(record.info_hash, path))

    def _on_piece_read(self, alert: Any) -> None:
        # The buffer dies with the alert at the next pop: copy it now.
        data = None if alert.error.value() else bytes(alert.buffer)
        with self._lock:
            self._finish_piece_reads([(_alert_key(alert), int(alert.piece))], data)

    def _on_resume_rejected(self, alert: Any) -> None:
        error, path = alert.error, alert.file_path()
        log.warning(
            "resume data of %s rejected (%s): full recheck",
            _alert_key(alert),
            _error_reason(error, path),
        )
        category, value = error.category().name(), int(error.value())
        if (category == "libtorrent" and value in _MISSING_FILES) or (
            category in ("generic", "system") and value == errno.ENOENT
        ):
            # Stop instead of silently downloading everything again: the user decides.
            reason = "Files are missing or changed on disk"
            reason = mask_passkey(f"{reason}: {_clean(path)}" if path else reason)
            with self._lock:
                record = self._for_alert(alert)
                if record is not None:
                    self._on_handle(record, functools.partial(self._pause_handle, record))
            self._fail(alert, reason)

    def _on_added(self, alert: Any) -> None:
        failed = bool(alert.error.value())
        params = alert.params
        try:
            hashes = params.ti.info_hashes() if params.ti is not None else params.info_hashes
            key = _key(hashes)
        except Exception:
            key = ""
        with self._lock:
            record = self._torrents.get(key)
            if record is not None and record.handle is not None:
                return  # added twice (libtorrent answers with the same handle): nothing to do
            if record is None:
                # Removed before libtorrent had added it: drop it from the session now.
                if key in self._discarded and not failed and self._session is not None:
                    delete = self._discarded.pop(key)
                    flags = lt.session.delete_files if delete else 0
                    self._session.remove_torrent(alert.handle, flags)
                return
            if failed:
                del self._torrents[key]
                reason = _error_reason(alert.error)
            else:
                record.handle = alert.handle
                pending, record.pending = record.pending, []
                for call in pending:
                    self._on_handle(record, call)
                if not record.restored:
                    # A restored torrent's resume file is what it was just read from.
                    self._save(record)
        if failed:
            log.warning("libtorrent refused torrent %s: %s", key, reason)
            self.bus.publish(TorrentErrored(key, reason))

    def _on_state_changed(self, alert: Any) -> None:
        state, previous = alert.state, alert.prev_state
        with self._lock:
            record = self._for_alert(alert)
            if record is None:
                return
            if state == lt.torrent_status.states.checking_files and record.restored:
                log.warning("checking all files of %s (full recheck)", record.info_hash)
            log.debug("%s: %s -> %s", record.info_hash, previous, state)
            if not self._closing:
                self._save(record)

    def _on_finished(self, alert: Any) -> None:
        with self._lock:
            record = self._for_alert(alert)
            if record is None:
                return
            handle = record.handle
        try:
            # A round trip, on this thread only: a magnet "finishes" with nothing wanted just
            # before its priorities apply, and priorities may have changed since.
            status = handle.status(0)
        except RuntimeError:
            return
        if not status.is_finished or status.total_wanted <= 0:
            return
        with self._lock:
            if self._torrents.get(record.info_hash) is not record:
                return
            if not self._closing:
                self._save(record)
        self.bus.publish(TorrentDownloaded(record.info_hash))

    def _on_metadata(self, alert: Any) -> None:
        with self._lock:
            record = self._for_alert(alert)
            if record is None:
                return
            handle = record.handle
        try:
            info = handle.torrent_file()
            section = bytes(info.info_section())
        except Exception as error:
            self._fail(alert, f"The torrent's metadata is unreadable: {error}")
            return
        try:
            spec = parse_torrent(_torrent_bytes(section, record.trackers))
        except TorrentInputError as error:
            # Hostile names: nothing was written (no file is wanted yet); stop it here.
            with self._lock:
                record.user_paused = True
                self._on_handle(record, lambda h: self._pause_handle(record, h))
            self._fail(alert, str(error))
            return
        files, pads, count = _files_of(info)
        with self._lock:
            if self._torrents.get(record.info_hash) is not record:
                return
            record.files = spec.files or files
            record.pads = pads
            record.num_files = count
            record.name = spec.name
            full = self._priorities(record, record.magnet_priorities or {})
            record.magnet_priorities = None
            self._on_handle(record, lambda h: h.prioritize_files(full))
            self._save(record)
        self.bus.publish(TorrentMetadataReceived(record.info_hash, spec))

    def _fail(self, alert: Any, reason: str) -> None:
        with self._lock:
            record = self._for_alert(alert)
            if record is None or record.error is not None:
                return  # one event per error (file_error and torrent_error come together)
            record.error = reason
        log.warning("torrent %s failed: %s", record.info_hash, reason)
        self.bus.publish(TorrentErrored(record.info_hash, reason))

    def _on_statuses(self, statuses: Any) -> None:
        now = time.monotonic()
        changed: list[TorrentStatus] = []
        with self._lock:
            for st in statuses:
                try:
                    record = self._torrents.get(_key(st.info_hashes))
                except RuntimeError:
                    continue
                if record is None or record.handle is None:
                    continue
                status = self._copy_status(record, st, now)
                if status != record.last_status:
                    record.last_status = status
                    changed.append(status)
        if changed:
            self.bus.publish(TorrentStatusesUpdated(tuple(changed)))
        self._check_goals(now)

    def _copy_status(self, record: _Torrent, st: Any, now: float) -> TorrentStatus:
        """Copy a torrent_status into a TorrentStatus and update the record (lock held)."""
        states = lt.torrent_status.states
        flags = st.flags
        paused = bool(flags & lt.torrent_flags.paused)
        auto = bool(flags & lt.torrent_flags.auto_managed)
        stopped = paused and not auto
        lt_state = st.state
        errored = bool(st.errc.value()) or record.error is not None
        wanted, done_bytes = int(st.total_wanted), int(st.total_wanted_done)
        # Nothing wanted (a magnet just before its priorities apply, or every file skipped)
        # is not "done": it must never count as seeding nor reach a seeding goal.
        done = (
            bool(st.is_finished)
            and wanted > 0
            and lt_state
            not in (states.checking_files, states.checking_resume_data, states.downloading_metadata)
        )
        uploaded = int(st.all_time_upload)
        state: TorrentState
        if errored:
            state = "error"
        elif lt_state in (
            states.checking_files,
            states.checking_resume_data,
            states.queued_for_checking,
        ):
            state = "checking"
        elif lt_state == states.downloading_metadata:
            state = "paused" if stopped else "metadata"
        elif stopped:
            state = "finished" if done and record.seeding_done else "paused"
        elif done:
            state = "seeding"
        else:
            state = "downloading"
        record.wanted, record.uploaded = wanted, uploaded
        if (done_bytes, uploaded) != (record.last_done, record.last_uploaded):
            if record.last_done >= 0:
                record.dirty = True
            record.last_done, record.last_uploaded = done_bytes, uploaded
        record.seeding = state == "seeding"
        # finished_duration, not seeding_duration: a torrent with some files skipped is
        # "finished", never "seeding", in libtorrent's terms, yet it uploads all the same.
        record.seed_seconds = st.finished_duration.total_seconds()
        record.seed_seconds_at = now if record.seeding and not paused else None
        self._manage(record, done=done, auto=auto, stopped=stopped, errored=errored)
        return TorrentStatus(
            info_hash=record.info_hash,
            state=state,
            progress=(done_bytes / wanted) if wanted else (1.0 if done else 0.0),
            done=done_bytes,
            wanted=wanted,
            download_rate=int(st.download_payload_rate),
            upload_rate=int(st.upload_payload_rate),
            uploaded=uploaded,
            peers=int(st.num_peers),
            seeds=int(st.num_seeds),
            seeding_seconds=record.seeding_seconds(now),
        )

    def _manage(
        self, record: _Torrent, *, done: bool, auto: bool, stopped: bool, errored: bool
    ) -> None:
        """Seeding torrents are auto-managed (libtorrent's `active_seeds`); downloads are not."""
        if self._closing or record.handle is None:
            return
        try:
            if done and not auto and not stopped and not errored and not record.seeding_done:
                record.handle.set_flags(lt.torrent_flags.auto_managed)
            elif auto and (not done or errored or record.user_paused or record.seeding_done):
                record.handle.unset_flags(lt.torrent_flags.auto_managed)
                if not done and not errored and not record.user_paused:
                    record.handle.resume()
        except RuntimeError:
            pass

    def _check_goals(self, now: float) -> None:
        """Stop torrents that reached the seeding goal (ratio or time, whichever first)."""
        ratio, seed_time = self.settings.seed_ratio, self.settings.seed_time
        reached: list[str] = []
        with self._lock:
            if self._closing:
                return
            for record in self._torrents.values():
                if not record.seeding or record.seeding_done or record.user_paused:
                    continue
                if record.handle is None or record.error is not None:
                    continue
                by_ratio = (
                    ratio > 0 and record.wanted > 0 and record.uploaded >= ratio * record.wanted
                )
                by_time = seed_time > 0 and record.seeding_seconds(now) >= seed_time
                if by_ratio or by_time or (ratio <= 0 and seed_time <= 0):
                    record.seeding_done = True
                    record.seeding = False
                    self._on_handle(record, functools.partial(self._pause_handle, record))
                    reached.append(record.info_hash)
        for key in reached:
            log.info("torrent %s reached its seeding goal", key)
            self.bus.publish(TorrentSeedingDone(key))


def _alert_key(alert: Any) -> str:
    try:
        return _key(alert.handle.info_hashes())
    except RuntimeError:
        return "?"


def _tracker_error(error: Any) -> str:
    """The text of a tracker entry's `last_error` ({'category': ..., 'value': ...})."""
    if not isinstance(error, Mapping) or not error.get("value"):
        return ""
    value, category = int(error["value"]), str(error.get("category", ""))
    if category in ("system", "generic"):
        return os.strerror(value)
    if category == "http":
        return f"HTTP error {value}"
    return f"{category} error {value}".strip()


def _tracker_summary(entry: Mapping[str, Any]) -> TrackerSummary:
    """A tracker entry of `handle.trackers()` (endpoints x protocol versions) in one line."""
    versions = [
        version
        for endpoint in entry.get("endpoints", ()) or ()
        for version in endpoint.get("info_hashes", ()) or ()
    ]
    status = "not contacted"
    if any(v.get("updating") for v in versions):
        status = "updating"
    elif any(v.get("start_sent") and not v.get("fails") for v in versions):
        status = "working"
    elif any(v.get("fails") for v in versions):
        status = "error"
    messages = [str(v.get("message") or "") for v in versions]
    errors = [_tracker_error(v.get("last_error")) for v in versions]
    message = next((m for m in messages if m), "")
    if status == "error":
        message = next((e for e in errors if e), message)
    # libtorrent marks "no announce planned" with a time far in the past (INT_MIN + 1).
    announces = [float(v["next_announce"]) for v in versions if v.get("next_announce", 0) > 0]
    seeds = [int(v["scrape_complete"]) for v in versions if v.get("scrape_complete", -1) >= 0]
    peers = [int(v["scrape_incomplete"]) for v in versions if v.get("scrape_incomplete", -1) >= 0]
    return TrackerSummary(
        url=mask_passkey(_clean(str(entry.get("url", "")))),
        tier=int(entry.get("tier", 0)),
        status=status,
        message=mask_passkey(_clean(message)),
        seeds=max(seeds) if seeds else None,
        peers=max(peers) if peers else None,
        next_announce=min(announces) if announces else None,
    )

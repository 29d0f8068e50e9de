"""The download queue (Aniworld's queue, for torrents): what downloads, in which order, and when.

`DownloadQueue` lives on the UI's asyncio loop: its methods are quick (an SQLite write, a
non-blocking engine call) and it reacts to the torrent engine's bus events, which the bus
delivers on that loop — so it needs no locks. Only `details()` and `stream_url()` block
(libtorrent round trips) and `close()` waits for the engine: call those off the loop
(`asyncio.to_thread`).

Statuses (Aniworld's, plus `seeding`):

    pending ──start──▶ downloading ──files complete──▶ seeding ──goal reached──▶ completed
       ▲   (slot free,        │     (no seeding goal: straight to completed) ▲
       │    queue running)    │                                              │
       │                      ├──engine error──▶ failed ──retry (by hand, or automatic
       │                      │                          with backoff)──▶ pending
       └──resume── paused ◀───┴──pause (downloading, seeding or pending)

- At most `max_active` downloads are `downloading`; the next one is the `pending` download with
  the highest priority (HIGH > NORMAL > LOW), then the lowest position (queue order). Seeding
  downloads don't take a slot (the engine limits seeds), nor do paused ones. A higher priority
  never stops a running download.
- `stop_queue()` starts no new downloads; running ones go on. The flag is stored.
- Resuming a paused download that was still downloading makes it `pending` again: it starts at
  once when a slot is free (and the queue runs), else when its turn comes. A paused download
  whose files were complete goes back to `seeding`.
- A magnet whose metadata has not arrived `metadata_timeout` seconds after it started
  downloading is stalled: it fails with `STALLED` and is retried like any failure.
- A failed download leaves the engine (its files stay). Automatic retries wait
  `retry_backoff * 2**n` seconds (n = retries so far) up to `max_retries` times; a retry by hand
  resets that count. A retried download starts again from its `.torrent` (or magnet):
  libtorrent checks the files already on disk and downloads only what is missing.
- A `completed` download stays in the engine, stopped, until the app closes (a file played while
  it downloaded goes on playing); it is not restored at the next start, where its resume file
  is deleted. `completed_at` is when every chosen file was complete, so a seeding download has
  it too.
- `cancelled` is never stored: `remove()` forgets the download, and `DownloadRemoved` carries its
  last state with status `cancelled` when it had not completed or failed.

Progress: the engine's status batches update each download's figures; every batch becomes one
`DownloadProgress` event. Bytes done are written to the store at most every
`progress_save_interval` seconds (and on every status change and at `close()`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import shutil
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.services.errors import ExplainedError, Phrase
from app.services.events import DownloadEvent, EventBus
from app.services.torrent_meta import (
    TorrentFile,
    TorrentInputError,
    TorrentSpec,
    check_free_space,
    parse_magnet,
    parse_torrent,
    safe_save_path,
)
from app.services.torrent_stream import StreamError, TorrentStreamServer, is_playable
from app.services.torrents import (
    DuplicateTorrentError,
    PeerSummary,
    TorrentDownloaded,
    TorrentEngine,
    TorrentErrored,
    TorrentMetadataReceived,
    TorrentSeedingDone,
    TorrentStatus,
    TorrentStatusesUpdated,
    TorrentStorageMoved,
    TorrentStorageMoveFailed,
    TrackerSummary,
)
from app.sources.redaction import redact
from app.store.downloads import (
    PRIORITIES,
    STATUSES,
    DownloadPriority,
    DownloadRecord,
    DownloadStatus,
    DownloadStore,
)

__all__ = [
    "PRIORITIES",
    "SOURCES",
    "STALLED",
    "STATUSES",
    "DownloadAdded",
    "DownloadChanged",
    "DownloadCompleted",
    "DownloadDetails",
    "DownloadError",
    "DownloadEvent",
    "DownloadFailed",
    "DownloadItem",
    "DownloadMoveFailed",
    "DownloadPriority",
    "DownloadProgress",
    "DownloadQueue",
    "DownloadRemoved",
    "DownloadStatus",
    "DuplicateDownloadError",
    "QueueStarted",
    "QueueStatistics",
    "QueueStatusChanged",
    "QueueStopped",
]

log = logging.getLogger("anitui.downloads")

SOURCES = ("anilibria", "nekobt", "torrentapi", "file", "magnet")
"""Where a download can come from."""

_RANK: dict[DownloadPriority, int] = {"HIGH": 0, "NORMAL": 1, "LOW": 2}
_IN_ENGINE: frozenset[DownloadStatus] = frozenset({"downloading", "paused", "seeding"})
_PRIORITY_ON = 4  # libtorrent's default file priority
_PRIORITY_OFF = 0


STALLED = "Stalled: no peer sent the torrent's metadata"
"""The error of a magnet whose metadata never arrived (a msgid: the UI translates it)."""


class Timer(Protocol):
    """What `call_later` returns: something that can be cancelled (asyncio's `TimerHandle`)."""

    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], Timer]
"""Runs a callback after a delay in seconds; `loop.call_later` by default (tests inject one)."""


class DownloadError(ExplainedError, ValueError):
    """A queue operation was refused (duplicate, unsafe folder, no free space, a download in
    the wrong state, a bad selection …); the UI explains it to the user."""


class DuplicateDownloadError(DownloadError):
    """The torrent is already in the queue; `item` is the download that has it."""

    def __init__(self, item: DownloadItem) -> None:
        self.item = item
        super().__init__(
            "Already in the downloads: {name} ({status})",
            name=item.label,
            status=Phrase(item.status),
        )


# -------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class DownloadItem:
    """One download as the UI shows it: its stored state and its live figures."""

    id: str
    info_hash: str
    name: str
    title_id: int | None
    title_name: str | None
    episodes: str | None
    source: str
    status: DownloadStatus
    priority: DownloadPriority
    position: int
    folder: str
    """The save folder relative to the download root ("" = the root); absolute only when
    folders outside the root are allowed."""
    selected: tuple[int, ...] | None
    """`TorrentFile.index` of the chosen files; None = all."""
    added_at: float
    started_at: float | None
    completed_at: float | None
    done: int
    """Wanted bytes done."""
    wanted: int
    """Wanted bytes (0 while a magnet's metadata is unknown)."""
    download_rate: int
    upload_rate: int
    peers: int
    seeds: int
    eta: float | None
    """Seconds left at the current rate while downloading; None when unknown."""
    error: str | None
    retry_count: int
    next_retry_at: float | None

    @property
    def label(self) -> str:
        """The name rows and messages call it by: what it was added as (a release name that
        says title, quality and episodes), else the torrent's own name."""
        return self.title_name or self.name

    @property
    def percent(self) -> float:
        """Progress of the wanted bytes, 0–100."""
        if self.wanted > 0:
            return min(100.0, 100.0 * self.done / self.wanted)
        return 100.0 if self.status in ("seeding", "completed") else 0.0


@dataclass(frozen=True)
class QueueStatistics:
    """The queue at a glance (Aniworld's `statistics`, in bytes and seconds)."""

    total_items: int
    pending_count: int
    active_count: int
    """Downloads in `downloading`."""
    completed_count: int
    """Downloads whose files are complete: `completed` and `seeding`."""
    failed_count: int
    total_downloaded: int
    """Bytes done, summed over every download in the queue."""
    average_speed: float
    """Bytes/s: the summed download rate, averaged over the last `speed_window` seconds."""
    estimated_time_remaining: float | None
    """Seconds to download what is left of the downloading and pending downloads at
    `average_speed`; None when nothing is left or nothing moves."""


@dataclass(frozen=True)
class DownloadDetails:
    """What the detail pane shows of one download (see `DownloadQueue.details`)."""

    item: DownloadItem
    files: tuple[TorrentFile, ...]
    selected: frozenset[int]
    """Indices of the chosen files (every file when all are chosen)."""
    file_progress: Mapping[int, int]
    """Bytes done per `TorrentFile.index` (what is known; missing = 0)."""
    trackers: tuple[TrackerSummary, ...]
    """Its trackers (URLs passkey-masked); () when it is not in the engine."""
    peers: tuple[PeerSummary, ...]
    """Its connected peers; () when it is not in the engine."""


# -------------------------------------------------------------------------------------------
# Events (Aniworld's WebSocket messages, as bus events)


@dataclass(frozen=True)
class DownloadAdded(DownloadEvent):
    """A download joined the queue (`download_added`)."""

    item: DownloadItem


@dataclass(frozen=True)
class DownloadRemoved(DownloadEvent):
    """A download left the queue (`download_removed`); its last state, `cancelled` unless it
    had completed or failed."""

    item: DownloadItem


@dataclass(frozen=True)
class DownloadChanged(DownloadEvent):
    """A download's status, priority, place or files changed (not progress)."""

    item: DownloadItem


@dataclass(frozen=True)
class DownloadProgress(DownloadEvent):
    """Fresh figures of the downloads in one engine status batch (`download_progress`)."""

    items: tuple[DownloadItem, ...]


@dataclass(frozen=True)
class DownloadCompleted(DownloadEvent):
    """Every chosen file of a download is complete (`download_complete`); it may seed on."""

    item: DownloadItem


@dataclass(frozen=True)
class DownloadFailed(DownloadEvent):
    """A download failed (`download_failed`); `item.error` says why, `item.next_retry_at` when
    it is retried by itself (None: it waits for the user)."""

    item: DownloadItem


@dataclass(frozen=True)
class DownloadMoveFailed(DownloadEvent):
    """libtorrent could not move a download's files (`relocate`): they stay where they were."""

    item: DownloadItem
    reason: str


@dataclass(frozen=True)
class QueueStarted(DownloadEvent):
    """The queue starts new downloads again (`queue_started`)."""


@dataclass(frozen=True)
class QueueStopped(DownloadEvent):
    """The queue starts no new downloads; running ones go on (`queue_stopped`)."""


@dataclass(frozen=True)
class QueueStatusChanged(DownloadEvent):
    """The queue's counts changed (`queue_status`): after every operation and status change."""

    statistics: QueueStatistics


@dataclass
class _Live:
    """Figures from the engine that are not stored on every change."""

    download_rate: int = 0
    upload_rate: int = 0
    peers: int = 0
    seeds: int = 0

    def stop(self) -> None:
        self.download_rate = self.upload_rate = self.peers = self.seeds = 0


# -------------------------------------------------------------------------------------------
# The queue


class DownloadQueue:
    """The persistent download queue driving a `TorrentEngine` (see the module docstring)."""

    def __init__(
        self,
        store: DownloadStore,
        engine: TorrentEngine,
        bus: EventBus,
        download_root: Path,
        *,
        max_active: int = 3,
        retry_backoff: float = 30.0,
        max_retries: int = 5,
        metadata_timeout: float = 300.0,
        allow_outside_root: bool = False,
        clock: Callable[[], float] = time.time,
        call_later: CallLater | None = None,
        progress_save_interval: float = 5.0,
        speed_window: float = 10.0,
        folder_for: Callable[[int], str | None] | None = None,
    ) -> None:
        """A queue over `store` and `engine`; nothing happens until `open()`.

        `clock` gives Unix seconds (added / started / completed times, retry due times);
        `call_later(delay, callback)` schedules automatic retries and metadata timeouts
        (default: the running loop's `call_later`); `metadata_timeout` 0 lets a magnet wait for
        its metadata forever. `progress_save_interval`: the most seconds of progress a crash
        loses from the store (libtorrent's resume data has its own interval). `speed_window`:
        seconds the queue's average speed covers. `folder_for(title_id)`: the folder a new
        download of a title goes to when `add()` names none (the library's series folder,
        `[library] organize`); None, or a folder outside the root that is not allowed, keeps
        the root.
        """
        if max_active < 1:
            raise ValueError("max_active must be at least 1")
        self._store = store
        self._engine = engine
        self._bus = bus
        self._root = Path(download_root)
        self._max_active = max_active
        self._retry_backoff = retry_backoff
        self._max_retries = max_retries
        self._metadata_timeout = metadata_timeout
        self._allow_outside = allow_outside_root
        self._clock = clock
        self._call_later_fn = call_later
        self._save_interval = progress_save_interval
        self._speed_window = speed_window
        self._folder_for = folder_for
        self._records: dict[str, DownloadRecord] = {}
        self._by_hash: dict[str, str] = {}
        self._live: dict[str, _Live] = {}
        self._files: dict[str, tuple[TorrentFile, ...]] = {}
        """Files parsed from the stored `.torrent` (downloads the engine does not hold)."""
        self._timers: dict[str, Timer] = {}
        self._visiting: set[str] = set()
        """Info-hashes in the engine only while their files move (`relocate`)."""
        self._dirty: set[str] = set()
        self._last_save = 0.0
        self._speeds: deque[tuple[float, int]] = deque()
        self._running = True
        self._opened = False
        self._closed = False
        self._unsubscribe: list[Callable[[], None]] = []

    # lifecycle ---------------------------------------------------------------------------------

    def open(self) -> None:
        """Load the queue, bring back every download that was in the engine, then schedule.

        Downloading, seeding and (once started) paused downloads are restored from their resume
        data without a recheck; when a resume file is missing, the download is added again from
        its stored `.torrent` or magnet (libtorrent checks the files on disk then). Failed
        downloads get their automatic retry timers back. Call on the UI loop, once.
        """
        if self._opened:
            return
        self._opened = True
        bus = self._bus
        self._unsubscribe = [
            bus.subscribe(TorrentStatusesUpdated, self._on_statuses),
            bus.subscribe(TorrentMetadataReceived, self._on_metadata),
            bus.subscribe(TorrentDownloaded, self._on_downloaded),
            bus.subscribe(TorrentSeedingDone, self._on_seeding_done),
            bus.subscribe(TorrentErrored, self._on_errored),
            bus.subscribe(TorrentStorageMoved, self._on_storage_moved),
            bus.subscribe(TorrentStorageMoveFailed, self._on_storage_move_failed),
        ]
        self._running = self._store.queue_running()
        self._last_save = self._clock()
        for record in self._store.all():
            self._remember(record)
        for record in list(self._records.values()):
            if record.status in ("downloading", "seeding"):
                self._bring_back(record, paused=False)
                self._watch_metadata(record.id)
            elif record.status == "paused" and record.started_at is not None:
                self._bring_back(record, paused=True)
            elif record.status == "failed" and record.next_retry_at is not None:
                self._arm_retry(record.id, max(0.0, record.next_retry_at - self._clock()))
            elif record.status == "completed":
                # Not restored: its resume file (kept while it stayed in the engine) goes.
                self._engine.remove(record.info_hash, delete_files=False)
        self._schedule()
        self._publish_status()

    def close(self) -> None:
        """Save progress, stop listening and close the engine (final resume data, bounded).

        Blocks while the engine shuts down: call it off the UI loop. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        try:
            self._save_progress(force=True)
        except Exception:
            log.exception("could not save download progress at close")
        self._engine.close()

    # reading -----------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """Whether the queue starts new downloads."""
        return self._running

    @property
    def max_active(self) -> int:
        """How many downloads run at once."""
        return self._max_active

    def items(self) -> tuple[DownloadItem, ...]:
        """Every download in queue order (position)."""
        records = sorted(self._records.values(), key=lambda r: (r.position, r.added_at))
        return tuple(self._item(r) for r in records)

    def get(self, download_id: str) -> DownloadItem | None:
        """One download, or None when it is not in the queue."""
        record = self._records.get(download_id)
        return None if record is None else self._item(record)

    def find(self, info_hash: str) -> DownloadItem | None:
        """The download of an info-hash (40 hex), or None."""
        download_id = self._by_hash.get(info_hash.lower())
        return None if download_id is None else self.get(download_id)

    def statistics(self) -> QueueStatistics:
        """Counts, bytes, average speed and the queue's ETA (see `QueueStatistics`)."""
        counts = {status: 0 for status in STATUSES}
        remaining = 0
        total_done = 0
        for record in self._records.values():
            counts[record.status] += 1
            total_done += record.done
            if record.status in ("downloading", "pending"):
                remaining += max(0, record.wanted - record.done)
        speed = self._average_speed()
        eta = remaining / speed if speed > 0 and remaining > 0 else None
        return QueueStatistics(
            total_items=len(self._records),
            pending_count=counts["pending"],
            active_count=counts["downloading"],
            completed_count=counts["completed"] + counts["seeding"],
            failed_count=counts["failed"],
            total_downloaded=total_done,
            average_speed=speed,
            estimated_time_remaining=eta,
        )

    def files(self, download_id: str) -> tuple[TorrentFile, ...]:
        """The download's files (() while a magnet's metadata is unknown)."""
        record = self._require(download_id)
        if self._engine.has(record.info_hash):
            files = self._engine.files(record.info_hash)
            if files:
                return files
        cached = self._files.get(download_id)
        if cached is None:
            spec = self._stored_spec(record)
            cached = () if spec is None else spec.files
            if cached:
                self._files[download_id] = cached
        return cached

    def save_path(self, download_id: str) -> Path:
        """The folder the download's files are saved in (multi-file torrents add their name)."""
        return self._save_path(self._require(download_id))

    def free_space(self) -> int | None:
        """Bytes free on the disk of the download root (None when it cannot be read)."""
        probe = self._root.absolute()
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent
        try:
            return shutil.disk_usage(probe).free
        except OSError:
            return None

    def video_file(self, download_id: str) -> TorrentFile | None:
        """The video `P` plays: the first chosen playable file in path order (None: none)."""
        record = self._require(download_id)
        chosen = None if record.selected is None else set(record.selected)
        videos = [
            f
            for f in self.files(download_id)
            if is_playable(f.path) and (chosen is None or f.index in chosen)
        ]
        return min(videos, key=lambda f: f.path) if videos else None

    def stream_url(
        self, streams: TorrentStreamServer, info_hash: str, file_index: int
    ) -> str | None:
        """What the player opens for one file of a download: a loopback range-server URL while
        the torrent is in the engine, the file's path once it completed and left it; None when
        the download, the file or its metadata is unknown.

        Blocking (the stream server asks libtorrent): call it off the UI loop.
        """
        record = self._records.get(self._by_hash.get(info_hash.lower(), ""))
        if record is None:
            return None
        handle = self._engine.handle(info_hash)
        if handle is None:
            if record.status != "completed":
                return None
            entry = next((f for f in self.files(record.id) if f.index == file_index), None)
            if entry is None:
                return None
            path = self._save_path(record) / entry.path
            return str(path) if path.is_file() else None
        try:
            return streams.publish(
                handle, file_index, functools.partial(self._engine.read_piece, info_hash)
            )
        except StreamError as error:
            log.info("cannot stream file %d of %s: %s", file_index, info_hash, error)
            return None

    def details(self, download_id: str) -> DownloadDetails | None:
        """Files with their progress, trackers and peers of one download; None if it is gone.

        Blocking (libtorrent round trips): call it off the UI loop.
        """
        record = self._records.get(download_id)
        if record is None:
            return None
        files = self.files(download_id)
        selected = (
            frozenset(f.index for f in files)
            if record.selected is None
            else frozenset(record.selected)
        )
        info_hash = record.info_hash
        progress: Mapping[int, int] = {}
        trackers: tuple[TrackerSummary, ...] = ()
        peers: tuple[PeerSummary, ...] = ()
        if self._engine.has(info_hash):
            progress = self._engine.file_progress(info_hash)
            trackers = tuple(self._engine.trackers(info_hash))
            peers = tuple(self._engine.peers(info_hash))
        elif record.status == "completed":
            progress = {f.index: f.size for f in files if f.index in selected}
        return DownloadDetails(
            item=self._item(record),
            files=files,
            selected=selected,
            file_progress=progress,
            trackers=trackers,
            peers=peers,
        )

    # adding and removing ---------------------------------------------------------------------

    def add(
        self,
        spec: TorrentSpec,
        *,
        source: str,
        title_id: int | None = None,
        title_name: str | None = None,
        episodes: str | None = None,
        priority: DownloadPriority = "NORMAL",
        selected: Iterable[int] | None = None,
        folder: str | None = None,
    ) -> DownloadItem:
        """Queue a torrent; it starts at once when a slot is free and the queue runs.

        `selected`: `TorrentFile.index` of the files to download (None: all). `folder`: where
        to save, relative to the download root (None: the title's `folder_for`, else the
        root). Raises
        `DuplicateDownloadError` (with the queued `item`) when the info-hash is already queued,
        and `DownloadError` for a folder outside the root, not enough free space for the chosen
        files, or a bad priority, source or selection.
        """
        self._check_open()
        _check_priority(priority)
        if source not in SOURCES:
            raise DownloadError("unknown download source {source!r}", source=source)
        info_hash = spec.info_hash.lower()
        existing = self._by_hash.get(info_hash)
        if existing is not None:
            raise DuplicateDownloadError(self._item(self._records[existing]))
        chosen = _normalize_selection(spec.files, selected)
        wanted = _wanted_size(spec.files, chosen) if spec.files else spec.total_size
        if folder is None and title_id is not None:
            folder = self._title_folder(title_id)
        try:
            save_path = safe_save_path(self._root, folder or "", allow_outside=self._allow_outside)
            check_free_space(save_path, wanted)
        except TorrentInputError as error:
            raise DownloadError(error.message, **error.values) from error
        now = self._clock()
        record = DownloadRecord(
            id=uuid.uuid4().hex,
            info_hash=info_hash,
            name=spec.name or info_hash,
            title_id=title_id,
            title_name=title_name,
            episodes=episodes,
            source=source,
            magnet=spec.magnet,
            status="pending",
            priority=priority,
            position=self._store.next_position(),
            folder=self._folder_text(save_path),
            selected=chosen,
            added_at=now,
            started_at=None,
            completed_at=None,
            done=0,
            wanted=wanted,
            error=None,
            retry_count=0,
            next_retry_at=None,
        )
        self._store.insert(record, spec.torrent)
        self._remember(record)
        log.info("download added: %s (%s)", info_hash, source)
        self._bus.publish(DownloadAdded(self._item(record)))
        self._schedule()
        self._publish_status()
        return self._item(self._records[record.id])

    def remove(self, download_id: str, *, delete_files: bool) -> None:
        """Take a download out of the queue (and out of the engine); with `delete_files`, its
        files too — only inside its save folder within the download root."""
        self._check_open()
        record = self._require(download_id)
        files: tuple[TorrentFile, ...] = ()
        in_engine = self._engine.has(record.info_hash)
        if delete_files and not in_engine:
            files = self.files(download_id)
        self._cancel_timer(download_id)
        if in_engine:
            # libtorrent deletes the files itself, after its pending disk writes.
            self._engine.remove(record.info_hash, delete_files=delete_files)
        if delete_files and not in_engine:
            self._delete_files(record, files)
        self._store.delete(download_id)
        item = self._item(record)
        self._forget(download_id)
        if item.status not in ("completed", "failed"):
            item = dataclasses.replace(item, status="cancelled", download_rate=0, eta=None)
        log.info("download removed: %s (files %s)", record.info_hash, delete_files)
        self._bus.publish(DownloadRemoved(item))
        self._schedule()
        self._publish_status()

    def remove_many(self, download_ids: Iterable[str], *, delete_files: bool) -> None:
        """Aniworld's multi-remove: each download as `remove` takes it. The running ones go
        last, so that a slot they free is not handed to one about to be removed."""
        records = [self._require(i) for i in download_ids]
        for record in sorted(records, key=lambda r: r.status == "downloading"):
            self.remove(record.id, delete_files=delete_files)

    def clear_pending(self) -> int:
        """Forget every waiting (pending) download, Aniworld's "clear pending"; how many."""
        self._check_open()
        return self._clear({"pending"})

    def clear_completed(self) -> int:
        """Forget every finished download — `completed` and `seeding`, the ones
        `QueueStatistics.completed_count` counts (seeding stops; files stay); how many."""
        self._check_open()
        return self._clear({"completed", "seeding"})

    def clear_failed(self) -> int:
        """Forget every failed download (files stay); how many."""
        self._check_open()
        return self._clear({"failed"})

    # the queue -----------------------------------------------------------------------------

    def start_queue(self) -> None:
        """Start new downloads again (stored)."""
        self._check_open()
        if not self._running:
            self._running = True
            self._store.set_queue_running(True)
            self._bus.publish(QueueStarted())
        self._schedule()
        self._publish_status()

    def stop_queue(self) -> None:
        """Start no new downloads; running ones go on (stored)."""
        self._check_open()
        if self._running:
            self._running = False
            self._store.set_queue_running(False)
            self._bus.publish(QueueStopped())
        self._publish_status()

    def pause(self, download_id: str) -> None:
        """Pause a downloading, seeding or pending download; it frees its slot."""
        self._check_open()
        record = self._require(download_id)
        if record.status == "paused":
            return
        if record.status not in ("downloading", "seeding", "pending"):
            raise DownloadError(
                "A {status} download cannot be paused.", status=Phrase(record.status)
            )
        if record.status != "pending" and self._engine.has(record.info_hash):
            self._engine.pause(record.info_hash)
        self._cancel_timer(download_id)  # a paused magnet is not stalled
        self._live_of(download_id).stop()
        self._set(download_id, status="paused", done=record.done, wanted=record.wanted)
        self._changed(download_id)
        self._schedule()
        self._publish_status()

    def resume(self, download_id: str) -> None:
        """Resume a paused download: back to `seeding` when its files were complete, else
        `pending` (it starts as soon as a slot is free)."""
        self._check_open()
        record = self._require(download_id)
        if record.status != "paused":
            if record.status in ("pending", "downloading", "seeding"):
                return
            raise DownloadError(
                "A {status} download cannot be resumed.", status=Phrase(record.status)
            )
        if record.completed_at is not None:
            if self._engine.has(record.info_hash):
                self._engine.resume(record.info_hash)
            else:
                self._bring_back(record, paused=False)
            if self._records[download_id].status == "paused":
                self._set(download_id, status="seeding")
        else:
            self._set(download_id, status="pending")
        self._changed(download_id)
        self._schedule()
        self._publish_status()

    def toggle_pause(self, download_id: str) -> None:
        """Pause a running download, or resume a paused one."""
        if self._require(download_id).status == "paused":
            self.resume(download_id)
        else:
            self.pause(download_id)

    def move(self, download_id: str, delta: int) -> None:
        """Move a pending download `delta` places among the pending ones (negative: earlier)."""
        self._check_open()
        record = self._require(download_id)
        if record.status != "pending":
            raise DownloadError("Only waiting (pending) downloads can be moved.")
        pending = sorted(
            (r for r in self._records.values() if r.status == "pending"),
            key=lambda r: (r.position, r.added_at),
        )
        ids = [r.id for r in pending]
        old = ids.index(download_id)
        new = min(max(old + delta, 0), len(ids) - 1)
        if new == old:
            return
        slots = [r.position for r in pending]
        ids.insert(new, ids.pop(old))
        changes = [(item_id, slot) for item_id, slot in zip(ids, slots, strict=True)]
        self._store.set_positions(changes)
        for item_id, slot in changes:
            self._records[item_id] = dataclasses.replace(self._records[item_id], position=slot)
        self._changed(download_id)
        self._publish_status()

    def set_priority(self, download_id: str, priority: DownloadPriority) -> None:
        """Change a download's priority (it decides which pending download starts next)."""
        self._check_open()
        _check_priority(priority)
        record = self._require(download_id)
        if record.priority == priority:
            return
        self._set(download_id, priority=priority)
        self._changed(download_id)
        self._schedule()
        self._publish_status()

    def bump_priority(self, download_id: str, delta: int) -> DownloadPriority:
        """Raise (+1) or lower (-1) a download's priority within LOW..HIGH; the new one."""
        current = PRIORITIES.index(self._require(download_id).priority)
        priority = PRIORITIES[min(max(current + delta, 0), len(PRIORITIES) - 1)]
        self.set_priority(download_id, priority)
        return priority

    def retry(self, download_ids: Sequence[str] | None = None) -> list[str]:
        """Queue failed downloads again (these, or every failed one for None); the ids retried.

        A retry by hand resets the automatic retry count.
        """
        self._check_open()
        if download_ids is None:
            targets = [r.id for r in self._ordered() if r.status == "failed"]
        else:
            targets = [i for i in download_ids if self._require(i).status == "failed"]
        for download_id in targets:
            self._cancel_timer(download_id)
            self._set(download_id, status="pending", retry_count=0, next_retry_at=None)
            self._changed(download_id)
        if targets:
            self._schedule()
            self._publish_status()
        return targets

    def set_selected_files(self, download_id: str, selected: Iterable[int] | None) -> None:
        """Choose which files of a download to get (None: all); applies at once.

        More files for a finished download make it download again (checking what is on disk).
        """
        self._check_open()
        record = self._require(download_id)
        files = self.files(download_id)
        if not files:
            raise DownloadError("The file list is not known yet (waiting for metadata).")
        chosen = _normalize_selection(files, selected)
        old = (
            frozenset(f.index for f in files)
            if record.selected is None
            else frozenset(record.selected)
        )
        new = frozenset(f.index for f in files) if chosen is None else frozenset(chosen)
        added = [f for f in files if f.index in new - old]
        if added:
            try:
                check_free_space(self._save_path(record), sum(f.size for f in added))
            except TorrentInputError as error:
                raise DownloadError(error.message, **error.values) from error
        wanted = _wanted_size(files, chosen)
        if self._engine.has(record.info_hash):
            self._engine.set_file_priorities(record.info_hash, _priorities(files, chosen))
        changes: dict[str, Any] = {"selected": chosen, "wanted": wanted}
        status: DownloadStatus | None = None
        if added and record.completed_at is not None:
            changes["completed_at"] = None
            if record.status == "seeding":
                status = "downloading"
            elif record.status == "completed":
                status = "pending"
        self._set(download_id, status=status, **changes)
        self._changed(download_id)
        self._schedule()
        self._publish_status()

    def relocate(self, download_id: str, folder: str) -> None:
        """Move a download's files into `folder` (relative to the download root, or absolute
        where folders outside it are allowed) with libtorrent's `move_storage`.

        Asynchronous: the download's folder changes (`DownloadChanged`) only once libtorrent
        says the files moved — a `kill -9` in between leaves it naming where they were — and
        `DownloadMoveFailed` says why they did not. A download the engine does not hold
        (completed in an earlier run, failed) is brought in, paused, for the move and leaves
        again. One that never started just gets the folder. Raises `DownloadError` for a
        folder outside the root, the folder it is in, or a file or folder of the download
        already at the destination (nothing is moved over anything).
        """
        self._check_open()
        record = self._require(download_id)
        try:
            target = safe_save_path(self._root, folder, allow_outside=self._allow_outside)
        except TorrentInputError as error:
            raise DownloadError(error.message, **error.values) from error
        current = self._save_path(record)
        if target.resolve() == current.resolve():
            raise DownloadError("{name} is already in {folder}.", name=record.name, folder=folder)
        tops = sorted({f.path.split("/", 1)[0] for f in self.files(download_id)})
        taken = [name for name in tops if (target / name).exists() or (target / name).is_symlink()]
        if taken:
            raise DownloadError(
                "{path} is already there: nothing is moved over it.", path=str(target / taken[0])
            )
        if record.started_at is None:
            self._set(download_id, folder=self._folder_text(target))
            self._changed(download_id)
            return
        if not self._engine.has(record.info_hash):
            spec = self._stored_spec(record)
            if spec is None:
                raise DownloadError("Neither the .torrent nor a magnet link is stored.")
            priorities = _priorities(spec.files, record.selected) if spec.files else None
            self._engine.add(spec, current, file_priorities=priorities, paused=True)
            self._visiting.add(record.info_hash)
        self._engine.move_storage(record.info_hash, target)

    # engine events -----------------------------------------------------------------------------

    def _on_storage_moved(self, event: TorrentStorageMoved) -> None:
        download_id = self._download_of(event.info_hash)
        if download_id is None:
            return
        self._set(download_id, folder=self._folder_text(event.save_path))
        self._leave_after_visit(event.info_hash)
        self._changed(download_id)

    def _on_storage_move_failed(self, event: TorrentStorageMoveFailed) -> None:
        download_id = self._download_of(event.info_hash)
        if download_id is None:
            return
        self._leave_after_visit(event.info_hash)
        self._bus.publish(DownloadMoveFailed(self._item(self._records[download_id]), event.reason))

    def _leave_after_visit(self, info_hash: str) -> None:
        """A download brought into the engine only to be moved leaves it again."""
        if info_hash in self._visiting:
            self._visiting.discard(info_hash)
            self._engine.remove(info_hash, delete_files=False)

    def _on_statuses(self, event: TorrentStatusesUpdated) -> None:
        if self._closed:
            return
        changed: list[DownloadItem] = []
        for status in event.statuses:
            download_id = self._by_hash.get(status.info_hash)
            if download_id is None:
                continue
            record = self._records[download_id]
            self._apply_status(download_id, record, status)
            changed.append(self._item(self._records[download_id]))
        now = self._clock()
        total_rate = sum(
            self._live_of(r.id).download_rate
            for r in self._records.values()
            if r.status == "downloading"
        )
        self._speeds.append((now, total_rate))
        self._trim_speeds(now)
        self._save_progress(force=False)
        if changed:
            self._bus.publish(DownloadProgress(tuple(changed)))

    def _apply_status(
        self, download_id: str, record: DownloadRecord, status: TorrentStatus
    ) -> None:
        live = self._live_of(download_id)
        if record.status in ("downloading", "seeding"):
            live.download_rate = status.download_rate
            live.upload_rate = status.upload_rate
            live.peers = status.peers
            live.seeds = status.seeds
        else:
            live.stop()
        if record.status not in _IN_ENGINE:
            return
        wanted = status.wanted if status.wanted > 0 else record.wanted
        if (status.done, wanted) != (record.done, record.wanted):
            self._records[download_id] = dataclasses.replace(
                record, done=status.done, wanted=wanted
            )
            self._dirty.add(download_id)

    def _on_metadata(self, event: TorrentMetadataReceived) -> None:
        download_id = self._download_of(event.info_hash)
        if download_id is None:
            return
        self._cancel_timer(download_id)
        record = self._records[download_id]
        spec = event.spec
        if spec.torrent is not None:
            self._store.set_torrent(download_id, spec.torrent)
        self._files.pop(download_id, None)
        chosen = record.selected
        if chosen is not None:
            known = {f.index for f in spec.files}
            chosen = tuple(i for i in chosen if i in known) or None
        wanted = _wanted_size(spec.files, chosen)
        self._set(download_id, name=spec.name or record.name, selected=chosen, wanted=wanted)
        try:
            check_free_space(self._save_path(record), wanted)
        except TorrentInputError as error:
            self._fail(download_id, str(error))
            return
        if self._engine.has(event.info_hash):
            self._engine.set_file_priorities(event.info_hash, _priorities(spec.files, chosen))
        self._changed(download_id)

    def _on_downloaded(self, event: TorrentDownloaded) -> None:
        download_id = self._download_of(event.info_hash)
        if download_id is None:
            return
        record = self._records[download_id]
        if record.status not in ("downloading", "paused", "pending"):
            return
        now = self._clock()
        was_paused = record.status == "paused"
        if self._seeding_goal():
            status: DownloadStatus = "paused" if was_paused else "seeding"
            self._set(download_id, status=status, completed_at=now, done=record.wanted, error=None)
            self._live_of(download_id).download_rate = 0
        else:
            # It stays in the engine (which stops it) until the next start, so that a file
            # being played while it downloaded goes on playing.
            self._live_of(download_id).stop()
            self._set(
                download_id, status="completed", completed_at=now, done=record.wanted, error=None
            )
        log.info("download complete: %s", event.info_hash)
        self._bus.publish(DownloadCompleted(self._item(self._records[download_id])))
        self._schedule()
        self._publish_status()

    def _on_seeding_done(self, event: TorrentSeedingDone) -> None:
        download_id = self._download_of(event.info_hash)
        if download_id is None:
            return
        record = self._records[download_id]
        if record.status == "downloading":
            # More files were chosen just as it finished; the engine's goal check saw it
            # complete and stopped it: it has more to download.
            self._engine.resume(event.info_hash)
            return
        if record.status not in ("seeding", "paused") or record.completed_at is None:
            return
        self._live_of(download_id).stop()
        self._set(download_id, status="completed")
        self._changed(download_id)
        self._publish_status()

    def _on_errored(self, event: TorrentErrored) -> None:
        download_id = self._download_of(event.info_hash)
        if download_id is None:
            return
        if self._records[download_id].status not in _IN_ENGINE:
            return
        self._fail(download_id, event.reason)

    # internals ---------------------------------------------------------------------------------

    def _download_of(self, info_hash: str) -> str | None:
        """The download an engine event is about; None once closed or for a torrent not ours."""
        return None if self._closed else self._by_hash.get(info_hash)

    def _fail(self, download_id: str, reason: str) -> None:
        """Take a download out of the engine as failed; plan its automatic retry if any left."""
        record = self._records[download_id]
        if self._engine.has(record.info_hash):
            self._engine.remove(record.info_hash, delete_files=False)
        self._live_of(download_id).stop()
        self._cancel_timer(download_id)
        next_retry_at: float | None = None
        if record.retry_count < self._max_retries:
            delay = self._retry_backoff * 2**record.retry_count
            next_retry_at = self._clock() + delay
            self._arm_retry(download_id, delay)
        reason = redact(reason) or "unknown error"
        self._set(download_id, status="failed", error=reason, next_retry_at=next_retry_at)
        log.warning("download failed: %s: %s", record.info_hash, reason)
        self._bus.publish(DownloadFailed(self._item(self._records[download_id])))
        self._schedule()
        self._publish_status()

    def _arm_retry(self, download_id: str, delay: float) -> None:
        self._arm(download_id, delay, self._auto_retry)

    def _arm(self, download_id: str, delay: float, callback: Callable[[str], None]) -> None:
        """Run `callback(download_id)` after `delay`; one timer per download (a failed one
        waits for its retry, a downloading one for its metadata)."""
        self._cancel_timer(download_id)
        try:
            timer = self._call_later(delay, lambda: callback(download_id))
        except RuntimeError:
            log.warning("no event loop: %s for %s is not planned", callback.__name__, download_id)
            return
        self._timers[download_id] = timer

    def _call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        if self._call_later_fn is not None:
            return self._call_later_fn(delay, callback)
        return asyncio.get_running_loop().call_later(delay, callback)

    def _auto_retry(self, download_id: str) -> None:
        self._timers.pop(download_id, None)
        if self._closed:
            return
        record = self._records.get(download_id)
        if record is None or record.status != "failed" or record.next_retry_at is None:
            return
        log.info("retrying %s (automatic retry %d)", record.info_hash, record.retry_count + 1)
        self._set(
            download_id,
            status="pending",
            retry_count=record.retry_count + 1,
            next_retry_at=None,
        )
        self._changed(download_id)
        self._schedule()
        self._publish_status()

    def _watch_metadata(self, download_id: str) -> None:
        """Stall a magnet that gets no metadata in time."""
        if self._metadata_timeout > 0 and self._store.torrent(download_id) is None:
            self._arm(download_id, self._metadata_timeout, self._metadata_overdue)

    def _metadata_overdue(self, download_id: str) -> None:
        self._timers.pop(download_id, None)
        record = None if self._closed else self._records.get(download_id)
        if record is None or record.status != "downloading":
            return
        if self._store.torrent(download_id) is None:
            self._fail(download_id, STALLED)

    def _cancel_timer(self, download_id: str) -> None:
        timer = self._timers.pop(download_id, None)
        if timer is not None:
            timer.cancel()

    def _schedule(self) -> None:
        """Start pending downloads while slots are free and the queue runs."""
        if self._closed or not self._opened or not self._running:
            return
        while True:
            active = sum(1 for r in self._records.values() if r.status == "downloading")
            if active >= self._max_active:
                return
            pending = [r for r in self._records.values() if r.status == "pending"]
            if not pending:
                return
            nxt = min(pending, key=lambda r: (_RANK[r.priority], r.position, r.added_at))
            self._start(nxt)

    def _start(self, record: DownloadRecord) -> None:
        """pending -> downloading: resume it in the engine, restore it, or add it."""
        now = self._clock()
        self._set(
            record.id,
            status="downloading",
            started_at=record.started_at if record.started_at is not None else now,
            error=None,
        )
        if self._engine.has(record.info_hash):
            self._engine.resume(record.info_hash)
        else:
            self._bring_back(self._records[record.id], paused=False)
        if self._records[record.id].status == "downloading":
            log.info("download started: %s", record.info_hash)
            self._watch_metadata(record.id)
            self._changed(record.id)

    def _bring_back(self, record: DownloadRecord, *, paused: bool) -> None:
        """Put a download into the engine: from its resume data, else from its torrent."""
        save_path = self._save_path(record)
        try:
            if self._engine.restore(record.info_hash, save_path, paused=paused):
                return
            spec = self._stored_spec(record)
            if spec is None:
                raise TorrentInputError("Neither the .torrent nor a magnet link is stored.")
            priorities = _priorities(spec.files, record.selected) if spec.files else None
            try:
                self._engine.add(spec, save_path, file_priorities=priorities, paused=paused)
            except DuplicateTorrentError:
                if not paused:
                    self._engine.resume(record.info_hash)
        except RuntimeError as error:
            if self._closed:
                return  # shutting down: the download stays as stored
            self._fail(record.id, str(error))
        except (TorrentInputError, OSError) as error:
            self._fail(record.id, str(error))

    def _stored_spec(self, record: DownloadRecord) -> TorrentSpec | None:
        data = self._store.torrent(record.id)
        if data is not None:
            return parse_torrent(data)
        if record.magnet:
            return parse_magnet(record.magnet)
        return None

    def _seeding_goal(self) -> bool:
        settings = getattr(self._engine, "settings", None)
        if settings is None:
            return False
        return bool(settings.seed_ratio > 0 or settings.seed_time > 0)

    def _clear(self, statuses: set[DownloadStatus]) -> int:
        ids = [r.id for r in self._ordered() if r.status in statuses]
        if not ids:
            return 0
        items = [self._item(self._records[i]) for i in ids]
        for download_id in ids:
            self._cancel_timer(download_id)
            record = self._records[download_id]
            if self._engine.has(record.info_hash):
                self._engine.remove(record.info_hash, delete_files=False)
        count = self._store.delete_ids(ids)
        for download_id in ids:
            self._forget(download_id)
        for item in items:
            self._bus.publish(DownloadRemoved(item))
        self._publish_status()
        return count

    def _delete_files(self, record: DownloadRecord, files: Sequence[TorrentFile]) -> None:
        """Delete a download's files that lie inside its save folder within the root."""
        save_path = self._save_path(record)
        try:
            base = save_path.resolve()
            root = self._root.resolve()
        except OSError:
            return
        if not (self._allow_outside or base.is_relative_to(root)):
            return
        parents: set[Path] = set()
        targets = [save_path / f.path for f in files]
        targets.append(save_path / f".{record.info_hash}.parts")
        for target in targets:
            try:
                resolved = target.resolve()
                if resolved == base or not resolved.is_relative_to(base):
                    continue
                if target.is_file() or target.is_symlink():
                    target.unlink()
                parents.update(p for p in target.parents if p.resolve() != base)
            except OSError as error:
                log.warning("could not delete %s: %s", target, error)
        for directory in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            if directory.resolve().is_relative_to(base):
                with contextlib.suppress(OSError):
                    directory.rmdir()  # only when empty

    def _save_progress(self, *, force: bool) -> None:
        now = self._clock()
        if not self._dirty or (not force and now - self._last_save < self._save_interval):
            return
        rows = [
            (i, self._records[i].done, self._records[i].wanted)
            for i in self._dirty
            if i in self._records
        ]
        self._store.save_progress(rows)
        self._dirty.clear()
        self._last_save = now

    def _average_speed(self) -> float:
        now = self._clock()
        self._trim_speeds(now)
        if self._speeds:
            return sum(rate for _, rate in self._speeds) / len(self._speeds)
        return float(
            sum(
                self._live_of(r.id).download_rate
                for r in self._records.values()
                if r.status == "downloading"
            )
        )

    def _trim_speeds(self, now: float) -> None:
        while self._speeds and self._speeds[0][0] < now - self._speed_window:
            self._speeds.popleft()

    def _set(
        self, download_id: str, *, status: DownloadStatus | None = None, **changes: Any
    ) -> None:
        """Change a download, in the store and in memory (unsaved progress goes along); `status`
        None keeps the status."""
        if status is not None:
            changes["status"] = status
        record = self._records[download_id]
        if "done" not in changes and download_id in self._dirty:
            changes["done"] = record.done
            changes["wanted"] = changes.get("wanted", record.wanted)
        self._store.update(download_id, **changes)
        self._records[download_id] = dataclasses.replace(record, **changes)
        if "done" in changes:
            self._dirty.discard(download_id)

    def _remember(self, record: DownloadRecord) -> None:
        self._records[record.id] = record
        self._by_hash[record.info_hash] = record.id
        self._live.setdefault(record.id, _Live())

    def _forget(self, download_id: str) -> None:
        record = self._records.pop(download_id, None)
        if record is not None:
            self._by_hash.pop(record.info_hash, None)
        self._live.pop(download_id, None)
        self._files.pop(download_id, None)
        self._dirty.discard(download_id)

    def _live_of(self, download_id: str) -> _Live:
        return self._live.setdefault(download_id, _Live())

    def _ordered(self) -> list[DownloadRecord]:
        return sorted(self._records.values(), key=lambda r: (r.position, r.added_at))

    def _require(self, download_id: str) -> DownloadRecord:
        record = self._records.get(download_id)
        if record is None:
            raise KeyError(f"No download {download_id!r} in the queue.")
        return record

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the download queue is closed")

    def _title_folder(self, title_id: int) -> str | None:
        """The folder `folder_for` gives a title's new download, if the root may hold it."""
        folder = None if self._folder_for is None else self._folder_for(title_id)
        if folder is None:
            return None
        try:
            safe_save_path(self._root, folder, allow_outside=self._allow_outside)
        except TorrentInputError:
            log.info(
                "title %d's folder %s is outside the download root: not used", title_id, folder
            )
            return None
        return folder

    def _save_path(self, record: DownloadRecord) -> Path:
        folder = Path(record.folder)
        return folder if folder.is_absolute() else self._root / folder

    def _folder_text(self, save_path: Path) -> str:
        try:
            relative = save_path.resolve().relative_to(self._root.resolve())
        except ValueError:
            return str(save_path)
        text = relative.as_posix()
        return "" if text == "." else text

    def _item(self, record: DownloadRecord) -> DownloadItem:
        live = self._live.get(record.id) or _Live()
        downloading = record.status == "downloading"
        rate = live.download_rate if downloading else 0
        eta: float | None = None
        if downloading and rate > 0 and record.wanted > 0:
            eta = max(0, record.wanted - record.done) / rate
        return DownloadItem(
            id=record.id,
            info_hash=record.info_hash,
            name=record.name,
            title_id=record.title_id,
            title_name=record.title_name,
            episodes=record.episodes,
            source=record.source,
            status=record.status,
            priority=record.priority,
            position=record.position,
            folder=record.folder,
            selected=record.selected,
            added_at=record.added_at,
            started_at=record.started_at,
            completed_at=record.completed_at,
            done=record.done,
            wanted=record.wanted,
            download_rate=rate,
            upload_rate=live.upload_rate if record.status in ("downloading", "seeding") else 0,
            peers=live.peers,
            seeds=live.seeds,
            eta=eta,
            error=record.error,
            retry_count=record.retry_count,
            next_retry_at=record.next_retry_at,
        )

    def _changed(self, download_id: str) -> None:
        self._bus.publish(DownloadChanged(self._item(self._records[download_id])))

    def _publish_status(self) -> None:
        if not self._closed:
            self._bus.publish(QueueStatusChanged(self.statistics()))


def _check_priority(priority: str) -> None:
    if priority not in _RANK:
        raise DownloadError(
            "unknown priority {priority!r} (LOW, NORMAL or HIGH)", priority=priority
        )


def _normalize_selection(
    files: Sequence[TorrentFile], selected: Iterable[int] | None
) -> tuple[int, ...] | None:
    """Sorted unique chosen indices, or None for "all" (also when every file is chosen)."""
    if selected is None:
        return None
    chosen = tuple(sorted({int(i) for i in selected}))
    if not files:
        return chosen or None
    known = {f.index for f in files}
    unknown = [i for i in chosen if i not in known]
    if unknown:
        raise DownloadError("The torrent has no file with index {index}", index=unknown[0])
    if not chosen:
        raise DownloadError("Choose at least one file to download.")
    return None if set(chosen) == known else chosen


def _wanted_size(files: Sequence[TorrentFile], selected: Sequence[int] | None) -> int:
    if selected is None:
        return sum(f.size for f in files)
    chosen = set(selected)
    return sum(f.size for f in files if f.index in chosen)


def _priorities(files: Sequence[TorrentFile], selected: Sequence[int] | None) -> dict[int, int]:
    chosen = None if selected is None else set(selected)
    return {
        f.index: _PRIORITY_ON if chosen is None or f.index in chosen else _PRIORITY_OFF
        for f in files
    }

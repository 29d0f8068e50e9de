"""The download queue's persistent part: one row per torrent in `downloads` (migration 3).

A row holds what a restart needs to bring a download back: its state, place and priority in the
queue, its folder, the chosen files, the `.torrent` bytes (a magnet's arrive with its metadata)
or the magnet, and its progress as last saved. Speeds, peers and other figures that change every
second are not stored; `done` is saved now and then by the queue, not on every tick.

Whether the queue runs (starts new downloads) is kept in the `kv` table.

The `.torrent` bytes are read on their own (`torrent()`): listing the queue never loads them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, TypeVar, get_args

from app.store.db import Database, StoreError
from app.store.kv import KeyValueStore

__all__ = [
    "PRIORITIES",
    "QUEUE_RUNNING_KEY",
    "STATUSES",
    "DownloadPriority",
    "DownloadRecord",
    "DownloadStatus",
    "DownloadStore",
]

DownloadStatus = Literal[
    "pending", "downloading", "paused", "seeding", "completed", "failed", "cancelled"
]
"""Every status a download can have (Aniworld's, plus `seeding`): where it is in the queue, not
libtorrent's state of its torrent (`app.services.torrents.TorrentState`). The `downloads`
table's CHECK constraint lists the same values (a migration, so it is written out)."""

STATUSES: tuple[DownloadStatus, ...] = get_args(DownloadStatus)
"""`DownloadStatus`'s values, for code that walks them all."""

DownloadPriority = Literal["LOW", "NORMAL", "HIGH"]
"""A download's priority, lowest first; it decides which pending download starts next."""

PRIORITIES: tuple[DownloadPriority, ...] = get_args(DownloadPriority)
"""`DownloadPriority`'s values, lowest first."""

QUEUE_RUNNING_KEY = "downloads.queue_running"
"""The `kv` key of the queue's running flag ("1" / "0"; absent: running)."""


@dataclass(frozen=True, slots=True)
class DownloadRecord:
    """One download as stored (without its `.torrent` bytes)."""

    id: str
    info_hash: str
    """v1 info-hash, 40 lowercase hex; unique in the queue."""
    name: str
    """The torrent's name (cleaned for display); a magnet's `dn` until its metadata arrives."""
    title_id: int | None
    title_name: str | None
    episodes: str | None
    """The episode range of an AniLibria torrent ("1-12"), for display."""
    source: str
    """Where it came from: "anilibria", "nekobt", "torrentapi", "file" or "magnet"."""
    magnet: str | None
    status: DownloadStatus
    priority: DownloadPriority
    position: int
    """Queue order: lower comes first among the same priority."""
    folder: str
    """The save folder, relative to the download root ("" = the root itself); absolute only when
    folders outside the root are allowed."""
    selected: tuple[int, ...] | None
    """`TorrentFile.index` of the chosen files; None = all."""
    added_at: float
    started_at: float | None
    completed_at: float | None
    """When every chosen file was complete (a seeding download has it too)."""
    done: int
    """Wanted bytes done, as last saved."""
    wanted: int
    """Wanted bytes in all (0 while unknown: a magnet before its metadata)."""
    error: str | None
    retry_count: int
    """Automatic retries since the download last failed by itself or was retried by hand."""
    next_retry_at: float | None
    """Unix time of the next automatic retry of a failed download; None: none planned."""


_COLUMNS = tuple(f.name for f in fields(DownloadRecord))
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM downloads"
_UPDATABLE = frozenset(_COLUMNS) - {"id", "info_hash"}


class DownloadStore:
    """The `downloads` table of `db` and the queue's running flag."""

    def __init__(self, db: Database) -> None:
        """Use the `downloads` and `kv` tables of `db`."""
        self._db = db
        self._kv = KeyValueStore(db)

    # rows -------------------------------------------------------------------------------------

    def insert(self, record: DownloadRecord, torrent: bytes | None) -> None:
        """Add a download; StoreError when its id or info-hash is already stored."""
        values = _to_row(record)
        values["torrent"] = torrent
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        self._db.execute(f"INSERT INTO downloads ({names}) VALUES ({marks})", values)

    def get(self, download_id: str) -> DownloadRecord | None:
        """The download with this id, or None."""
        row = self._db.query_one(_SELECT + " WHERE id = ?", (download_id,))
        return None if row is None else _record(row)

    def by_info_hash(self, info_hash: str) -> DownloadRecord | None:
        """The download of this info-hash (lowercase hex), or None."""
        row = self._db.query_one(_SELECT + " WHERE info_hash = ?", (info_hash,))
        return None if row is None else _record(row)

    def all(self) -> list[DownloadRecord]:
        """Every download in queue order (position)."""
        return [_record(row) for row in self._db.query(_SELECT + " ORDER BY position, added_at")]

    def has_unfinished(self) -> bool:
        """Whether any download still needs the engine or the queue (anything not completed)."""
        row = self._db.query_one(
            "SELECT 1 AS found FROM downloads WHERE status != 'completed' LIMIT 1"
        )
        return row is not None

    def torrent(self, download_id: str) -> bytes | None:
        """The stored `.torrent` bytes of a download (None: a magnet without metadata yet)."""
        row = self._db.query_one("SELECT torrent FROM downloads WHERE id = ?", (download_id,))
        return None if row is None or row["torrent"] is None else bytes(row["torrent"])

    def set_torrent(self, download_id: str, torrent: bytes) -> None:
        """Store the `.torrent` bytes (a magnet's metadata arrived)."""
        self._db.execute("UPDATE downloads SET torrent = ? WHERE id = ?", (torrent, download_id))

    def update(self, download_id: str, **changes: Any) -> None:
        """Change some fields of one download (any `DownloadRecord` field but id and info-hash)."""
        if not changes:
            return
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise StoreError(f"cannot update download fields {sorted(unknown)}")
        values = _to_row_values(changes)
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        values["id"] = download_id
        self._db.execute(f"UPDATE downloads SET {assignments} WHERE id = :id", values)

    def save_progress(self, progress: Iterable[tuple[str, int, int]]) -> None:
        """Save `(id, done, wanted)` of several downloads in one transaction."""
        rows = list(progress)
        if not rows:
            return
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE downloads SET done = ?, wanted = ? WHERE id = ?",
                [(done, wanted, download_id) for download_id, done, wanted in rows],
            )

    def set_positions(self, positions: Iterable[tuple[str, int]]) -> None:
        """Set the queue position of several downloads at once (`(id, position)`)."""
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE downloads SET position = ? WHERE id = ?",
                [(position, download_id) for download_id, position in positions],
            )

    def next_position(self) -> int:
        """A position after every stored download's."""
        row = self._db.query_one("SELECT MAX(position) AS last FROM downloads")
        return 0 if row is None or row["last"] is None else int(row["last"]) + 1

    def delete(self, download_id: str) -> bool:
        """Forget a download; False when it was not stored."""
        return self._db.execute("DELETE FROM downloads WHERE id = ?", (download_id,)) > 0

    def delete_ids(self, download_ids: Sequence[str]) -> int:
        """Forget several downloads; how many were stored."""
        if not download_ids:
            return 0
        with self._db.transaction() as conn:
            return sum(
                conn.execute("DELETE FROM downloads WHERE id = ?", (download_id,)).rowcount
                for download_id in download_ids
            )

    # the queue's flag -------------------------------------------------------------------------

    def queue_running(self) -> bool:
        """Whether the queue starts new downloads (True until it was first stopped)."""
        return self._kv.get(QUEUE_RUNNING_KEY) != "0"

    def set_queue_running(self, running: bool) -> None:
        """Remember whether the queue starts new downloads."""
        self._kv.set(QUEUE_RUNNING_KEY, "1" if running else "0")


def _to_row(record: DownloadRecord) -> dict[str, Any]:
    return _to_row_values({name: getattr(record, name) for name in _COLUMNS})


def _to_row_values(values: dict[str, Any]) -> dict[str, Any]:
    row = dict(values)
    if "selected" in row:
        selected = row["selected"]
        row["selected"] = None if selected is None else json.dumps([int(i) for i in selected])
    return row


def _record(row: sqlite3.Row) -> DownloadRecord:
    selected_text = row["selected"]
    selected: tuple[int, ...] | None = None
    if selected_text is not None:
        try:
            parsed = json.loads(selected_text)
            selected = tuple(int(i) for i in parsed)
        except (ValueError, TypeError):
            # A damaged list must not hide the download: fall back to "all files".
            selected = None
    return DownloadRecord(
        id=str(row["id"]),
        info_hash=str(row["info_hash"]),
        name=str(row["name"]),
        title_id=None if row["title_id"] is None else int(row["title_id"]),
        title_name=row["title_name"],
        episodes=row["episodes"],
        source=str(row["source"]),
        magnet=row["magnet"],
        status=_one_of(STATUSES, row["status"]),
        priority=_one_of(PRIORITIES, row["priority"]),
        position=int(row["position"]),
        folder=str(row["folder"]),
        selected=selected,
        added_at=float(row["added_at"]),
        started_at=_float(row["started_at"]),
        completed_at=_float(row["completed_at"]),
        done=int(row["done"]),
        wanted=int(row["wanted"]),
        error=row["error"],
        retry_count=int(row["retry_count"]),
        next_retry_at=_float(row["next_retry_at"]),
    )


_Choice = TypeVar("_Choice", bound=str)


def _one_of(choices: tuple[_Choice, ...], value: object) -> _Choice:
    # The table's CHECK constraint already refuses other values; this turns the column's plain
    # text into the typed value without a cast that would hide a schema drifting from the type.
    for choice in choices:
        if value == choice:
            return choice
    raise StoreError(f"unexpected value {value!r} in the downloads table (one of {choices})")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)

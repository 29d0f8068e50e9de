"""The HTTP response cache: one SQLite file in the cache dir, shared by every API client.

It stores the raw bodies of allow-listed reads (which read may be cached is decided by
`ApiHttp`, never here) keyed by a redacted request key, plus the mirror each API last answered
from. It is a cache: every failure to read or write it is logged and treated as a miss, never
raised to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

_log = logging.getLogger("anitui.http")

_T = TypeVar("_T")

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS mirrors (
    namespace TEXT PRIMARY KEY,
    base_url TEXT NOT NULL
);
"""


class CachedBody(NamedTuple):
    """A cached response body and when it was fetched (unix seconds)."""

    body: bytes
    fetched_at: float


class HttpCache:
    """SQLite-backed response cache; opened lazily, safe to share between clients."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._broken = False
        # One connection serves every worker thread `asyncio.to_thread` picks; the lock keeps
        # statements from interleaving on it.
        self._lock = threading.Lock()

    async def get(self, key: str) -> CachedBody | None:
        """The cached body for `key`, or None (also when the cache cannot be read)."""

        def read(conn: sqlite3.Connection) -> CachedBody | None:
            row = conn.execute(
                "SELECT body, fetched_at FROM responses WHERE key = ?", (key,)
            ).fetchone()
            return None if row is None else CachedBody(bytes(row[0]), float(row[1]))

        return await self._run(read, None)

    async def put(self, key: str, body: bytes, fetched_at: float) -> None:
        """Store (or replace) the body for `key`."""

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO responses (key, body, fetched_at) VALUES (?, ?, ?)",
                    (key, body, fetched_at),
                )

        await self._run(write, None)

    async def get_mirror(self, namespace: str) -> str | None:
        """The base URL the API client `namespace` last got an answer from, if remembered."""

        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT base_url FROM mirrors WHERE namespace = ?", (namespace,)
            ).fetchone()
            return None if row is None else str(row[0])

        return await self._run(read, None)

    async def set_mirror(self, namespace: str, base_url: str) -> None:
        """Remember that the API client `namespace` got an answer from `base_url`."""

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO mirrors (namespace, base_url) VALUES (?, ?)",
                    (namespace, base_url),
                )

        await self._run(write, None)

    def close(self) -> None:
        """Close the database connection; a later call opens it again."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def _run(self, op: Callable[[sqlite3.Connection], _T], default: _T) -> _T:
        return await asyncio.to_thread(self._run_sync, op, default)

    def _run_sync(self, op: Callable[[sqlite3.Connection], _T], default: _T) -> _T:
        with self._lock:
            if self._broken:
                return default
            try:
                return op(self._connect())
            except (sqlite3.Error, OSError) as exc:
                _log.warning("response cache %s failed: %s", self.path, exc)
                return default

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            self._conn = self._open()
        except (sqlite3.OperationalError, OSError):
            # Cannot open at all (a directory in the way, no permission, no space): run
            # uncached rather than retrying, and warning, on every request.
            self._broken = True
            raise
        except sqlite3.DatabaseError as exc:
            # Not a database (a crash mid-write, a foreign file): keep it aside for a post
            # mortem and start empty — losing a cache costs one refetch.
            _log.warning("response cache %s is damaged (%s): starting a new one", self.path, exc)
            self.path.replace(self.path.with_name(self.path.name + ".broken"))
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

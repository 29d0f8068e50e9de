"""The one SQLite database: connection, PRAGMAs, migrations and corrupt-file recovery.

Threads: the app uses the database from the asyncio loop thread and from worker threads, so
`Database` owns ONE connection opened with `check_same_thread=False` and serialises every call
with a re-entrant lock. One connection (rather than one per thread) keeps `close()` simple and
makes a transaction see its own writes wherever helper calls come from; the lock is held only
for a statement or a `transaction()` block, so keep those blocks short and never await or do
network I/O inside them. Other *processes* (a second anitui in browse-only mode) are handled by
SQLite itself: WAL lets readers run beside a writer, `busy_timeout` waits for the write lock and
`BEGIN IMMEDIATE` takes it up front so two writers never deadlock upgrading a read lock.

Errors: everything this module raises is a `StoreError`; the `sqlite3` error, when there was
one, is its `__cause__`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

__all__ = ["BUSY_TIMEOUT_S", "MIGRATIONS", "Database", "Params", "StoreError"]

log = logging.getLogger("anitui.store")

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
"""Statement parameters: positional (`?`) or named (`:name`)."""

BUSY_TIMEOUT_S = 5.0
"""How long a statement waits for another process's write lock before failing."""

MIGRATIONS: list[str] = [
    # 1: the Updates screen's "since the last visit" marks and the UI's remembered state.
    """
    CREATE TABLE visits (
        screen TEXT PRIMARY KEY,
        visited_at REAL NOT NULL
    );
    CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: playback history: resume positions and watched marks per episode, and per title the
    # last played episode (History screen, "continue") and the skip offset for its openings.
    # Episodes are REAL: in-between releases are numbered 12.5.
    """
    CREATE TABLE watch_progress (
        title_id INTEGER NOT NULL,
        episode REAL NOT NULL,
        position REAL NOT NULL DEFAULT 0,
        duration REAL,
        watched INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL,
        PRIMARY KEY (title_id, episode)
    );
    CREATE TABLE watch_titles (
        title_id INTEGER PRIMARY KEY,
        name TEXT,
        last_episode REAL,
        last_played_at REAL,
        skip_offset REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX watch_titles_recent ON watch_titles (last_played_at);
    """,
    # 3: the download queue (app/store/downloads.py): one row per torrent, with what a restart
    # needs to bring it back (the .torrent bytes or the magnet, the chosen files as a JSON list
    # of libtorrent file indices, NULL = all). Speeds and peers are not stored.
    """
    CREATE TABLE downloads (
        id TEXT PRIMARY KEY,
        info_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        title_id INTEGER,
        title_name TEXT,
        episodes TEXT,
        source TEXT NOT NULL,
        torrent BLOB,
        magnet TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'downloading', 'paused', 'seeding',
            'completed', 'failed', 'cancelled')),
        priority TEXT NOT NULL DEFAULT 'NORMAL' CHECK (priority IN ('LOW', 'NORMAL', 'HIGH')),
        position INTEGER NOT NULL,
        folder TEXT NOT NULL,
        selected TEXT,
        added_at REAL NOT NULL,
        started_at REAL,
        completed_at REAL,
        done INTEGER NOT NULL DEFAULT 0,
        wanted INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        retry_count INTEGER NOT NULL DEFAULT 0,
        next_retry_at REAL
    );
    CREATE INDEX downloads_position ON downloads (position);
    """,
    # 4: favorites, local first (app/store/favorites.py): the names for display offline, and
    # the sync state against the AniLibria account (`remote`: the server may have it).
    """
    CREATE TABLE favorites (
        title_id INTEGER PRIMARY KEY,
        name_ru TEXT,
        name_en TEXT,
        added_at REAL NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('synced', 'pending_add', 'pending_delete')),
        remote INTEGER NOT NULL DEFAULT 0,
        changed_at REAL NOT NULL
    );
    """,
    # 5: a download added from a title is called by its release name (title · quality ·
    # episodes, see `release_name`); older rows held the bare title, which two torrents of one
    # title share. The quality is not stored: they get the episode range, as they showed it.
    """
    UPDATE downloads SET title_name = title_name || ' · ' || episodes
    WHERE title_name IS NOT NULL AND episodes IS NOT NULL;
    """,
    # 6: the account's library on AniLiberty API v1. History keeps each episode's v1 UUID
    # (the key of the account's watch progress; '' when the API has none for it); `timecodes`
    # is the last state both sides agreed on, the base of the three-way merge
    # (app/store/progress_sync.py); `collections` holds the title's one collection, local first
    # (app/store/collections.py: NULL = taken out here, the account not told yet).
    """
    ALTER TABLE watch_progress ADD COLUMN episode_uuid TEXT;
    CREATE INDEX watch_progress_uuid ON watch_progress (episode_uuid);
    CREATE TABLE timecodes (
        episode_uuid TEXT PRIMARY KEY,
        position REAL NOT NULL,
        watched INTEGER NOT NULL
    );
    CREATE TABLE collections (
        title_id INTEGER PRIMARY KEY,
        collection TEXT,
        name_ru TEXT,
        name_en TEXT,
        state TEXT NOT NULL CHECK (state IN ('synced', 'pending')),
        remote INTEGER NOT NULL DEFAULT 0,
        changed_at REAL NOT NULL
    );
    """,
    # 7: the user's titles follow them from one AniLibria API to another (app/store/
    # carry_over.py): each title's code as the API called it (v2's `code`, v1's `alias`), the
    # titles the API in use does not have, and in `kv` the API the data was made under. Data
    # already here was made under AniLibria API v2, the only one anitui spoke before.
    """
    CREATE TABLE title_codes (
        title_id INTEGER PRIMARY KEY,
        code TEXT NOT NULL
    );
    CREATE TABLE missing_titles (
        title_id INTEGER PRIMARY KEY,
        name TEXT,
        api TEXT NOT NULL
    );
    INSERT INTO kv (key, value)
    SELECT 'catalog.api', 'AniLibria API v2'
    WHERE EXISTS (SELECT 1 FROM favorites) OR EXISTS (SELECT 1 FROM watch_titles)
        OR EXISTS (SELECT 1 FROM downloads WHERE title_id IS NOT NULL);
    """,
    # 8: the local library (app/store/library.py): a series per folder under the library root
    # (its name as the OS spells it, bytes: a name need not be UTF-8), the title it was matched
    # to and how, the mtimes of its folders when it was last scanned (a JSON list: a rescan
    # skips a series whose folders did not change), the episodes AniLibria had out when last
    # asked (JSON, NULL = never asked), and its video files with the episode each names.
    """
    CREATE TABLE library_series (
        id INTEGER PRIMARY KEY,
        folder BLOB NOT NULL UNIQUE,
        title_id INTEGER,
        matched_by TEXT CHECK (matched_by IN ('marker', 'download', 'name')),
        name TEXT,
        code TEXT,
        api TEXT,
        dirs TEXT NOT NULL DEFAULT '[]',
        episodes_out TEXT,
        scanned_at REAL NOT NULL
    );
    CREATE INDEX library_series_title ON library_series (title_id);
    CREATE TABLE library_files (
        series_id INTEGER NOT NULL REFERENCES library_series (id) ON DELETE CASCADE,
        path BLOB NOT NULL,
        episode REAL,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        PRIMARY KEY (series_id, path)
    );
    """,
    # 9: the Torrents screen's filters (app/store/torrent_filters.py): the ones in use, restored
    # when the screen opens, and the named presets. Stored as JSON text the service reads, so a
    # new filter needs no migration.
    """
    CREATE TABLE torrent_filters (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        filters TEXT NOT NULL
    );
    CREATE TABLE torrent_filter_presets (
        name TEXT PRIMARY KEY,
        filters TEXT NOT NULL
    );
    """,
    # 10: followed titles (app/store/follow.py): the flag with the nekoBT media found for the
    # title (remembered so a later episode never lands on another media's torrent), and the
    # decision taken for each of their episodes. The decision's row is written in the same
    # transaction that claims the episode, before anything is queued: a restart (or a kill -9
    # between the claim and the queue) finds the claim and never queues the episode twice.
    """
    CREATE TABLE followed (
        title_id INTEGER PRIMARY KEY,
        followed_at REAL NOT NULL,
        nekobt_media TEXT
    );
    CREATE TABLE follow_claims (
        title_id INTEGER NOT NULL,
        episode REAL NOT NULL,
        info_hash TEXT,
        claimed_at REAL NOT NULL,
        PRIMARY KEY (title_id, episode)
    );
    CREATE TABLE follow_log (
        id INTEGER PRIMARY KEY,
        title_id INTEGER NOT NULL,
        episode REAL NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('found', 'queued', 'present', 'not_found')),
        source TEXT,
        detail TEXT,
        at REAL NOT NULL
    );
    CREATE INDEX follow_log_title ON follow_log (title_id, at);
    """,
]
"""SQL scripts, applied in order; `MIGRATIONS[i]` brings the database to `user_version` i+1.

Append only: a released script is never edited, because databases out there already ran it.
"""

# Only these mean "the file itself is bad"; a locked or unreadable file must never be moved.
_CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class StoreError(Exception):
    """The database could not be opened, migrated, read or written."""


class Database:
    """The app's SQLite database; open it with `Database.open(path)`."""

    path: Path
    """The database file."""
    moved_aside: Path | None
    """Where a corrupt file found at `path` was moved before a fresh database was created."""

    def __init__(self, path: Path, conn: sqlite3.Connection, moved_aside: Path | None) -> None:
        """Wrap an already prepared connection; use `Database.open` instead."""
        self.path = path
        self.moved_aside = moved_aside
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path) -> Database:
        """Open (or create) the database at `path` and bring it to the current schema.

        A file that is not SQLite or fails `PRAGMA quick_check` is moved aside (see
        `moved_aside`) and replaced by a fresh database. A database written by a newer anitui
        (a `user_version` beyond `MIGRATIONS`) raises `StoreError` and is left untouched.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory for {path}: {exc}") from exc
        moved_aside: Path | None = None
        if not _probe(path):
            moved_aside = _move_aside(path)
            log.warning("corrupt database %s moved aside to %s", path, moved_aside)
        conn = _connect(path)
        try:
            # Again: the probe may have had to leave the decision to this connection.
            _check_version(conn, path)
            _configure(conn, path)
            _migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot prepare database {path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, moved_aside)

    def close(self) -> None:
        """Close the connection; later calls raise `StoreError`. Closing twice is harmless."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction: `BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK`.

        The block holds the database lock, so other threads wait: keep it short. The helpers
        (`execute`, `query` …) may be called inside it from the same thread and join it.
        Transactions do not nest.
        """
        with self._lock:
            conn = self._connection()
            if conn.in_transaction:
                raise StoreError("transactions do not nest")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot begin a transaction: {exc}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                _rollback(conn)
                raise StoreError(str(exc)) from exc
            except BaseException:
                _rollback(conn)
                raise

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement (committed at once unless inside `transaction()`); the row count."""
        with self._lock:
            try:
                return self._connection().execute(sql, params).rowcount
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query; columns are reachable by name (`row["title"]`)."""
        with self._lock:
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc

    def query_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None when it has none."""
        with self._lock:
            try:
                row: sqlite3.Row | None = self._connection().execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
            return row

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"database {self.path} is closed")
        return self._conn


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    try:
        # isolation_level=None: the sqlite3 module must not open transactions behind our back;
        # transaction() and _migrate() issue BEGIN/COMMIT themselves.
        conn = sqlite3.connect(
            target,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            uri=read_only,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    return conn


def _probe(path: Path) -> bool:
    """False if the file at `path` is corrupt; StoreError if a newer anitui wrote it.

    Read-only, so that judging a file never changes it: a read-write connection would, on
    closing, checkpoint the WAL into a corrupt file or delete a WAL it could not use, and would
    rewrite a newer anitui's database.
    """
    if not path.exists():
        return True
    conn = _connect(path, read_only=True)
    try:
        # quick_check reads the whole file: fine for a database of favorites and history, and
        # it catches truncation that a cheap header read would not.
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if [tuple(row) for row in rows] != [("ok",)]:
            return False
        _check_version(conn, path)
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode & 0xFF in _CORRUPT_CODES:
            return False
        # Locked, a hot journal to roll back, …: not corruption. The read-write connection
        # deals with it or fails with a clear error.
        log.info("could not check database %s read-only: %s", path, exc)
    finally:
        conn.close()
    return True


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        # The journal files go along under SQLite's own naming, so the moved copy stays whole.
        for suffix in ("-wal", "-shm", "-journal"):
            journal = Path(f"{path}{suffix}")
            if journal.exists():
                journal.rename(f"{target}{suffix}")
        path.rename(target)
    except OSError as exc:
        raise StoreError(f"database {path} is corrupt and could not be moved aside: {exc}") from exc
    return target


def _user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    version = _user_version(conn)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"database {path} was created by a newer anitui (schema {version}, this version "
            f"knows up to {len(MIGRATIONS)}): update anitui or use another --data-dir"
        )


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        # Some filesystems (network mounts) refuse WAL; the rollback journal still works.
        log.warning("database %s stays in journal_mode=%s: WAL is unavailable", path, mode)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")


def _migrate(conn: sqlite3.Connection) -> None:
    for target, script in enumerate(MIGRATIONS, start=1):
        if _user_version(conn) >= target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another anitui process may have just migrated.
            if _user_version(conn) < target:
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise


def _statements(script: str) -> Iterator[str]:
    # Not executescript(): it COMMITs any open transaction first, so a failing migration would
    # leave half a schema behind. complete_statement() knows about strings and trigger bodies.
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise StoreError(f"incomplete SQL statement in a migration: {pending[:60]!r}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback failed")

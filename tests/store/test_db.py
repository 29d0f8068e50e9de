"""The database: migrations, PRAGMAs, newer-version refusal, corrupt-file recovery, threads."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from app.store import db as db_module
from app.store.db import MIGRATIONS, Database, StoreError


def _value(db: Database, sql: str) -> Any:
    row = db.query_one(sql)
    assert row is not None
    return row[0]


def _tables(db: Database) -> set[str]:
    rows = db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


def test_open_creates_parent_dir_and_migrates_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "anitui.db"
    db = Database.open(path)
    try:
        assert path.exists()
        assert db.moved_aside is None
        assert _value(db, "PRAGMA user_version") == len(MIGRATIONS)
        assert {"visits", "kv"} <= _tables(db)
    finally:
        db.close()


def test_pragmas(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.db")
    try:
        assert _value(db, "PRAGMA journal_mode") == "wal"
        assert _value(db, "PRAGMA foreign_keys") == 1
        assert _value(db, "PRAGMA synchronous") == 1  # NORMAL
        assert _value(db, "PRAGMA busy_timeout") > 0
    finally:
        db.close()


def test_reopen_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = Database.open(path)
    db.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')")
    db.close()
    db = Database.open(path)
    try:
        assert _value(db, "PRAGMA user_version") == len(MIGRATIONS)
        assert _value(db, "SELECT value FROM kv WHERE key = 'k'") == "v"
    finally:
        db.close()


def test_pending_migrations_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.db"
    Database.open(path).close()
    extra = [
        "CREATE TABLE later (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'a;b');",
        """
        CREATE TABLE log (msg TEXT);
        -- a trigger body holds semicolons of its own
        CREATE TRIGGER later_log AFTER INSERT ON later BEGIN
            INSERT INTO log (msg) VALUES ('added;' || new.id);
        END;
        """,
    ]
    monkeypatch.setattr(db_module, "MIGRATIONS", [*MIGRATIONS, *extra])
    db = Database.open(path)
    try:
        assert _value(db, "PRAGMA user_version") == len(MIGRATIONS) + 2
        db.execute("INSERT INTO later (id) VALUES (7)")
        assert [tuple(r) for r in db.query("SELECT msg FROM log")] == [("added;7",)]
    finally:
        db.close()


def test_failing_migration_rolls_back_whole_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.db"
    Database.open(path).close()
    bad = "CREATE TABLE half (x); CREATE TABLE half (y);"
    monkeypatch.setattr(db_module, "MIGRATIONS", [*MIGRATIONS, bad])
    with pytest.raises(StoreError, match="already exists"):
        Database.open(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half" not in names
    finally:
        conn.close()


def test_newer_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="created by a newer anitui"):
        Database.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]


def _assert_moved_aside(db: Database, path: Path, original: bytes) -> None:
    moved = db.moved_aside
    assert moved is not None
    assert moved.parent == path.parent
    assert moved.name.startswith("a.db.corrupt-")
    assert moved.read_bytes() == original
    # The fresh database works.
    assert {"visits", "kv"} <= _tables(db)
    db.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')")
    assert _value(db, "SELECT value FROM kv") == "v"


def test_garbage_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    garbage = b"this is not sqlite at all\x00\xff" * 200
    path.write_bytes(garbage)
    Path(f"{path}-wal").write_bytes(b"wal garbage")
    db = Database.open(path)
    try:
        _assert_moved_aside(db, path, garbage)
        assert Path(f"{db.moved_aside}-wal").read_bytes() == b"wal garbage"
    finally:
        db.close()


def test_truncated_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = Database.open(path)
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO kv (key, value) VALUES (?, ?)",
            ((f"key{i}", "v" * 200) for i in range(2000)),
        )
    db.close()
    truncated = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(truncated)
    db = Database.open(path)
    try:
        _assert_moved_aside(db, path, truncated)
    finally:
        db.close()


def test_two_moves_in_one_second_get_distinct_names(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    moved: list[Path] = []
    for _ in range(2):
        path.write_bytes(b"garbage" * 100)
        db = Database.open(path)
        assert db.moved_aside is not None
        moved.append(db.moved_aside)
        db.close()
    assert moved[0] != moved[1]
    assert all(p.read_bytes() == b"garbage" * 100 for p in moved)


def test_unopenable_path_is_a_store_error_not_corruption(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    path.mkdir()
    with pytest.raises(StoreError):
        Database.open(path)
    assert path.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.db")
    try:
        with pytest.raises(RuntimeError), db.transaction() as conn:
            conn.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')")
            raise RuntimeError("boom")
        with pytest.raises(StoreError), db.transaction() as conn:
            conn.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')")
            conn.execute("INSERT INTO kv (key, value) VALUES ('k', 'again')")
        assert db.query("SELECT * FROM kv") == []
    finally:
        db.close()


def test_sql_errors_and_closed_use_are_store_errors(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.db")
    with pytest.raises(StoreError):
        db.query("SELECT * FROM no_such_table")
    db.close()
    db.close()
    with pytest.raises(StoreError, match="closed"):
        db.execute("SELECT 1")


def test_concurrent_threads(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.db")
    db.execute("INSERT INTO kv (key, value) VALUES ('counter', '0')")
    threads_n, rounds = 8, 50
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(rounds):
                with db.transaction() as conn:
                    value = int(
                        conn.execute("SELECT value FROM kv WHERE key = 'counter'").fetchone()[0]
                    )
                    conn.execute("UPDATE kv SET value = ? WHERE key = 'counter'", (str(value + 1),))
                db.execute("INSERT INTO kv (key, value) VALUES (?, ?)", (f"t{n}-{i}", "x"))
                db.query("SELECT count(*) FROM kv")
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    try:
        assert errors == []
        row = db.query_one("SELECT value FROM kv WHERE key = 'counter'")
        assert row is not None and int(row["value"]) == threads_n * rounds
        assert _value(db, "SELECT count(*) FROM kv") == threads_n * rounds + 1
    finally:
        db.close()


def test_two_databases_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    first = Database.open(path)
    second = Database.open(path)
    try:
        first.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')")
        assert _value(second, "SELECT value FROM kv") == "v"
        assert os.path.exists(f"{path}-wal")
    finally:
        first.close()
        second.close()


def _crash_copy(src: Path, dst: Path, statements: list[str]) -> None:
    """Leave at `dst` what a killed process leaves: a database plus an unmerged WAL."""
    conn = sqlite3.connect(src, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    for statement in statements:
        conn.execute(statement)
    for suffix in ("", "-wal"):
        Path(f"{dst}{suffix}").write_bytes(Path(f"{src}{suffix}").read_bytes())
    conn.close()


def test_unmerged_wal_of_a_killed_process_is_kept(tmp_path: Path) -> None:
    src, path = tmp_path / "src.db", tmp_path / "a.db"
    Database.open(src).close()
    _crash_copy(src, path, ["INSERT INTO kv (key, value) VALUES ('k', 'from the wal')"])
    assert Path(f"{path}-wal").stat().st_size > 0
    db = Database.open(path)
    try:
        assert db.moved_aside is None
        assert _value(db, "SELECT value FROM kv") == "from the wal"
    finally:
        db.close()


def test_newer_database_with_unmerged_wal_is_untouched(tmp_path: Path) -> None:
    src, path = tmp_path / "src.db", tmp_path / "a.db"
    _crash_copy(
        src, path, ["CREATE TABLE future (x)", f"PRAGMA user_version = {len(MIGRATIONS) + 1}"]
    )
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 0
    before = (path.read_bytes(), wal.read_bytes())
    with pytest.raises(StoreError, match="created by a newer anitui"):
        Database.open(path)
    assert (path.read_bytes(), wal.read_bytes()) == before

"""The local library as the last scan left it: series (a folder under the library root each) and
their video files, with the episode each file names.

Folder and file names are stored as the OS spells them (bytes, `os.fsencode`): a name that is
not valid UTF-8 is kept exactly, so the file it names can still be opened. `dirs`, the folders
of a series with their mtimes, is what makes a rescan incremental. The service
(`app/services/library.py`) decides what a scan means; this module only stores.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from app.store.db import Database

__all__ = ["FileRecord", "KnownTitle", "LibraryStore", "MatchedBy", "SeriesRecord", "Signature"]

MatchedBy = Literal["marker", "download", "name"]
"""How a series folder was matched to a title: its marker file, the info-hash of a download
saved there, or its name."""

Signature = tuple[tuple[str, int], ...]
"""A series' folders (relative to its own folder, "" = itself) with their `st_mtime_ns`."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One video file of a series."""

    path: str
    """Relative to the series folder, `/`-separated; undecodable bytes kept as surrogates."""
    episode: int | float | None
    """The episode its name carries; None for none or several (a batch)."""
    size: int
    mtime: float


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """One stored series."""

    id: int
    folder: str
    """The folder's name under the library root (undecodable bytes kept as surrogates)."""
    title_id: int | None
    matched_by: MatchedBy | None
    name: str | None
    code: str | None
    api: str | None
    dirs: Signature
    episodes_out: tuple[int | float, ...] | None
    """The episodes AniLibria had out when last asked; None: never asked."""
    scanned_at: float
    files: int
    """How many video files it holds."""
    episodes_on_disk: tuple[int | float, ...]
    """The distinct episodes its files name, in order."""


@dataclass(frozen=True, slots=True)
class KnownTitle:
    """A title the user's data names (favorites, collections, history, downloads), with the
    names a folder may be called by."""

    title_id: int
    names: tuple[str, ...]


def _fs(name: str) -> bytes:
    return os.fsencode(name)


def _unfs(data: bytes) -> str:
    return os.fsdecode(bytes(data))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _numbers(text: str | None) -> tuple[int | float, ...] | None:
    if text is None:
        return None
    return tuple(_number(v) for v in json.loads(text))


class LibraryStore:
    """Series and their files in the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # reading -------------------------------------------------------------------------------

    def all(self) -> list[SeriesRecord]:
        """Every series, with its file and episode counts."""
        return self._select("", ())

    def get(self, series_id: int) -> SeriesRecord | None:
        found = self._select("WHERE s.id = ?", (series_id,))
        return found[0] if found else None

    def by_folder(self, folder: str) -> SeriesRecord | None:
        found = self._select("WHERE s.folder = ?", (_fs(folder),))
        return found[0] if found else None

    def by_title(self, title_id: int) -> SeriesRecord | None:
        """The series of a title (the first by id when several folders name it)."""
        found = self._select("WHERE s.title_id = ? ORDER BY s.id LIMIT 1", (title_id,))
        return found[0] if found else None

    def files(self, series_id: int) -> list[FileRecord]:
        """A series' video files by path."""
        rows = self._db.query(
            "SELECT path, episode, size, mtime FROM library_files WHERE series_id = ?"
            " ORDER BY path",
            (series_id,),
        )
        return [
            FileRecord(
                path=_unfs(row["path"]),
                episode=None if row["episode"] is None else _number(row["episode"]),
                size=int(row["size"]),
                mtime=float(row["mtime"]),
            )
            for row in rows
        ]

    def known_titles(self) -> list[KnownTitle]:
        """The titles the user's data names, with every name stored for them."""
        rows = self._db.query(
            """
            SELECT title_id, name_ru AS name FROM favorites
            UNION SELECT title_id, name_en FROM favorites
            UNION SELECT title_id, name_ru FROM collections
            UNION SELECT title_id, name_en FROM collections
            UNION SELECT title_id, name FROM watch_titles
            UNION SELECT title_id, code FROM title_codes
            UNION SELECT title_id, name FROM library_series WHERE title_id IS NOT NULL
            UNION SELECT title_id, code FROM library_series WHERE title_id IS NOT NULL
            """
        )
        names: dict[int, list[str]] = {}
        for row in rows:
            if row["name"]:
                names.setdefault(int(row["title_id"]), []).append(str(row["name"]))
        return [KnownTitle(title_id, tuple(found)) for title_id, found in names.items()]

    # writing -------------------------------------------------------------------------------

    def save_series(
        self,
        folder: str,
        *,
        title_id: int | None,
        matched_by: MatchedBy | None,
        name: str | None,
        code: str | None,
        api: str | None,
        dirs: Signature,
        files: Sequence[FileRecord] | None,
        scanned_at: float,
    ) -> int:
        """Insert or update the series of `folder`; `files` None keeps its files (an unchanged
        folder), else they replace the stored ones. Its id."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM library_series WHERE folder = ?", (_fs(folder),)
            ).fetchone()
            values = (title_id, matched_by, name, code, api, _dirs_text(dirs), scanned_at)
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO library_series (title_id, matched_by, name, code, api, dirs,"
                    " scanned_at, folder) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, _fs(folder)),
                )
                series_id = int(cursor.lastrowid or 0)
            else:
                series_id = int(row["id"])
                # Another title's episodes out say nothing of this one's.
                conn.execute(
                    "UPDATE library_series SET episodes_out = CASE WHEN title_id IS ?"
                    " THEN episodes_out END, title_id = ?, matched_by = ?, name = ?, code = ?,"
                    " api = ?, dirs = ?, scanned_at = ? WHERE id = ?",
                    (title_id, *values, series_id),
                )
            if files is not None:
                _replace_files(conn, series_id, files)
        return series_id

    def set_episodes_out(self, series_id: int, episodes: Iterable[int | float]) -> None:
        """Remember the episodes AniLibria has out for a series."""
        self._db.execute(
            "UPDATE library_series SET episodes_out = ? WHERE id = ?",
            (json.dumps(sorted(set(episodes))), series_id),
        )

    def unmatch(self, series_id: int) -> None:
        """Forget the title a series was matched to (it named one AniLibria does not know)."""
        self._db.execute(
            "UPDATE library_series SET title_id = NULL, matched_by = NULL, episodes_out = NULL"
            " WHERE id = ?",
            (series_id,),
        )

    def delete_except(self, folders: Iterable[str]) -> int:
        """Forget every series whose folder is not in `folders` (gone from disk); how many."""
        keep = {_fs(f) for f in folders}
        rows = self._db.query("SELECT id, folder FROM library_series")
        gone = [int(r["id"]) for r in rows if bytes(r["folder"]) not in keep]
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM library_series WHERE id = ?", [(i,) for i in gone])
        return len(gone)

    def _select(self, where: str, params: tuple[object, ...]) -> list[SeriesRecord]:
        rows = self._db.query(
            f"""
            SELECT s.*,
                (SELECT COUNT(*) FROM library_files f WHERE f.series_id = s.id) AS file_count,
                (SELECT json_group_array(episode) FROM (
                    SELECT DISTINCT episode FROM library_files f
                    WHERE f.series_id = s.id AND episode IS NOT NULL ORDER BY episode
                )) AS on_disk
            FROM library_series s {where}
            """,
            params,
        )
        return [_series(row) for row in rows]


def _dirs_text(dirs: Signature) -> str:
    # ensure_ascii keeps an undecodable name's surrogates as \\udcxx escapes, which load back.
    return json.dumps([list(entry) for entry in dirs])


def _series(row: sqlite3.Row) -> SeriesRecord:
    return SeriesRecord(
        id=int(row["id"]),
        folder=_unfs(row["folder"]),
        title_id=None if row["title_id"] is None else int(row["title_id"]),
        matched_by=row["matched_by"],
        name=row["name"],
        code=row["code"],
        api=row["api"],
        dirs=tuple((str(path), int(mtime)) for path, mtime in json.loads(row["dirs"])),
        episodes_out=_numbers(row["episodes_out"]),
        scanned_at=float(row["scanned_at"]),
        files=int(row["file_count"]),
        episodes_on_disk=_numbers(row["on_disk"]) or (),
    )


def _replace_files(conn: sqlite3.Connection, series_id: int, files: Sequence[FileRecord]) -> None:
    conn.execute("DELETE FROM library_files WHERE series_id = ?", (series_id,))
    conn.executemany(
        "INSERT INTO library_files (series_id, path, episode, size, mtime) VALUES (?, ?, ?, ?, ?)",
        [(series_id, _fs(f.path), f.episode, f.size, f.mtime) for f in files],
    )

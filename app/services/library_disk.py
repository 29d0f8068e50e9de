"""The library on disk: series folder names, the marker file in each series folder, and the walk
a scan makes. Blocking file-system work: the library service runs it on a worker thread.

- **Folder names** follow Aniworld's rule: the English name, else the main name; `< > : " / \\ |
  ? *` removed, spaces and dots trimmed at both ends, Unicode kept, then `Name (Year)`. A name
  that is empty after that, holds control characters or is too long for a file system is
  refused (`FolderNameError`).
- **The marker**, `.anitui.json` in a series folder: `{"anitui": 1, "title_id": …, "api": …,
  "name": …, "code": …}`, written atomically. A marker that cannot be read, is not such an
  object or was written under another AniLibria API is ignored with a `Note`.
- **The walk** looks at each folder directly under the root (hidden ones skipped) and lists its
  video files (`app.services.episode_numbers.is_video`) in every subfolder. A series whose
  folders all kept the mtimes the last scan stored is not listed again. Symlinks that lead out
  of the root are not followed unless the user allows folders outside it; a symlink loop is
  walked once. Names that are not valid UTF-8 are kept as the OS gives them (surrogates).
  Nothing is ever deleted or moved.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.services.episode_numbers import episode_from_name, is_video
from app.services.errors import ExplainedError
from app.services.torrent_meta import TorrentInputError, safe_save_path
from app.store.library import FileRecord, Signature

__all__ = [
    "MARKER_NAME",
    "FolderNameError",
    "FolderScan",
    "LibraryRootError",
    "Marker",
    "Note",
    "ensure_series_folder",
    "read_marker",
    "series_folder_name",
    "walk_library",
    "write_marker",
]

MARKER_NAME = ".anitui.json"
"""The marker file anitui writes in each series folder."""
MARKER_MAX_BYTES = 64 * 1024
"""A marker is a few hundred bytes; anything far larger is not one of ours."""
NAME_MAX_BYTES = 255
"""The longest file name most file systems take, in bytes of UTF-8."""

_UNSAFE = re.compile(r'[<>:"/\\|?*]')


class FolderNameError(ExplainedError, ValueError):
    """A title's name cannot name a folder, even after the unsafe characters went."""


class LibraryRootError(ExplainedError, OSError):
    """The library root is missing, not a folder or cannot be read."""


@dataclass(frozen=True, slots=True)
class Marker:
    """What the marker file says about its series folder."""

    title_id: int
    api: str
    """The AniLibria API the title id belongs to (`CatalogApi.api_name`): ids differ by API."""
    name: str | None
    code: str | None

    def to_json(self) -> str:
        data = {
            "anitui": 1,
            "title_id": self.title_id,
            "api": self.api,
            "name": self.name,
            "code": self.code,
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True, slots=True)
class Note:
    """Something a scan ignored and why (an English msgid and its values, as errors have)."""

    folder: str
    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.format(**self.values)


@dataclass(frozen=True, slots=True)
class FolderScan:
    """One series folder as the walk found it."""

    folder: str
    """Its name under the root."""
    dirs: Signature
    files: tuple[FileRecord, ...] | None
    """Its video files; None when its folders are unchanged since the last scan."""
    marker: Marker | None
    """Its readable marker (None: none, unreadable, or the folder was unchanged)."""
    note: Note | None = None


# names ---------------------------------------------------------------------------------------


def series_folder_name(english: str | None, main: str | None, year: int | None) -> str:
    """The folder name of a series called `english` (else `main`) that started in `year`.

    Raises `FolderNameError` when neither name is left with something safe to name a folder.
    """
    for name in (english, main):
        cleaned = _UNSAFE.sub("", name or "").strip(" .")
        if cleaned:
            break
    else:
        raise FolderNameError("The title has no name a folder can be called by.")
    folder = f"{cleaned} ({year})" if year else cleaned
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in folder):
        raise FolderNameError(
            "The name {name} holds control characters: no folder is made for it.",
            name=_shown(cleaned),
        )
    if len(folder.encode("utf-8")) > NAME_MAX_BYTES:
        raise FolderNameError(
            "The name {name} is too long for a folder name.", name=_shown(cleaned)
        )
    return folder


def _shown(text: str, limit: int = 60) -> str:
    visible = "".join(
        "�" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )
    return "“" + (visible if len(visible) <= limit else visible[: limit - 1] + "…") + "”"


# the marker -----------------------------------------------------------------------------------


def write_marker(folder: Path, marker: Marker) -> None:
    """Write `marker` into `folder` atomically (a temporary file renamed over it)."""
    target = folder / MARKER_NAME
    temporary = folder / f"{MARKER_NAME}.tmp"
    with temporary.open("w", encoding="utf-8") as out:
        out.write(marker.to_json())
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(target)


def read_marker(folder: Path, relative: str, api: str) -> tuple[Marker | None, Note | None]:
    """The marker in `folder` (named `relative` in notes) for titles of `api`: (marker, None),
    (None, None) when there is none, or (None, a note) when it is ignored."""
    path = folder / MARKER_NAME
    try:
        with path.open("rb") as source:
            data = source.read(MARKER_MAX_BYTES + 1)
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, Note(
            relative, "Its marker file cannot be read ({reason}).", {"reason": error.strerror}
        )
    try:
        if len(data) > MARKER_MAX_BYTES:
            raise ValueError("too large")
        parsed = json.loads(data.decode("utf-8"))
        if not isinstance(parsed, dict):
            raise ValueError("not an object")
        title_id = parsed.get("title_id")
        if isinstance(title_id, bool) or not isinstance(title_id, int) or title_id <= 0:
            raise ValueError("no title id")
        marker = Marker(
            title_id=title_id,
            api=_text(parsed.get("api")) or "",
            name=_text(parsed.get("name")),
            code=_text(parsed.get("code")),
        )
    except (ValueError, UnicodeDecodeError):
        return None, Note(relative, "Its marker file is damaged: it is ignored.")
    if marker.api != api:
        return None, Note(
            relative,
            "Its marker names title {title_id} of {marker_api}, not of {api}: it is ignored.",
            {"title_id": marker.title_id, "marker_api": marker.api or "?", "api": api},
        )
    return marker, None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# the walk ---------------------------------------------------------------------------------------


def walk_library(
    root: Path,
    known: Mapping[str, Signature],
    *,
    api: str,
    allow_outside: bool,
    progress: Callable[[int, int], None] | None = None,
) -> list[FolderScan]:
    """Every series folder under `root`; those whose `known` signature still holds are not
    listed again (`files` None). `progress(done, total)` after each folder.

    Raises `LibraryRootError` when `root` is missing, not a folder or unreadable.
    """
    try:
        with os.scandir(root) as entries:
            candidates = [e for e in entries if not e.name.startswith(".")]
    except FileNotFoundError as error:
        raise LibraryRootError(
            "The library folder {root} does not exist.", root=str(root)
        ) from error
    except NotADirectoryError as error:
        raise LibraryRootError(
            "The library folder {root} is not a folder.", root=str(root)
        ) from error
    except OSError as error:
        raise LibraryRootError(
            "The library folder {root} cannot be read: {reason}",
            root=str(root),
            reason=error.strerror or str(error),
        ) from error
    folders = [e for e in candidates if _is_dir_inside(root, e, allow_outside)]
    scans: list[FolderScan] = []
    for done, entry in enumerate(sorted(folders, key=lambda e: e.name), start=1):
        scans.append(_scan_folder(root, entry.name, known.get(entry.name), api, allow_outside))
        if progress is not None:
            progress(done, len(folders))
    return scans


def _is_dir_inside(root: Path, entry: os.DirEntry[str], allow_outside: bool) -> bool:
    try:
        if not entry.is_dir():
            return False
    except OSError:
        return False
    return allow_outside or not entry.is_symlink() or _inside(root, entry.path)


def _inside(root: Path, path: str) -> bool:
    """Whether a symlink at `path` resolves inside `root` (the download root's own check)."""
    try:
        safe_save_path(root, os.path.relpath(path, root))
    except (TorrentInputError, OSError, ValueError):
        return False
    return True


def _unchanged(folder: Path, signature: Signature | None) -> bool:
    if not signature:
        return False
    for relative, mtime in signature:
        try:
            if os.stat(folder / relative if relative else folder).st_mtime_ns != mtime:
                return False
        except OSError:
            return False
    return True


def _scan_folder(
    root: Path, name: str, signature: Signature | None, api: str, allow_outside: bool
) -> FolderScan:
    folder = root / name
    if _unchanged(folder, signature):
        assert signature is not None
        return FolderScan(name, signature, None, None)
    dirs: list[tuple[str, int]] = []
    files: list[FileRecord] = []
    seen: set[tuple[int, int]] = set()
    pending = [""]
    while pending:
        relative = pending.pop()
        path = folder / relative if relative else folder
        try:
            info = os.stat(path)
            with os.scandir(path) as entries:
                listed = list(entries)
        except OSError:
            continue  # a subfolder that vanished or cannot be read: what is readable counts
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.append((relative, info.st_mtime_ns))
        for entry in listed:
            if entry.name.startswith("."):
                continue
            child = f"{relative}/{entry.name}" if relative else entry.name
            try:
                if entry.is_symlink() and not allow_outside and not _inside(root, entry.path):
                    continue
                if entry.is_dir():
                    pending.append(child)
                elif is_video(entry.name) and entry.is_file():
                    st = entry.stat()
                    if stat.S_ISREG(st.st_mode):
                        files.append(
                            FileRecord(
                                child, episode_from_name(entry.name), st.st_size, st.st_mtime
                            )
                        )
            except OSError:
                continue
    marker, note = read_marker(folder, name, api)
    dirs.sort()
    files.sort(key=lambda f: f.path)
    return FolderScan(name, tuple(dirs), tuple(files), marker, note)


def ensure_series_folder(root: Path, name: str, *, allow_outside: bool, create_root: bool) -> Path:
    """Create (if needed) the series folder `name` under `root`, confined like a download
    folder: one that a symlink leads out of the root is refused. Its path.

    A missing root is made only with `create_root` (the download folder, made on first use
    anyway): another missing root may be a disk that is not mounted, and a folder made in its
    place would hide it.
    """
    if not create_root and not root.is_dir():
        raise LibraryRootError("The library folder {root} does not exist.", root=str(root))
    try:
        folder = safe_save_path(root, name, allow_outside=allow_outside)
    except TorrentInputError as error:
        raise LibraryRootError(error.message, **error.values) from error
    with contextlib.suppress(FileExistsError):
        folder.mkdir(parents=True)
    if not folder.is_dir():
        raise LibraryRootError("{folder} exists and is not a folder.", folder=str(folder))
    return folder

"""What a user hands us to download — a .torrent, a magnet link, a bare info-hash — checked and
described before libtorrent sees it.

A .torrent is hostile input. libtorrent *silently rewrites* bad names (drops `..` components,
strips separators, replaces control characters, renames duplicates, points bad symlinks at
themselves), so a torrent that says `../../.bashrc` is not refused by it, it is quietly changed.
`parse_torrent` therefore decodes the raw bytes itself (strict bencode, bounded) and refuses,
with a message a user understands:

* any path component that is empty, `.` or `..`, holds a path separator, a control character or
  a direction-changing Unicode mark, or is not UTF-8 (libtorrent would rewrite all of these);
* symlink entries (BEP 47 `attr` with `l`) whose target leaves the torrent's folder or does not
  name a file or folder inside it, and symlinks in single-file torrents;
* the same path twice (ASCII case-insensitive, as libtorrent compares) or a file where another
  entry needs a folder;
* structure that is not a torrent: wrong types, missing keys, a piece count that does not fit
  the sizes, an unknown `meta version`, a v1 and v2 half that disagree, oversized input.

What it accepts is described exactly as libtorrent will see it: `TorrentFile.index` is the index
in libtorrent's `file_storage`, pad files counted (libtorrent 2.x hybrid torrents list
`.pad/N` entries between files; v2-only torrents get them implied after every file that does not
end on a piece boundary), so file priorities hit the right file. The v1 info-hash is the SHA-1
of the info dictionary's exact bytes. BEP 3 (v1), BEP 47 (pad files, attributes, symlinks),
BEP 52 (v2 `file tree`, `piece layers`), BEP 9 (magnets).

Error messages never contain tracker URLs (they may carry a passkey).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import shutil
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from app.bencode import BencodeError, decode_with_spans
from app.formatting import human_size
from app.services.errors import ExplainedError, Phrase

__all__ = [
    "MAX_TORRENT_BYTES",
    "TorrentFile",
    "TorrentInputError",
    "TorrentSpec",
    "check_free_space",
    "clean_text",
    "parse_info_hash",
    "parse_magnet",
    "parse_torrent",
    "parse_user_input",
    "safe_save_path",
]

MAX_TORRENT_BYTES = 10 * 1024 * 1024
"""The largest .torrent accepted (libtorrent's own default limit is 10 MB)."""

MAX_MAGNET_CHARS = 64 * 1024
MAX_FILES = 100_000
"""More entries than this is no episode batch."""

_MAX_COMPONENT_BYTES = 240
"""libtorrent cuts a longer path component to 240 bytes (keeping a short extension)."""

_MAX_FILE_SIZE = (1 << 62) - 1
_MAX_PIECE_LENGTH = (1 << 31) // 2
_V2_MIN_PIECE_LENGTH = 16 * 1024
_MAX_PIECES = 0x200000
"""libtorrent's default `max_pieces`."""

_TRACKER_SCHEMES = frozenset({"http", "https", "udp", "ws", "wss"})
# Characters libtorrent drops from names: they flip the writing direction (a `.exe` shown as
# `.avi`).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u200e\u200f")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_BASE32 = re.compile(r"[A-Za-z2-7]{32}")


class TorrentInputError(ExplainedError, ValueError):
    """Bad or unsafe torrent input, said plainly enough to show the user (no passkeys)."""


@dataclass(frozen=True)
class TorrentFile:
    """One file of a torrent, as libtorrent indexes it."""

    index: int
    """Index in libtorrent's file_storage, pad files COUNTED (so priorities hit the right file)."""
    path: str
    """'/'-joined path relative to the save folder; the first component is the torrent's name
    for a multi-file torrent."""
    size: int


@dataclass(frozen=True)
class TorrentSpec:
    """A torrent to add: its identity, what it holds (when known) and where to find peers."""

    info_hash: str
    """v1 info-hash, 40 lowercase hex (for a v2-only torrent: the truncated v2 hash, as
    libtorrent uses it)."""
    name: str
    """Cleaned for display (control characters removed); "" when a magnet names nothing."""
    torrent: bytes | None
    """The whole bencoded .torrent; None for a magnet / bare hash."""
    magnet: str | None
    """The magnet URI to add when `torrent` is None (rebuilt: only xt, dn and tr)."""
    files: tuple[TorrentFile, ...]
    """Real files only (pad files skipped), by index; () until metadata is known."""
    total_size: int
    """Sum of `files` (0 when unknown)."""
    trackers: tuple[str, ...]
    """Announce URLs in tier order, duplicates removed. May hold a passkey: mask before showing."""


# --------------------------------------------------------------------------------------------
# Text


def clean_text(text: str) -> str:
    """`text` without control, format (bidi, zero-width) and line/paragraph separator
    characters, for display; surrounding whitespace stripped."""
    return "".join(
        c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")
    ).strip()


def _shown(value: bytes | str, limit: int = 60) -> str:
    """A hostile name made safe for an error message: decoded, cleaned, shortened, quoted."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    text = clean_text(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"


# --------------------------------------------------------------------------------------------
# .torrent files


@dataclass
class _Entry:
    """One file_storage entry: path parts inside the torrent, size, kind."""

    path: tuple[str, ...]
    size: int
    pad: bool = False
    symlink: tuple[str, ...] | None = None


def parse_torrent(data: bytes) -> TorrentSpec:
    """Decode and validate a .torrent; `TorrentInputError` says what is wrong with it."""
    data = bytes(data)
    if len(data) > MAX_TORRENT_BYTES:
        raise TorrentInputError(
            "The .torrent file is too large ({size}; at most {limit}).",
            size=human_size(len(data)),
            limit=human_size(MAX_TORRENT_BYTES),
        )
    if not data.startswith(b"d"):
        raise TorrentInputError("This is not a .torrent file.")
    try:
        decoded = decode_with_spans(data)
    except BencodeError as error:
        raise TorrentInputError(
            "This is not a .torrent file (damaged: {reason}).", reason=str(error)
        ) from None
    top = decoded.value
    if not isinstance(top, dict):
        raise TorrentInputError("This is not a .torrent file.")
    info = top.get(b"info")
    if not isinstance(info, dict):
        raise TorrentInputError("This is not a .torrent file (it has no info dictionary).")
    start, end = decoded.spans[b"info"]
    raw_info = data[start:end]

    version = _optional_int(
        info, b"meta version", Phrase("its meta version is missing or not a number")
    )
    if version is not None and version > 2:
        raise TorrentInputError(
            "This torrent uses a newer format (version {version}) than anitui understands.",
            version=version,
        )
    if version is not None and version < 1:
        raise _damaged(Phrase("its meta version is not valid"))
    v2 = version == 2
    if v2 and any(start <= offset < end for offset in decoded.unsorted_at):
        # libtorrent refuses a v2 info dictionary whose keys are out of order.
        raise _damaged(Phrase("its info dictionary is not in canonical order"))
    if not v2 and b"file tree" in info:
        raise _damaged(Phrase("it has a v2 file tree without meta version 2"))
    has_v1 = b"files" in info or b"length" in info
    if not v2 and not has_v1:
        raise _damaged(Phrase("it lists no files"))

    piece_length = _required_int(
        info, b"piece length", Phrase("its piece length is missing or not a number")
    )
    if not 0 < piece_length <= _MAX_PIECE_LENGTH:
        raise _damaged(Phrase("its piece length is not valid"))
    if v2 and (piece_length < _V2_MIN_PIECE_LENGTH or piece_length & (piece_length - 1)):
        raise _damaged(Phrase("its piece length is not a power of two of at least 16 KiB"))

    name_raw = _name_bytes(info)
    name = _component(name_raw, what=Phrase("name"))

    v1_entries = _v1_entries(info, name) if has_v1 else None
    v2_entries = _v2_entries(info) if v2 else None
    # A hybrid: libtorrent parses both halves and refuses them when they differ; its file
    # list (pad files included) follows the v1 half.
    if (
        v1_entries is not None
        and v2_entries is not None
        and (_real(v1_entries) != _real(v2_entries) or not _aligned(v1_entries, piece_length))
    ):
        raise _damaged(Phrase("its v1 and v2 file lists do not match"))
    entries = v1_entries if v1_entries is not None else v2_entries
    assert entries is not None
    multi = _v2_multi(info, has_v1) if v2 else b"files" in info
    _check_entries(entries, multi=multi)

    padded_total = sum(e.size for e in entries)
    total = sum(e.size for e in entries if not e.pad and e.symlink is None)
    if total == 0:
        raise _damaged(Phrase("it holds no data"))
    pieces_count = -(-padded_total // piece_length)
    if pieces_count > _MAX_PIECES:
        raise TorrentInputError("The torrent has more than {count} pieces.", count=_MAX_PIECES)
    if has_v1:
        pieces = info.get(b"pieces")
        if not isinstance(pieces, bytes) or len(pieces) != 20 * pieces_count:
            raise _damaged(Phrase("its piece hashes do not fit its size"))
    if v2:
        _check_piece_layers(top.get(b"piece layers"), info, piece_length)

    hashes_v1 = hashlib.sha1(raw_info).hexdigest()
    info_hash = hashes_v1 if has_v1 else hashlib.sha256(raw_info).hexdigest()[:40]
    files = tuple(
        TorrentFile(index=i, path="/".join((name, *e.path) if multi else e.path), size=e.size)
        for i, e in enumerate(entries)
        if not e.pad
    )
    return TorrentSpec(
        info_hash=info_hash,
        name=clean_text(name) or info_hash,
        torrent=data,
        magnet=None,
        files=files,
        total_size=total,
        trackers=_trackers(top),
    )


def _damaged(reason: Phrase) -> TorrentInputError:
    return TorrentInputError("This .torrent file is damaged: {reason}.", reason=reason)


def _required_int(d: Mapping[bytes, Any], key: bytes, missing: Phrase) -> int:
    value = d.get(key)
    if not isinstance(value, int):
        raise _damaged(missing)
    return value


def _optional_int(d: Mapping[bytes, Any], key: bytes, missing: Phrase) -> int | None:
    if key not in d:
        return None
    return _required_int(d, key, missing)


def _name_bytes(info: Mapping[bytes, Any]) -> bytes:
    # libtorrent prefers `name.utf-8` when present (it is more likely to be encoded right).
    for key in (b"name.utf-8", b"name"):
        value = info.get(key)
        if isinstance(value, bytes):
            return value
        if value is not None:
            raise _damaged(Phrase("its name is not a string"))
    raise _damaged(Phrase("it has no name"))


def _component(raw: bytes, *, what: Phrase) -> str:
    """One path component (or the torrent's name) checked against everything libtorrent
    would rewrite; returned as libtorrent stores it (long names shortened the same way)."""
    if not raw:
        raise TorrentInputError("The torrent has an unsafe {what}: an empty name.", what=what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TorrentInputError(
            "The torrent has a {what} that is not valid UTF-8: {text}.", what=what, text=_shown(raw)
        ) from None
    if text in (".", ".."):
        raise TorrentInputError(
            "The torrent has an unsafe {what}: {text}.", what=what, text=_shown(text)
        )
    if "/" in text or "\\" in text:
        raise TorrentInputError(
            "The torrent has an unsafe {what} {text}: it contains a path separator.",
            what=what,
            text=_shown(text),
        )
    if any(ord(c) < 32 or c in _BIDI for c in text):
        raise TorrentInputError(
            "The torrent has an unsafe {what} {text}: it contains control characters.",
            what=what,
            text=_shown(text),
        )
    return _shorten_like_libtorrent(raw).decode("utf-8")


def _utf8_length(lead: int) -> int:
    if lead < 0x80:
        return 1
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    return 2


def _shorten_like_libtorrent(raw: bytes) -> bytes:
    """libtorrent's `sanitize_append_path_element` length rule: past 240 bytes, keep a dot
    extension found in the last 10 bytes, else cut there (input is valid UTF-8 here)."""
    if len(raw) <= _MAX_COMPONENT_BYTES:
        return raw
    out = bytearray()
    found_extension = False
    i = 0
    while i < len(raw):
        step = _utf8_length(raw[i])
        out += raw[i : i + step]
        if len(out) >= _MAX_COMPONENT_BYTES and not found_extension:
            dot = -1
            for j in range(len(raw) - 1, max(len(raw) - 10, i), -1):
                if raw[j] == 0x2E:
                    dot = j
                    break
            if dot == -1:
                break
            found_extension = True
            i = dot
            continue
        i += step
    return bytes(out)


def _path_parts(value: Any, *, what: Phrase) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise TorrentInputError(
            "This .torrent file is damaged: a {what} is missing or not a list of names.",
            what=what,
        )
    parts: list[str] = []
    for element in value:
        if not isinstance(element, bytes):
            raise TorrentInputError(
                "This .torrent file is damaged: a {what} is not a list of names.", what=what
            )
        parts.append(_component(element, what=what))
    return tuple(parts)


def _attr(d: Mapping[bytes, Any]) -> bytes:
    attr = d.get(b"attr", b"")
    if not isinstance(attr, bytes):
        raise _damaged(Phrase("a file's attributes are not a string"))
    return attr


def _symlink_target(d: Mapping[bytes, Any]) -> tuple[str, ...]:
    target = d.get(b"symlink path")
    if not isinstance(target, list) or not target:
        raise _damaged(Phrase("a symbolic link has no target"))
    return _path_parts(target, what=Phrase("symbolic link target"))


def _size(d: Mapping[bytes, Any]) -> int:
    size = d.get(b"length")
    if not isinstance(size, int) or not 0 <= size <= _MAX_FILE_SIZE:
        raise _damaged(Phrase("a file's length is missing or not valid"))
    return size


def _v1_entries(info: Mapping[bytes, Any], name: str) -> list[_Entry]:
    files = info.get(b"files")
    if files is None:
        if b"symlink path" in info or b"l" in _attr(info):
            raise TorrentInputError("The torrent is a single symbolic link; anitui refuses it.")
        return [_Entry(path=(name,), size=_size(info))]
    if not isinstance(files, list) or not files:
        raise _damaged(Phrase("its file list is empty or not a list"))
    if len(files) > MAX_FILES:
        raise TorrentInputError("The torrent lists more than {count} files.", count=MAX_FILES)
    entries: list[_Entry] = []
    for item in files:
        if not isinstance(item, dict):
            raise _damaged(Phrase("a file entry is not a dictionary"))
        attr = _attr(item)
        pad = b"p" in attr
        symlink = _symlink_target(item) if b"l" in attr else None
        size = 0 if symlink is not None else _size(item)
        raw_path = item.get(b"path.utf-8") if isinstance(item.get(b"path.utf-8"), list) else None
        if raw_path is None:
            raw_path = item.get(b"path")
        if raw_path is None and pad:
            # BEP 47 pad files need no path; libtorrent files them under .pad/<size>.
            path: tuple[str, ...] = (".pad", str(size))
        else:
            path = _path_parts(raw_path, what=Phrase("file path"))
        if "_____padding_file_" in "/".join(path):
            pad = True  # BitComet's pad files, which libtorrent recognises by name
        if pad and symlink is not None:
            raise _damaged(Phrase("a pad file is also a symbolic link"))
        entries.append(_Entry(path=path, size=size, pad=pad, symlink=symlink))
    return entries


def _v2_entries(info: Mapping[bytes, Any]) -> list[_Entry]:
    tree = info.get(b"file tree")
    if not isinstance(tree, dict) or not tree:
        raise _damaged(Phrase("its v2 file tree is missing or empty"))
    piece_length = info[b"piece length"]
    entries: list[_Entry] = []
    for path, leaf in _walk_tree(tree, ()):
        attr = _attr(leaf)
        if b"p" in attr:
            raise _damaged(Phrase("its v2 file tree has a pad file"))
        if b"l" in attr:
            entries.append(_Entry(path=path, size=0, symlink=_symlink_target(leaf)))
            continue
        size = _size(leaf)
        root = leaf.get(b"pieces root")
        if (root is not None or size > 0) and (not isinstance(root, bytes) or len(root) != 32):
            raise _damaged(Phrase("a file in its v2 file tree has no valid pieces root"))
        entries.append(_Entry(path=path, size=size))
        if size % piece_length:
            # v2 files start on piece boundaries: libtorrent adds the pad file itself.
            pad = piece_length - size % piece_length
            entries.append(_Entry(path=(".pad", str(pad)), size=pad, pad=True))
        if len(entries) > MAX_FILES:
            raise TorrentInputError("The torrent lists more than {count} files.", count=MAX_FILES)
    return entries


def _walk_tree(
    tree: Mapping[bytes, Any], prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Mapping[bytes, Any]]]:
    for key, node in tree.items():
        part = _component(key, what=Phrase("file path"))
        if not isinstance(node, dict):
            raise _damaged(Phrase("its v2 file tree is not a tree of dictionaries"))
        if len(node) == 1 and b"" in node:
            leaf = node[b""]
            if not isinstance(leaf, dict):
                raise _damaged(Phrase("a file in its v2 file tree is not a dictionary"))
            yield (*prefix, part), leaf
        else:
            yield from _walk_tree(node, (*prefix, part))


def _v2_multi(info: Mapping[bytes, Any], has_v1: bool) -> bool:
    """Whether libtorrent files a v2 torrent under its name (see `_full_path`)."""
    if has_v1:
        return b"files" in info
    tree = info[b"file tree"]
    if len(tree) != 1:
        return True
    (node,) = tree.values()
    return not (len(node) == 1 and b"" in node)


def _aligned(entries: list[_Entry], piece_length: int) -> bool:
    """Whether every non-empty real file starts on a piece boundary (v2 needs it; a hybrid's
    v1 list gets there with pad files)."""
    offset = 0
    for entry in entries:
        if not entry.pad and entry.size and offset % piece_length:
            return False
        offset += entry.size
    return True


def _real(entries: list[_Entry]) -> list[tuple[tuple[str, ...], int, bool]]:
    return [(e.path, e.size, e.symlink is not None) for e in entries if not e.pad]


def _check_entries(entries: list[_Entry], *, multi: bool) -> None:
    """Duplicates, files used as folders, and symlinks that leave the torrent."""
    real = [e for e in entries if not e.pad]
    if not multi and any(e.symlink is not None for e in real):
        raise TorrentInputError("The torrent is a single symbolic link; anitui refuses it.")
    files: dict[str, _Entry] = {}
    folders: set[str] = set()
    for entry in real:
        key = "/".join(entry.path).lower() if multi else entry.path[-1].lower()
        if key in files or key in folders:
            raise TorrentInputError(
                "The torrent lists {path} twice; anitui refuses it.",
                path=_shown("/".join(entry.path)),
            )
        files[key] = entry
        for depth in range(1, len(entry.path)):
            folders.add("/".join(entry.path[:depth]).lower())
    for folder in folders:
        if folder in files:
            raise TorrentInputError(
                "The torrent uses {path} both as a file and as a folder; anitui refuses it.",
                path=_shown(folder),
            )
    exact_files = {"/".join(e.path) for e in real}
    exact_folders = {"/".join(e.path[:d]) for e in real for d in range(1, len(e.path))}
    for entry in real:
        if entry.symlink is None:
            continue
        # BEP 47: the target is relative to the torrent's folder. libtorrent also accepts a
        # target relative to the link's own folder; either must name a file or folder inside.
        candidates = ("/".join(entry.symlink), "/".join((*entry.path[:-1], *entry.symlink)))
        if not any(c in exact_files or c in exact_folders for c in candidates):
            raise TorrentInputError(
                "The torrent has a symbolic link {path} that points outside its files; "
                "anitui refuses it.",
                path=_shown("/".join(entry.path)),
            )


def _check_piece_layers(layers: Any, info: Mapping[bytes, Any], piece_length: int) -> None:
    # Absent layers are fine: libtorrent asks peers for them, and the .torrent a magnet's
    # metadata becomes has none. Present ones must fit.
    if layers is None:
        return
    if not isinstance(layers, dict):
        raise _damaged(Phrase("its piece layers are not valid"))
    for _path, leaf in _walk_tree(info[b"file tree"], ()):
        if b"l" in _attr(leaf):
            continue
        size = leaf[b"length"]
        if size <= piece_length:
            continue
        layer = layers.get(leaf[b"pieces root"])
        if not isinstance(layer, bytes) or len(layer) != 32 * -(-size // piece_length):
            raise _damaged(Phrase("its piece layers do not fit its files"))


def _trackers(top: Mapping[bytes, Any]) -> tuple[str, ...]:
    urls: list[str] = []
    announce_list = top.get(b"announce-list")
    if isinstance(announce_list, list):
        for tier in announce_list:
            if isinstance(tier, list):
                urls.extend(u.decode("utf-8", "replace") for u in tier if isinstance(u, bytes))
    if not urls and isinstance(top.get(b"announce"), bytes):
        urls.append(top[b"announce"].decode("utf-8", "replace"))
    return _clean_trackers(urls)


def _clean_trackers(urls: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for url in urls:
        url = url.strip()
        if not url or any(ord(c) < 32 for c in url):
            continue
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            continue
        if scheme in _TRACKER_SCHEMES:
            seen.setdefault(url, None)
    return tuple(seen)


# --------------------------------------------------------------------------------------------
# Magnets and bare hashes


def _hex_from_btih(value: str) -> str | None:
    if _HEX40.fullmatch(value):
        return value.lower()
    if _BASE32.fullmatch(value):
        try:
            return base64.b32decode(value.upper()).hex()
        except binascii.Error:
            return None
    return None


def parse_magnet(uri: str) -> TorrentSpec:
    """A magnet link: `xt=urn:btih:` (40 hex or 32 base32) and/or `xt=urn:btmh:1220<64 hex>`
    (v2), `dn` (name), `tr` (trackers). The returned `magnet` is rebuilt from those alone."""
    text = uri.strip()
    if len(text) > MAX_MAGNET_CHARS:
        raise TorrentInputError("The magnet link is too long.")
    if not text[:8].lower() == "magnet:?":
        raise TorrentInputError("This is not a magnet link (it must start with “magnet:?”).")
    btih: str | None = None
    btmh: str | None = None
    name = ""
    trackers: list[str] = []
    for key, value in parse_qsl(text[8:], keep_blank_values=True):
        kind = key.split(".", 1)[0].lower()
        if kind == "xt":
            lowered = value.strip()
            if lowered[:9].lower() == "urn:btih:" and btih is None:
                btih = _hex_from_btih(lowered[9:])
                if btih is None:
                    raise TorrentInputError("The magnet link's info-hash is not valid.")
            elif lowered[:9].lower() == "urn:btmh:" and btmh is None:
                multihash = lowered[9:]
                if not (multihash[:4] == "1220" and _HEX64.fullmatch(multihash[4:])):
                    raise TorrentInputError("The magnet link's v2 info-hash is not valid.")
                btmh = multihash[4:].lower()
        elif kind == "dn" and not name:
            name = clean_text(value)
        elif kind == "tr":
            trackers.append(value)
    if btih is None and btmh is None:
        raise TorrentInputError("The magnet link has no BitTorrent info-hash (xt=urn:btih:…).")
    return _magnet_spec(btih, btmh, name, _clean_trackers(trackers))


def _magnet_spec(
    btih: str | None, btmh: str | None, name: str, trackers: tuple[str, ...]
) -> TorrentSpec:
    params: list[str] = []
    if btih is not None:
        params.append(f"xt=urn:btih:{btih}")
    if btmh is not None:
        params.append(f"xt=urn:btmh:1220{btmh}")
    if name:
        params.append(f"dn={quote(name, safe='')}")
    params.extend(f"tr={quote(url, safe='')}" for url in trackers)
    info_hash = btih if btih is not None else (btmh or "")[:40]
    return TorrentSpec(
        info_hash=info_hash,
        name=name,
        torrent=None,
        magnet="magnet:?" + "&".join(params),
        files=(),
        total_size=0,
        trackers=trackers,
    )


def parse_info_hash(text: str) -> TorrentSpec:
    """A bare info-hash — 40 hex or 32 base32 (v1), or 64 hex (v2) — as a trackerless magnet."""
    value = text.strip()
    if _HEX64.fullmatch(value):
        return _magnet_spec(None, value.lower(), "", ())
    btih = _hex_from_btih(value)
    if btih is None:
        raise TorrentInputError(
            "This is not an info-hash (40 hexadecimal or 32 base32 characters)."
        )
    return _magnet_spec(btih, None, "", ())


# --------------------------------------------------------------------------------------------
# What the user typed


def parse_user_input(text: str) -> TorrentSpec:
    """A magnet link, a bare info-hash, or the path of a .torrent file (read here, at most
    `MAX_TORRENT_BYTES`; `~` expanded; `file://` URLs and quotes from a drag and drop
    accepted)."""
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    if not value:
        raise TorrentInputError("Paste a magnet link, an info-hash or the path of a .torrent file.")
    if value[:7].lower() == "magnet:":
        return parse_magnet(value)
    if _HEX40.fullmatch(value) or _HEX64.fullmatch(value) or _BASE32.fullmatch(value):
        return parse_info_hash(value)
    lowered = value.lower()
    if lowered.startswith(("http://", "https://")):
        raise TorrentInputError(
            "Web links are not accepted here: download the .torrent file and give its path, "
            "or paste a magnet link."
        )
    if lowered.startswith("file://"):
        value = unquote(urlsplit(value).path)
    return parse_torrent(_read_torrent_file(Path(value).expanduser()))


def _read_torrent_file(path: Path) -> bytes:
    shown = _shown(str(path), limit=80)
    try:
        if not path.exists():
            raise TorrentInputError("No such file: {path}.", path=shown)
        if path.is_dir():
            raise TorrentInputError("{path} is a folder, not a .torrent file.", path=shown)
        if not path.is_file():
            raise TorrentInputError("{path} is not a .torrent file.", path=shown)
        with path.open("rb") as handle:
            data = handle.read(MAX_TORRENT_BYTES + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise TorrentInputError(
            "Cannot read {path}: {reason}.", path=shown, reason=reason
        ) from None
    if len(data) > MAX_TORRENT_BYTES:
        raise TorrentInputError(
            "{path} is too large for a .torrent file (over {limit}).",
            path=shown,
            limit=human_size(MAX_TORRENT_BYTES),
        )
    if not data.startswith(b"d"):
        raise TorrentInputError("{path} is not a .torrent file.", path=shown)
    return data


# --------------------------------------------------------------------------------------------
# Where files go


def check_free_space(folder: Path, needed: int) -> None:
    """`TorrentInputError` when the disk holding `folder` (or its nearest existing parent)
    has less than `needed` bytes free. Nothing is raised when free space cannot be read."""
    if needed <= 0:
        return
    probe = Path(folder).expanduser().absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if free < needed:
        raise TorrentInputError(
            "Not enough free space: needs {needed}, {free} free in {folder}.",
            needed=human_size(needed),
            free=human_size(free),
            folder=_shown(str(folder), limit=80),
        )


def safe_save_path(root: Path, folder_name: str, *, allow_outside: bool = False) -> Path:
    """The resolved folder `folder_name` names under the download `root`.

    `folder_name` may come from a torrent (hostile): control and format characters are
    removed, `\\` counts as a separator, empty and `.` components are dropped and `..` is
    refused. The result must resolve (symlinks on disk followed) inside `root` — unless
    `allow_outside`, where an absolute (or `~`) folder is taken as the user's choice.
    "" means `root` itself.
    """
    base = Path(root).expanduser().resolve()
    text = clean_text(folder_name)
    if allow_outside and (text.startswith(("/", "~"))):
        return Path(text).expanduser().resolve()
    parts = [p.strip() for p in re.split(r"[/\\]", text)]
    if any(p == ".." for p in parts):
        raise TorrentInputError(
            "The folder {folder} leaves the download folder; choose one inside it.",
            folder=_shown(folder_name),
        )
    if text.startswith(("/", "~")):
        candidate = Path(text).expanduser()
    else:
        candidate = base.joinpath(*(p for p in parts if p not in ("", ".")))
    resolved = candidate.resolve()
    if not allow_outside and not resolved.is_relative_to(base):
        raise TorrentInputError(
            "The folder {folder} is outside the download folder {root}.",
            folder=_shown(str(candidate), limit=80),
            root=_shown(str(base), limit=80),
        )
    return resolved

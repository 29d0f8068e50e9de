"""What every demo torrent holds: the committed demo clips, as files mpv really plays.

Each file of a demo torrent — AniLibria's, nekoBT's, the Torrent API's — is the 4-second clip of
its quality: the HLS segments of `assets/demo/media/<height>/` joined, which is one valid
MPEG-TS stream (mpv reads MPEG-TS whatever the file is called, `.mkv` included). It is padded to
the file's size with MPEG-TS null packets, the stuffing every demuxer skips; the few bytes after
the last whole packet are 0xFF, which hold no sync byte, so a demuxer simply finds the end there.
Nothing here needs ffmpeg: the clips are made once by `assets/demo/make_demo_assets.py`.

Every size is a whole number of pieces (`PIECE_LENGTH`), so each piece lies inside one file and a
file's piece hashes depend on its quality and size alone: they are computed once per (quality,
size), and a catalog of thousands of torrents hashes in a blink.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.bencode import Raw, bencode

__all__ = [
    "CLIP_HEIGHTS",
    "PIECE_LENGTH",
    "VideoFile",
    "VideoTorrent",
    "assets_dir",
    "clip",
    "clip_height",
    "video",
    "video_size",
]

PIECE_LENGTH = 16 * 1024
"""Piece length of every demo torrent (small, so tiny payloads still have many pieces)."""

CLIP_HEIGHTS = ("480", "720", "1080")
"""The qualities of the committed clips, lowest first."""

_TS_PACKET = 188
_NULL_PACKET = b"\x47\x1f\xff\x10" + b"\xff" * (_TS_PACKET - 4)
"""An MPEG-TS null packet (PID 0x1FFF): stuffing that demuxers drop."""
_DIGITS = re.compile(r"\d+")
_QUALITY_PIECES = {"480": 0, "720": 1, "1080": 3}
"""Pieces every file of a quality gets on top of its clip: the clips differ by a few KiB (the
720 and 1080 ones round up to the same whole pieces), and a 1080p release should not come out
smaller than its 720p one."""


def assets_dir() -> Path:
    """The demo assets: inside an installed wheel (`app/_data/assets`) or the source tree."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "_data" / "assets", here.parents[2] / "assets"):
        if (candidate / "demo" / "catalog.json").is_file():
            return candidate / "demo"
    raise FileNotFoundError("demo assets not found (assets/demo/catalog.json)")


@functools.cache
def clip(height: str) -> bytes:
    """The demo clip of quality `height` ("480", "720", "1080") as one MPEG-TS stream."""
    if height not in CLIP_HEIGHTS:
        raise ValueError(f"no demo clip of height {height!r}")
    segments = sorted((assets_dir() / "media" / height).glob("seg*.ts"))
    data = b"".join(segment.read_bytes() for segment in segments)
    if not data or len(data) % _TS_PACKET:
        raise ValueError(f"the demo clip {height} is not whole MPEG-TS packets")
    return data


def clip_height(resolution: object) -> str:
    """The clip for a release's resolution ("2160p", 720, "480p", "BD 1080p"): the largest
    clip not above it (the smallest for anything lower); 1080 when it names no number."""
    match = _DIGITS.search(str(resolution)) if resolution is not None else None
    if match is None:
        return CLIP_HEIGHTS[-1]
    wanted = int(match.group())
    fitting = [h for h in CLIP_HEIGHTS if int(h) <= wanted]
    return fitting[-1] if fitting else CLIP_HEIGHTS[0]


def video_size(height: str, *seed: object, extra_pieces: tuple[int, int] = (0, 4)) -> int:
    """A file size for the clip `height`: the clip rounded up to whole pieces, a little more
    for a higher quality, plus a number of extra pieces in `extra_pieces` (inclusive) chosen by
    `seed`, so that episodes differ."""
    low, high = extra_pieces
    digest = hashlib.sha256(":".join(map(str, ("size", height, *seed))).encode()).digest()
    extra = low + int.from_bytes(digest[:4], "big") % (high - low + 1)
    clip_pieces = -(-len(clip(height)) // PIECE_LENGTH)
    return (clip_pieces + _QUALITY_PIECES[height] + extra) * PIECE_LENGTH


def video(height: str, size: int) -> bytes:
    """The clip `height` padded to `size` bytes (see the module docstring)."""
    data = clip(height)
    padding = size - len(data)
    if padding < 0:
        raise ValueError(f"{size} bytes cannot hold the {height} clip ({len(data)} bytes)")
    return data + _NULL_PACKET * (padding // _TS_PACKET) + b"\xff" * (padding % _TS_PACKET)


@functools.cache
def _piece_hashes(height: str, size: int) -> bytes:
    if size % PIECE_LENGTH:
        raise ValueError(f"a demo video is whole pieces, not {size} bytes")
    data = video(height, size)
    return b"".join(
        hashlib.sha1(data[i : i + PIECE_LENGTH], usedforsecurity=False).digest()
        for i in range(0, size, PIECE_LENGTH)
    )


@dataclass(frozen=True)
class VideoFile:
    """One file of a demo torrent: its path in the torrent's folder (for a single-file
    torrent, the torrent's name), the clip it holds and its size (whole pieces)."""

    path: str
    height: str
    size: int


@dataclass(frozen=True)
class VideoTorrent:
    """A demo torrent of videos: a folder `name` holding `files`, or, when `single`, one file
    called `name`. Its info dict and payload are computed from these alone."""

    name: str
    files: tuple[VideoFile, ...]
    single: bool = False

    def __post_init__(self) -> None:
        if not self.files or (self.single and len(self.files) != 1):
            raise ValueError("a demo torrent has one file, or a folder of at least one")

    @functools.cached_property
    def info(self) -> bytes:
        """The bencoded info dict (v1)."""
        pieces = b"".join(_piece_hashes(f.height, f.size) for f in self.files)
        info: dict[str, Any] = {"name": self.name, "piece length": PIECE_LENGTH}
        if self.single:
            info["length"] = self.files[0].size
        else:
            info["files"] = [{"length": f.size, "path": f.path.split("/")} for f in self.files]
        info["pieces"] = pieces
        return bencode(info)

    @property
    def info_hash(self) -> str:
        """The v1 info-hash (sha1 of the info dict), 40 lowercase hex digits."""
        return hashlib.sha1(self.info, usedforsecurity=False).hexdigest()

    @property
    def total_size(self) -> int:
        """The sum of the file sizes in bytes."""
        return sum(f.size for f in self.files)

    def payload(self) -> list[tuple[str, bytes]]:
        """The files as (path relative to the save folder, bytes), in torrent order: `name`
        for a single file, else `name/path`."""
        return [
            (self.name if self.single else f"{self.name}/{f.path}", video(f.height, f.size))
            for f in self.files
        ]

    def torrent_file(
        self,
        announce: Sequence[str] = (),
        *,
        created_by: str = "anitui devserver",
        created: int = 0,
        comment: str = "",
    ) -> bytes:
        """The bencoded `.torrent` with these tracker URLs (they don't change the info-hash)."""
        meta: dict[str, Any] = {"created by": created_by}
        if created:
            meta["creation date"] = created
        if comment:
            meta["comment"] = comment
        if announce:
            meta["announce"] = announce[0]
            meta["announce-list"] = [[url] for url in announce]
        # The info dict goes in as the exact bytes that were hashed.
        meta["info"] = Raw(self.info)
        return bencode(meta)

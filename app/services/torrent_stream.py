"""Play while downloading: a loopback HTTP range server in front of a torrent's files.

mpv must never read a partly downloaded file (the pieces not yet there are holes of zeros or
garbage). Instead it plays `http://127.0.0.1:<port>/<token>/<name>`, and this server answers
GET / HEAD with `Range` support — but only bytes of pieces libtorrent *has* (hash-checked). For
a read at offset X it:

* sets piece deadlines on the pieces from X on (a readahead window, nearest first), so
  libtorrent fetches them before anything else — and while a torrent has a published file it
  downloads in piece order (`sequential_download`, restored afterwards), so the bytes after
  the window come next;
* waits until `handle.have_piece(i)` for the piece under X (a short poll, bounded by a
  timeout, ended early when the client hangs up or the server closes);
* reads that whole piece through libtorrent (the `PieceReader` given to `publish`:
  `TorrentEngine.read_piece`), never from the file: a piece is had once its hash passes,
  which can be before the disk thread has handed its bytes to the OS, and the file then still
  reads as zeros there (libtorrent#7337: there is no notification of that moment; read_piece
  reads libtorrent's own cache, as when serving peers). The file's part of the piece is sent,
  and the piece is kept for the connection's next chunks.

On `publish` it also puts deadlines on the file's first pieces and on its tail, where
containers keep their index (MKV cues, an MP4 `moov` written last), so a player's probe is
answered early.

The server runs on its own threads (`ThreadingHTTPServer`), never on the UI loop. URLs carry
an unguessable token per published file; anything else is 404. `close()` never hangs: waits
poll a closing flag and open connections are shut down.

Blocking: `publish` asks libtorrent for the torrent's metadata (a round trip to its network
thread): call it off the UI loop.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
import secrets
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

__all__ = [
    "VIDEO_EXTENSIONS",
    "PieceReader",
    "RangeNotSatisfiable",
    "StreamError",
    "StreamSettings",
    "TorrentStreamServer",
    "content_type_for",
    "is_playable",
    "parse_range",
]

log = logging.getLogger("anitui.stream")

VIDEO_EXTENSIONS = frozenset(
    {".mkv", ".mp4", ".m4v", ".webm", ".avi", ".ts", ".m2ts", ".mov", ".ogv", ".wmv", ".flv"}
)
"""Files `P` offers to play while downloading."""

_CONTENT_TYPES = {
    ".mkv": "video/x-matroska",
    ".mka": "audio/x-matroska",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
    ".ts": "video/mp2t",
    ".m2ts": "video/mp2t",
    ".mov": "video/quicktime",
    ".ogv": "video/ogg",
    ".wmv": "video/x-ms-wmv",
    ".flv": "video/x-flv",
    ".ass": "text/x-ssa",
    ".ssa": "text/x-ssa",
    ".srt": "application/x-subrip",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
}

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class StreamError(Exception):
    """A file cannot be published for streaming; str() is a user message."""


class PieceReader(Protocol):
    """Reads one whole piece (the torrent's byte space) of a published torrent through
    libtorrent, as `TorrentEngine.read_piece` does for one info-hash."""

    def __call__(self, piece: int, timeout: float) -> bytes | None:
        """The piece's bytes; None when it cannot be read within `timeout` seconds."""
        ...


def content_type_for(name: str) -> str:
    """The Content-Type served for a file name (octet-stream when unknown)."""
    suffix = PurePosixPath(name).suffix.lower()
    known = _CONTENT_TYPES.get(suffix)
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def is_playable(name: str) -> bool:
    """Whether a file (by its name) is a video the player can stream."""
    return PurePosixPath(name).suffix.lower() in VIDEO_EXTENSIONS


@dataclass(frozen=True)
class StreamSettings:
    """How the server prioritizes pieces and how long it waits; all times in seconds."""

    readahead_bytes: int = 8 * 1024 * 1024
    """Bytes from the read offset on that get piece deadlines (at least two pieces). Keep it
    modest: libtorrent requests every deadline piece at once and they arrive in any order;
    beyond the window, sequential order brings the rest."""
    tail_bytes: int = 2 * 1024 * 1024
    """Bytes at the end of a file prioritized when it is published (container indexes)."""
    head_bytes: int = 2 * 1024 * 1024
    """Bytes at the start of a file prioritized when it is published (the player's probe)."""
    deadline_step_ms: int = 250
    """Each further piece of the readahead window gets its deadline this much later."""
    tail_deadline_ms: int = 1500
    """The deadline of the first tail piece."""
    piece_timeout: float = 120.0
    """A read gives up (the connection closes) when its piece has not arrived by then."""
    read_timeout: float = 30.0
    """A piece libtorrent has must be read through it within this (the connection closes)."""
    poll_interval: float = 0.05
    """How often a waiting read checks for its piece, the client and the closing flag."""
    idle_timeout: float = 600.0
    """A connection that neither reads nor sends this long is dropped (a paused player
    reconnects with a Range request when it resumes)."""
    chunk_size: int = 256 * 1024
    """The most bytes sent at once."""


class _Torrent:
    """A torrent with published files: downloaded in piece order while it has any.

    Measured here (libtorrent 2.1, loopback, throttled seeder): deadlines on a whole file made
    its pieces arrive in random order — every deadline piece is requested at once — and
    deadlines on a few pieces did not overtake the rarest-first picks already in the request
    pipe. With `sequential_download` the file comes head first and the deadlines (tail,
    readahead window after a seek) go before the sequential picks. The flag the torrent had
    before is restored when its last file is unpublished (a crash while streaming leaves it
    in the resume data: harmless).
    """

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self._was_sequential: bool | None = None

    def hold(self) -> None:
        if self._was_sequential is not None:
            return
        import libtorrent as lt

        sequential = lt.torrent_flags.sequential_download
        try:
            self._was_sequential = bool(self.handle.flags() & sequential)
            if not self._was_sequential:
                self.handle.set_flags(sequential)
        except RuntimeError:
            log.debug("download order not changed: the torrent is gone")

    def release(self) -> None:
        import libtorrent as lt

        with contextlib.suppress(RuntimeError):
            if not self.handle.is_valid():
                return
            self.handle.clear_piece_deadlines()
            if self._was_sequential is False:
                self.handle.unset_flags(lt.torrent_flags.sequential_download)


@dataclass
class _Published:
    token: str
    torrent_key: str
    handle: Any
    file_index: int
    read_piece: PieceReader
    name: str
    offset: int
    """The file's first byte in the torrent's byte space (pad files counted)."""
    size: int
    piece_length: int
    content_type: str
    had: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def first_piece(self) -> int:
        return self.offset // self.piece_length

    @property
    def last_piece(self) -> int:
        return (self.offset + max(self.size, 1) - 1) // self.piece_length

    def piece_at(self, position: int) -> int:
        return (self.offset + position) // self.piece_length

    def piece_start(self, piece: int) -> int:
        """Where `piece` begins in the file (negative when it begins in an earlier file)."""
        return piece * self.piece_length - self.offset


class TorrentStreamServer:
    """Serves published torrent files over HTTP on 127.0.0.1 while they download."""

    def __init__(self, settings: StreamSettings | None = None, *, host: str = "127.0.0.1") -> None:
        self.settings = settings or StreamSettings()
        self._host = host
        self._lock = threading.Lock()
        self._published: dict[str, _Published] = {}
        self._by_file: dict[tuple[str, int], str] = {}
        self._torrents: dict[str, _Torrent] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on `host`:0 and serve on a daemon thread (idempotent)."""
        with self._lock:
            if self._server is not None:
                return
            if self._closing.is_set():
                raise RuntimeError("the stream server was closed")
            server = _Server((self._host, 0), _Handler, self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="anitui-stream",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        log.info("stream server listening on %s:%d", self._host, self.port)

    @property
    def port(self) -> int:
        """The TCP port (after `start()`)."""
        if self._server is None:
            raise RuntimeError("the stream server is not started")
        return int(self._server.server_address[1])

    @property
    def active_requests(self) -> int:
        """Requests being answered right now (tests, diagnostics)."""
        server = self._server
        return 0 if server is None else server.active_requests

    def close(self) -> None:
        """Stop serving: waiting reads end, open connections are shut down. Never hangs."""
        self._closing.set()
        with self._lock:
            server, self._server = self._server, None
            thread, self._thread = self._thread, None
            torrents = dict(self._torrents)
            self._published.clear()
            self._by_file.clear()
            self._torrents.clear()
        if server is not None:
            server.shutdown_connections()
            # shutdown() waits for serve_forever's loop, which polls every 50 ms.
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=2.0)
        for torrent in torrents.values():
            torrent.release()

    # --- publishing -------------------------------------------------------------------------

    def publish(self, handle: Any, file_index: int, read_piece: PieceReader) -> str:
        """The URL that streams file `file_index` (a `TorrentFile.index`) of the torrent behind
        `handle`, whose bytes `read_piece` reads. Publishing the same file again gives the same
        URL (and keeps the first reader).

        Blocking (libtorrent round trips): call off the UI loop. `StreamError` when the torrent
        has no metadata yet, the index is not a real file, or the file is not selected.
        """
        if self._server is None:
            self.start()
        try:
            if not handle.is_valid():
                raise StreamError("The download is no longer there.")
            info = handle.torrent_file()
        except RuntimeError as error:
            raise StreamError(f"The download cannot be streamed: {error}") from None
        if info is None:
            raise StreamError("The download's file list is not known yet.")
        import libtorrent as lt

        layout = info.layout()
        if not 0 <= file_index < layout.num_files():
            raise StreamError("No such file in this download.")
        flags = layout.file_flags(file_index)
        if flags & (lt.file_storage.flag_pad_file | lt.file_storage.flag_symlink):
            raise StreamError("This entry is not a file that can be played.")
        if handle.file_priority(file_index) == 0:
            raise StreamError("This file is not selected for download.")
        torrent_key = str(handle.info_hashes().get_best())
        key = (torrent_key, file_index)
        relative = layout.file_path(file_index)
        name = PurePosixPath(relative.replace("\\", "/")).name
        with self._lock:
            token = self._by_file.get(key)
            if token is None or token not in self._published:
                token = secrets.token_urlsafe(24)
                entry = _Published(
                    token=token,
                    torrent_key=torrent_key,
                    handle=handle,
                    file_index=file_index,
                    read_piece=read_piece,
                    name=name,
                    offset=layout.file_offset(file_index),
                    size=layout.file_size(file_index),
                    piece_length=info.piece_length(),
                    content_type=content_type_for(name),
                )
                self._published[token] = entry
                self._by_file[key] = token
            entry = self._published[token]
            torrent = self._torrents.get(torrent_key)
            if torrent is None:
                torrent = self._torrents[torrent_key] = _Torrent(handle)
        torrent.hold()
        self._prioritize_ends(entry)
        return f"http://{self._host}:{self.port}/{token}/{quote(name)}"

    def unpublish(self, url: str) -> None:
        """Forget a published URL; when it was the torrent's last one, its piece deadlines are
        cleared and its download order restored. Unknown URLs are ignored."""
        token = _token_of(urlsplit(url).path)
        with self._lock:
            entry = self._published.pop(token, None)
            if entry is None:
                return
            self._by_file = {k: v for k, v in self._by_file.items() if v != token}
            others = any(e.torrent_key == entry.torrent_key for e in self._published.values())
            torrent = None if others else self._torrents.pop(entry.torrent_key, None)
        if torrent is not None:
            torrent.release()

    def _lookup(self, path: str) -> _Published | None:
        with self._lock:
            return self._published.get(_token_of(path))

    # --- piece scheduling -------------------------------------------------------------------

    def _window(self, entry: _Published) -> int:
        return max(2, -(-self.settings.readahead_bytes // entry.piece_length))

    def _prioritize_ends(self, entry: _Published) -> None:
        if entry.size == 0:
            return
        settings = self.settings
        head_last = min(entry.last_piece, entry.piece_at(min(entry.size, settings.head_bytes) - 1))
        tail_first = max(
            entry.first_piece, entry.piece_at(max(0, entry.size - settings.tail_bytes))
        )
        tail_first = max(tail_first, head_last + 1)
        step = settings.deadline_step_ms
        # Farthest first: libtorrent picks the most recently set deadline first among equals.
        try:
            for k in reversed(range(entry.last_piece - tail_first + 1)):
                entry.handle.set_piece_deadline(
                    tail_first + k, settings.tail_deadline_ms + k * step
                )
            for k in reversed(range(head_last - entry.first_piece + 1)):
                entry.handle.set_piece_deadline(entry.first_piece + k, k * step)
        except RuntimeError:
            log.debug("piece deadlines not set: the torrent is gone")

    def _prioritize_from(self, entry: _Published, piece: int) -> None:
        """Deadlines on `piece` and the readahead window after it, nearest first."""
        last = min(entry.last_piece, piece + self._window(entry) - 1)
        step = self.settings.deadline_step_ms
        try:
            for k in reversed(range(last - piece + 1)):
                if piece + k not in entry.had:
                    entry.handle.set_piece_deadline(piece + k, k * step)
        except RuntimeError:
            log.debug("piece deadlines not set: the torrent is gone")

    def _wait_for_piece(self, entry: _Published, piece: int, connection: socket.socket) -> bool:
        """True once libtorrent has `piece`; False on timeout, a hang-up, a closed server or a
        removed torrent."""
        if piece in entry.had:
            return True
        deadline = time.monotonic() + self.settings.piece_timeout
        while True:
            try:
                if entry.handle.have_piece(piece):
                    with entry.lock:
                        entry.had.add(piece)
                    return True
                if not entry.handle.is_valid():
                    return False
            except RuntimeError:
                return False
            if self._closing.is_set() or _hung_up(connection):
                return False
            if time.monotonic() > deadline:
                log.warning("piece %d did not arrive in %.0f s", piece, self.settings.piece_timeout)
                return False
            if self._closing.wait(self.settings.poll_interval):
                return False


def _token_of(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def _hung_up(connection: socket.socket) -> bool:
    """Whether the client closed its end (readable with nothing to read)."""
    # poll, not select: select() refuses descriptors above 1023, which a session with many
    # torrents' files open reaches, and every wait would then look like a hang-up.
    poller = select.poll()
    try:
        poller.register(connection, select.POLLIN)
        if not poller.poll(0):
            return False
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class RangeNotSatisfiable(ValueError):
    """The Range asks for bytes the file does not have (answered with 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a `Range` header asks of a `size`-byte file; None when there
    is no usable range (everything is sent, 200). `RangeNotSatisfiable` for 416. Several
    ranges are answered as no range (RFC 9110 lets a server ignore Range)."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        raise RangeNotSatisfiable(header)
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(header)
    return start, min(end, size - 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, owner: TorrentStreamServer):
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.active_requests = 0
        super().__init__(address, handler)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def count(self, delta: int) -> None:
        with self._connections_lock:
            self.active_requests += delta

    def shutdown_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "anitui-stream"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        self._cached_piece: tuple[str, int, bytes] | None = None
        """(token, piece, bytes) of the last piece this connection read."""
        self.connection.settimeout(self.server.owner.settings.idle_timeout)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        self.server.track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    # BaseHTTPRequestHandler writes its log to stderr, which is Textual's screen.
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _answer(self, *, send_body: bool) -> None:
        self.server.count(+1)
        try:
            self._serve(send_body=send_body)
        except (ConnectionError, TimeoutError, OSError) as error:
            log.debug("stream connection ended: %s", error)
            self.close_connection = True
        finally:
            self.server.count(-1)

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve(self, *, send_body: bool) -> None:
        owner = self.server.owner
        entry = owner._lookup(urlsplit(self.path).path)
        if entry is None:
            self._empty(404)
            return
        try:
            wanted = parse_range(self.headers.get("Range"), entry.size)
        except RangeNotSatisfiable:
            self._empty(416, {"Content-Range": f"bytes */{entry.size}", "Accept-Ranges": "bytes"})
            return
        if wanted is None:
            start, end, status = 0, entry.size - 1, 200
        else:
            (start, end), status = wanted, 206
        self.send_response(status)
        self.send_header("Content-Type", entry.content_type)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{entry.size}")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not send_body or end < start:
            return
        if not self._send_bytes(owner, entry, start, end):
            # The promised Content-Length was not met: the client must see the connection end.
            self.close_connection = True

    def _send_bytes(
        self, owner: TorrentStreamServer, entry: _Published, start: int, end: int
    ) -> bool:
        chunk_size = owner.settings.chunk_size
        position = start
        current_piece = -1
        while position <= end:
            piece = entry.piece_at(position)
            if piece != current_piece:
                owner._prioritize_from(entry, piece)
                current_piece = piece
            if not owner._wait_for_piece(entry, piece, self.connection):
                return False
            data = self._piece(owner, entry, piece)
            if data is None:
                log.warning("piece %d of %s could not be read", piece, entry.name)
                return False
            piece_start = entry.piece_start(piece)
            stop = min(end + 1, piece_start + entry.piece_length, position + chunk_size)
            chunk = memoryview(data)[position - piece_start : stop - piece_start]
            if len(chunk) != stop - position:
                log.warning("piece %d of %s is short: %d bytes", piece, entry.name, len(data))
                return False
            self.wfile.write(chunk)
            position = stop
        return True

    def _piece(self, owner: TorrentStreamServer, entry: _Published, piece: int) -> bytes | None:
        """The piece's bytes; the last piece read stays with the connection, whose next chunks
        (a sequential read sends a piece in several) are mostly in it."""
        cached = self._cached_piece
        if cached is not None and cached[:2] == (entry.token, piece):
            return cached[2]
        data = entry.read_piece(piece, owner.settings.read_timeout)
        if data is not None:
            self._cached_piece = (entry.token, piece, data)
        return data

"""Play while downloading: the loopback range server in front of a real, throttled libtorrent
download (a seeder and a leecher session on 127.0.0.1, TCP only), read with HTTP Range requests
and played from 0 % by real libmpv (vo/ao null).

The media: the demo's 480p HLS clip (its two MPEG-TS segments concatenated are one valid
4-second .ts file) for byte ranges, and a 10-second Matroska episode libmpv encodes from its
lavfi test sources for playback.
"""

from __future__ import annotations

import http.client
import importlib
import locale
import os
import random
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libtorrent as lt
import pytest

from app.devserver.seeder import Seeder, make_torrent
from app.services.torrent_meta import TorrentSpec, parse_torrent
from app.services.torrent_stream import (
    RangeNotSatisfiable,
    StreamError,
    StreamSettings,
    TorrentStreamServer,
    content_type_for,
    is_playable,
    parse_range,
)
from tests.torrents.conftest import SessionPieceReader, loopback_pack

ROOT = Path(__file__).resolve().parents[2]
CLIP = b"".join(
    (ROOT / "assets/demo/media/480" / name).read_bytes() for name in ("seg000.ts", "seg001.ts")
)
PL = 16384
WAIT = 30.0


def until(predicate: Callable[[], object], timeout: float = WAIT, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what or predicate}"
        time.sleep(0.02)


@dataclass
class Download:
    """A torrent the leecher session downloads from the seeder."""

    handle: lt.torrent_handle
    save_path: Path
    spec: TorrentSpec
    seeder_port: int
    read_piece: SessionPieceReader

    def connect(self) -> None:
        """Connect to the seeder, repeating until a peer shows (the first try can be lost)."""

        def connected() -> bool:
            self.handle.connect_peer(("127.0.0.1", self.seeder_port))
            status = self.handle.status()
            # An unthrottled download can finish (and the seed-to-seed link close) at once.
            return status.num_peers > 0 or status.is_seeding

        until(connected, what="a peer")

    def progress(self) -> float:
        return float(self.handle.status().progress)


@pytest.fixture
def swarm(tmp_path: Path) -> Iterator[Callable[..., Download]]:
    """make(files, name, rate, connect=True, v1_only=False): seed `files` (throttled to `rate`
    bytes/s, 0 = unlimited) and add the torrent to a leecher session saving under its own
    folder."""
    sessions: list[Any] = []
    seeders: list[Seeder] = []

    def make(
        files: list[tuple[str, bytes]],
        name: str,
        rate: int,
        *,
        connect: bool = True,
        v1_only: bool = False,
    ) -> Download:
        seed_root = tmp_path / f"seed{len(seeders)}"
        torrent = make_torrent(seed_root, files, name=name, piece_length=PL, v1_only=v1_only)
        seeder = Seeder(seed_root, upload_rate_limit=rate)
        seeders.append(seeder)
        seeder.seed(torrent)
        # No random first pieces: the order under test is the stream server's, not luck.
        session = lt.session(loopback_pack(initial_picker_threshold=0))
        sessions.append(session)
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(torrent)
        save_path = tmp_path / f"leech{len(sessions)}"
        params.save_path = str(save_path)
        params.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
        handle = session.add_torrent(params)
        download = Download(
            handle,
            save_path,
            parse_torrent(torrent),
            seeder.port,
            SessionPieceReader(session, handle),
        )
        if connect:
            download.connect()
        return download

    yield make
    for session in sessions:
        session.pause()
    for seeder in seeders:
        seeder.close()


@pytest.fixture
def server() -> Iterator[TorrentStreamServer]:
    # Windows of a few pieces, as a few MiB are of a real episode's 1 MiB pieces.
    stream = TorrentStreamServer(
        StreamSettings(readahead_bytes=2 * PL, tail_bytes=PL, head_bytes=PL, poll_interval=0.02)
    )
    stream.start()
    yield stream
    stream.close()


def get(
    url: str, range_header: str | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=WAIT)
    try:
        connection.request(
            method, "/" + parts[3], headers={"Range": range_header} if range_header else {}
        )
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------


def test_parse_range() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-", 100) == (0, 99)
    assert parse_range("bytes=10-19", 100) == (10, 19)
    assert parse_range("bytes=90-500", 100) == (90, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=-500", 100) == (0, 99)
    assert parse_range("bytes=0-1,5-6", 100) is None
    assert parse_range("items=0-1", 100) is None
    for bad in ("bytes=100-", "bytes=5-4", "bytes=-0", "bytes=-"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(bad, 100)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)


def test_content_types() -> None:
    assert content_type_for("Ep 01.mkv") == "video/x-matroska"
    assert content_type_for("a.TS") == "video/mp2t"
    assert content_type_for("a.mp4") == "video/mp4"
    assert content_type_for("noext") == "application/octet-stream"
    assert is_playable("x/Ep.MKV") and not is_playable("notes.txt")


def test_throttled_download_read_with_ranges(
    swarm: Callable[..., Download], server: TorrentStreamServer
) -> None:
    """The second file of a batch (after a pad file) through the server: every range equals
    the source, while the download is still under way."""
    notes = random.Random(1).randbytes(PL + 100)
    download = swarm([("00 notes.bin", notes), ("Ep 01.ts", CLIP)], "Batch", rate=48 * 1024)
    episode = next(x for x in download.spec.files if x.path.endswith(".ts"))
    assert episode.index == 2  # a pad file sits between the two files
    url = server.publish(download.handle, episode.index, download.read_piece)
    assert url.startswith(f"http://127.0.0.1:{server.port}/") and url.endswith("/Ep%2001.ts")
    assert server.publish(download.handle, episode.index, download.read_piece) == url
    size = len(CLIP)

    status, headers, body = get(url, method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(size)
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-type"] == "video/mp2t"

    # (header, first byte, last byte): concurrent, as a player's probe and reader are.
    ranges = [
        ("bytes=0-", 0, size - 1),
        ("bytes=-1000", size - 1000, size - 1),
        ("bytes=20000-40000", 20000, 40000),
        (f"bytes={size - 1}-", size - 1, size - 1),
        ("bytes=5-5", 5, 5),
        ("bytes=50000-99999999", 50000, size - 1),
    ]
    assert download.progress() < 1.0
    with ThreadPoolExecutor(len(ranges)) as pool:
        answers = list(pool.map(lambda r: get(url, r[0]), ranges))
    for (status, headers, body), (asked, first, last) in zip(answers, ranges, strict=True):
        assert status == 206, asked
        assert body == CLIP[first : last + 1], asked
        assert headers["content-length"] == str(last - first + 1)
        assert headers["content-range"] == f"bytes {first}-{last}/{size}"

    status, _, body = get(url)
    assert status == 200 and body == CLIP
    status, headers, _ = get(url, f"bytes={size}-")
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    status, _, _ = get(url.replace(url.split("/")[3], "not-a-token"))
    assert status == 404
    assert (download.save_path / "Batch" / "Ep 01.ts").read_bytes() == CLIP


def test_served_bytes_are_libtorrents_not_the_files(swarm: Callable[..., Download]) -> None:
    """A had piece can still read as zeros from the file (libtorrent#7337), so the server sends
    what libtorrent's read_piece gives: here a reader whose bytes differ from the (complete)
    file's in two pieces, and the responses carry the reader's. The torrent has no pad files:
    the episode starts mid-piece, and its first piece begins in the file before it. A piece
    sent in several chunks is read once."""
    notes = random.Random(2).randbytes(PL + 100)
    download = swarm([("00 notes.bin", notes), ("Ep 01.ts", CLIP)], "Batch", rate=0, v1_only=True)
    until(lambda: download.progress() == 1.0, what="the download")
    episode = next(x for x in download.spec.files if x.path.endswith(".ts"))
    assert episode.index == 1  # no pad file
    marked = {1: b"\xa5" * PL, 3: b"\x5a" * PL}
    asked: list[int] = []

    def read_piece(piece: int, timeout: float) -> bytes | None:
        asked.append(piece)
        return marked.get(piece) or download.read_piece(piece, timeout)

    server = TorrentStreamServer(StreamSettings(chunk_size=4096, poll_interval=0.02))
    url = server.publish(download.handle, episode.index, read_piece)
    torrent = bytearray(notes + CLIP)
    for piece, data in marked.items():
        torrent[piece * PL : (piece + 1) * PL] = data
    expected = bytes(torrent[len(notes) :])
    assert expected != CLIP
    try:
        status, _, body = get(url)
        assert status == 200 and body == expected
        assert asked == list(range(1, (len(notes) + len(CLIP) - 1) // PL + 1))
        asked.clear()
        status, _, body = get(url, "bytes=20000-60000")
        assert status == 206 and body == expected[20000:60001]
        assert asked == [2, 3, 4]
    finally:
        server.close()
    assert (download.save_path / "Batch" / "Ep 01.ts").read_bytes() == CLIP


def test_a_read_waits_for_its_piece(
    swarm: Callable[..., Download], server: TorrentStreamServer
) -> None:
    """Without peers nothing can be served: the read blocks (it never sends holes) and
    completes with the right bytes once the seeder is connected."""
    download = swarm([("Ep.ts", CLIP)], "Ep.ts", rate=0, connect=False)
    url = server.publish(download.handle, 0, download.read_piece)
    results: list[tuple[int, dict[str, str], bytes]] = []
    reader = threading.Thread(target=lambda: results.append(get(url, "bytes=30000-")))
    reader.start()
    until(lambda: server.active_requests == 1, what="the request to arrive")
    reader.join(0.3)
    assert reader.is_alive() and not results
    download.connect()
    reader.join(WAIT)
    assert results and results[0][0] == 206 and results[0][2] == CLIP[30000:]


def test_a_waiting_read_survives_descriptors_above_1023(
    swarm: Callable[..., Download], server: TorrentStreamServer
) -> None:
    """A long session holds many files open: the connection's descriptor can be above
    select()'s limit, and the wait must still not take that for a hang-up."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this machine allows fewer than 1,200 open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    filler = [open(os.devnull, "rb") for _ in range(1100)]  # noqa: SIM115
    try:
        download = swarm([("Ep.ts", CLIP)], "Ep.ts", rate=0, connect=False)
        url = server.publish(download.handle, 0, download.read_piece)
        results: list[tuple[int, dict[str, str], bytes]] = []
        reader = threading.Thread(target=lambda: results.append(get(url, "bytes=30000-")))
        reader.start()
        until(lambda: server.active_requests == 1, what="the request to arrive")
        reader.join(0.3)
        assert reader.is_alive() and not results  # still waiting, not cut off
        download.connect()
        reader.join(WAIT)
        assert results and results[0][2] == CLIP[30000:]
    finally:
        for file in filler:
            file.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_hang_up_and_close_end_waiting_reads(swarm: Callable[..., Download]) -> None:
    download = swarm([("Ep.ts", CLIP)], "Ep.ts", rate=0, connect=False)
    stream = TorrentStreamServer(StreamSettings(poll_interval=0.02))
    try:
        url = stream.publish(download.handle, 0, download.read_piece)
        port = stream.port
        path = "/" + url.split("/", 3)[3]
        # A client that hangs up while its piece is missing: the request ends at once.
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n".encode())
        until(lambda: stream.active_requests == 1, what="the request")
        client.close()
        until(lambda: stream.active_requests == 0, timeout=5, what="the read to end")
        # A client still waiting when the server closes: close() is quick, the client sees EOF.
        waiting = socket.create_connection(("127.0.0.1", port))
        waiting.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        until(lambda: stream.active_requests == 1, what="the request")
        started = time.monotonic()
        stream.close()
        assert time.monotonic() - started < 2.0
        waiting.settimeout(5)
        received = b""
        while chunk := waiting.recv(65536):
            received += chunk
        assert received.startswith(b"HTTP/1.1 200")
        assert not received.endswith(CLIP)
        waiting.close()
    finally:
        stream.close()


def test_piece_timeout_closes_the_connection(swarm: Callable[..., Download]) -> None:
    download = swarm([("Ep.ts", CLIP)], "Ep.ts", rate=0, connect=False)
    stream = TorrentStreamServer(StreamSettings(piece_timeout=0.3, poll_interval=0.02))
    try:
        url = stream.publish(download.handle, 0, download.read_piece)
        with pytest.raises(http.client.IncompleteRead):
            get(url, "bytes=0-99")
        assert stream.active_requests == 0
    finally:
        stream.close()


def test_publish_refuses_what_cannot_stream(
    swarm: Callable[..., Download], server: TorrentStreamServer
) -> None:
    download = swarm([("a.bin", b"a" * 100), ("b.ts", CLIP)], "Two", rate=0, connect=False)
    with pytest.raises(StreamError, match="not a file"):
        server.publish(download.handle, 1, download.read_piece)  # the pad file
    with pytest.raises(StreamError, match="No such file"):
        server.publish(download.handle, 99, download.read_piece)
    download.handle.file_priority(2, 0)
    until(lambda: download.handle.file_priority(2) == 0)
    with pytest.raises(StreamError, match="not selected"):
        server.publish(download.handle, 2, download.read_piece)
    sequential = lt.torrent_flags.sequential_download
    assert not download.handle.flags() & sequential
    url = server.publish(download.handle, 0, download.read_piece)
    # While a file is published its torrent comes head first; afterwards as before.
    assert download.handle.flags() & sequential
    server.unpublish(url)
    assert get(url, method="HEAD")[0] == 404
    assert not download.handle.flags() & sequential
    server.publish(download.handle, 0, download.read_piece)
    server.close()
    assert not download.handle.flags() & sequential


def mpv_module() -> Any:
    """python-mpv, or a skip when libmpv itself is missing (its import raises OSError)."""
    try:
        return importlib.import_module("mpv")
    except OSError:
        pytest.skip("libmpv is not installed")


def new_player(mpv: Any, config_dir: Path, **options: Any) -> Any:
    """A headless libmpv like the app's: no config files, null outputs, C numeric locale."""
    config_dir.mkdir(exist_ok=True)
    locale.setlocale(locale.LC_NUMERIC, "C")
    return mpv.MPV(
        config="no",
        config_dir=str(config_dir),
        vo="null",
        ao="null",
        terminal="no",
        input_default_bindings="no",
        ytdl="no",
        **options,
    )


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 10 s Matroska episode (MPEG-4 video, AAC audio, ~250 KB) encoded by libmpv itself
    from lavfi test sources, so no ffmpeg binary is needed."""
    mpv = mpv_module()
    folder = tmp_path_factory.mktemp("episode")
    target = folder / "episode.mkv"
    encoder = new_player(
        mpv, folder / "mpv", o=str(target), ovc="mpeg4", ovcopts="b=2000000", oac="aac"
    )
    try:
        encoder["audio-files"] = ["av://lavfi:sine=frequency=440:duration=10"]
        encoder.play("av://lavfi:testsrc2=size=320x180:rate=24:duration=10")
        encoder.wait_for_playback(timeout=WAIT)
    finally:
        encoder.terminate()
    data = target.read_bytes()
    assert len(data) > 10 * PL
    return data


def test_mpv_plays_a_throttled_download_from_zero(
    swarm: Callable[..., Download], server: TorrentStreamServer, episode: bytes, tmp_path: Path
) -> None:
    """Playback starts at 0 % of a download running at 64 KiB/s and plays (untimed: as fast as
    the bytes come) to the end of the file without decode errors; it starts well before the
    download is done, because published torrents are fetched head first."""
    mpv = mpv_module()
    download = swarm([("Episode 01.mkv", episode)], "Episode 01.mkv", rate=64 * 1024)
    url = server.publish(download.handle, 0, download.read_piece)
    assert download.progress() < 0.1

    messages: list[tuple[str, str, str]] = []
    ended: list[int] = []
    started: list[float] = []
    positions: list[float] = []
    done = threading.Event()
    player = new_player(
        mpv,
        tmp_path / "mpv",
        untimed="yes",
        ao_null_untimed="yes",
        log_handler=lambda level, prefix, text: messages.append((level, prefix, text.strip())),
        loglevel="warn",
    )

    def on_position(_name: str, value: float | None) -> None:
        if value is not None:
            if not started:
                started.append(download.progress())
            positions.append(value)

    def on_event(event: Any) -> None:
        if event.event_id.value == mpv.MpvEventID.END_FILE:
            ended.append(int(event.data.reason))
            done.set()

    player.observe_property("time-pos", on_position)
    player.register_event_callback(on_event)
    try:
        player.play(url)
        assert done.wait(WAIT), f"playback did not end; mpv said {messages}"
    finally:
        player.terminate()
    assert ended == [mpv.MpvEventEndFile.EOF], messages
    assert not [m for m in messages if m[0] in ("error", "fatal")], messages
    assert started and started[0] < 1.0, "playback only began after the download finished"
    assert max(positions) > 9.5
    assert download.progress() == 1.0

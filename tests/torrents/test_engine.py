"""TorrentEngine with real libtorrent on loopback: a `Seeder` on 127.0.0.1 and engines with TCP
only and discovery off, bus events delivered on the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libtorrent as lt
import pytest

from app.devserver.seeder import Seeder, make_torrent
from app.services.torrent_meta import TorrentSpec, parse_magnet, parse_torrent
from app.services.torrents import (
    DuplicateTorrentError,
    TorrentDownloaded,
    TorrentEngine,
    TorrentErrored,
    TorrentMetadataReceived,
    TorrentSeedingDone,
    TorrentStatus,
    TorrentStatusesUpdated,
)
from tests.torrents.conftest import Events, connect_until, loopback_pack, payload, until

Engines = Callable[..., TorrentEngine]

PASSKEY = "0123456789abcdef0123456789abcdef"


def _status(engine: TorrentEngine, info_hash: str) -> TorrentStatus:
    """The torrent's last published status, which the test expects to exist by now."""
    status = engine.status(info_hash)
    assert status is not None, f"no status published for {info_hash}"
    return status


def _state(engine: TorrentEngine, info_hash: str) -> str | None:
    status = engine.status(info_hash)
    return status.state if status is not None else None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _batch(
    tmp_path: Path,
    seeder: Seeder,
    sizes: tuple[int, ...],
    *,
    name: str = "Show",
    trackers: tuple[str, ...] = (),
) -> tuple[TorrentSpec, list[tuple[str, bytes]]]:
    """A seeded multi-file torrent `name/ep0N.mkv` (hybrid: pad files between the files)."""
    files = [(f"ep{n:02d}.mkv", payload(size, n)) for n, size in enumerate(sizes, 1)]
    torrent = make_torrent(tmp_path / "made", files, name=name, trackers=trackers)
    seeder.seed(torrent, [(f"{name}/{path}", data) for path, data in files])
    return parse_torrent(torrent), files


async def _download(
    engine: TorrentEngine, events: Events, spec: TorrentSpec, save: Path, port: int, **add: Any
) -> None:
    engine.add(spec, save, **add)
    await connect_until(
        engine,
        spec.info_hash,
        port,
        lambda: events.of(TorrentDownloaded, spec.info_hash),
        what="the download",
    )


async def test_download_publishes_statuses_and_the_files_match(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    tracker = f"http://127.0.0.1:9/announce?passkey={PASSKEY}"
    spec, files = _batch(tmp_path, seeder, (150_000, 90_000), trackers=(tracker,))
    engine = engines()
    assert engine.listen_port
    await _download(engine, events, spec, tmp_path / "dl", seeder.port)
    for path, data in files:
        assert _sha((tmp_path / "dl" / "Show" / path).read_bytes()) == _sha(data)
    await until(
        lambda: (
            (events.last(spec.info_hash) or None) is not None
            and events.last(spec.info_hash).state == "seeding"
        ),
        what="seeding",
    )
    last = events.last(spec.info_hash)
    assert (last.progress, last.done, last.wanted) == (1.0, 240_000, 240_000)
    states = {s.state for s in events.statuses(spec.info_hash)}
    assert "downloading" in states or "checking" in states
    assert engine.has(spec.info_hash) and engine.save_path(spec.info_hash) == tmp_path / "dl"
    assert engine.files(spec.info_hash) == spec.files
    assert engine.handle(spec.info_hash) is not None
    progress = await asyncio.to_thread(engine.file_progress, spec.info_hash)
    assert progress == {f.index: f.size for f in spec.files}
    trackers = await asyncio.to_thread(engine.trackers, spec.info_hash)
    assert len(trackers) == 1 and PASSKEY not in trackers[0].url
    assert trackers[0].url.startswith("http://127.0.0.1:9/announce")
    peers = await asyncio.to_thread(engine.peers, spec.info_hash)
    assert all(p.address.startswith("127.0.0.1:") for p in peers)
    # Resume data was saved (atomically: no temp file left behind).
    await until(lambda: (tmp_path / "resume" / f"{spec.info_hash}.resume").exists())
    assert not list((tmp_path / "resume").glob("*.tmp"))
    # Every status event carries only changed torrents, a few times a second at most.
    updates = events.of(TorrentStatusesUpdated)
    assert all(u.statuses for u in updates)


async def test_pause_and_resume(tmp_path: Path, engines: Engines, events: Events) -> None:
    seeder = Seeder(tmp_path / "slow", upload_rate_limit=64 * 1024)
    seeder.start()
    try:
        spec, files = _batch(tmp_path, seeder, (1024 * 1024,), name="Slow")
        engine = engines()
        engine.add(spec, tmp_path / "dl")
        key = spec.info_hash
        await connect_until(
            engine,
            key,
            seeder.port,
            lambda: (s := engine.status(key)) is not None and s.done > 0,
            what="first bytes",
        )
        engine.pause(key)
        await until(lambda: _state(engine, key) == "paused", what="paused")
        paused_done = _status(engine, key).done
        assert paused_done < spec.total_size
        assert not events.of(TorrentDownloaded, key)
        # The pause saved resume data at once.
        await until(lambda: (tmp_path / "resume" / f"{key}.resume").exists())
        seeder.set_upload_rate_limit(0)
        engine.resume(key)
        await connect_until(
            engine, key, seeder.port, lambda: events.of(TorrentDownloaded, key), what="the download"
        )
        assert _status(engine, key).done >= paused_done
        assert (tmp_path / "dl" / "Slow" / "ep01.mkv").read_bytes() == files[0][1]
    finally:
        seeder.close()


async def test_only_the_selected_episode_arrives_despite_pad_files(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    spec, files = _batch(tmp_path, seeder, (70_000, 50_000, 60_000))
    assert spec.torrent is not None
    info = lt.torrent_info(spec.torrent).layout()
    pads = [
        i for i in range(info.num_files()) if info.file_flags(i) & lt.file_storage.flag_pad_file
    ]
    assert pads, "the batch has pad files"
    first, second, third = spec.files
    assert second.index == 2, "indices count the pad files"
    engine = engines()
    await _download(
        engine,
        events,
        spec,
        tmp_path / "dl",
        seeder.port,
        file_priorities={first.index: 0, third.index: 0},
    )
    folder = tmp_path / "dl" / "Show"
    assert (folder / "ep02.mkv").read_bytes() == files[1][1]
    for path, data in (files[0], files[2]):
        on_disk = folder / path
        assert not on_disk.exists() or on_disk.read_bytes() != data, f"{path} arrived"
    progress = await asyncio.to_thread(engine.file_progress, spec.info_hash)
    assert progress[second.index] == second.size
    assert progress[first.index] < first.size and progress[third.index] < third.size
    assert _status(engine, spec.info_hash).wanted == second.size
    # Choosing the third one later downloads it too.
    events.seen.clear()
    engine.set_file_priorities(spec.info_hash, {first.index: 0})
    await connect_until(
        engine,
        spec.info_hash,
        seeder.port,
        lambda: events.of(TorrentDownloaded, spec.info_hash),
        what="episode 3",
    )
    assert (folder / "ep03.mkv").read_bytes() == files[2][1]
    assert not (folder / "ep01.mkv").exists() or (folder / "ep01.mkv").read_bytes() != files[0][1]


async def test_magnet_gets_its_metadata_then_downloads(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    full, files = _batch(tmp_path, seeder, (40_000, 30_000), name="Magnet Show")
    spec = parse_magnet(f"magnet:?xt=urn:btih:{full.info_hash}&dn=Magnet+Show")
    engine = engines()
    assert engine.files(spec.info_hash) == ()
    # The second episode only: the priorities wait for the metadata.
    engine.add(spec, tmp_path / "dl", file_priorities={full.files[0].index: 0})
    await connect_until(
        engine,
        spec.info_hash,
        seeder.port,
        lambda: events.of(TorrentDownloaded, spec.info_hash),
        what="download",
    )
    [received] = events.of(TorrentMetadataReceived, spec.info_hash)
    assert received.spec.info_hash == full.info_hash
    assert received.spec.torrent is not None
    assert [(f.index, f.path, f.size) for f in received.spec.files] == [
        (f.index, f.path, f.size) for f in full.files
    ]
    assert engine.files(spec.info_hash) == received.spec.files
    folder = tmp_path / "dl" / "Magnet Show"
    assert (folder / "ep02.mkv").read_bytes() == files[1][1]
    assert not (folder / "ep01.mkv").exists() or (folder / "ep01.mkv").read_bytes() != files[0][1]


async def test_default_trackers_go_to_torrents_that_name_none(
    tmp_path: Path, seeder: Seeder, engines: Engines
) -> None:
    """A bare info-hash (the Torrent API's) gets the default trackers; a torrent with its own
    keeps just those."""
    default = "http://127.0.0.1:9/announce"
    own, _ = _batch(tmp_path, seeder, (20_000,), name="Own", trackers=("http://127.0.0.1:8/a",))
    bare, _ = _batch(tmp_path, seeder, (20_000,), name="Bare")
    bare_file, _ = _batch(tmp_path, seeder, (20_000,), name="Bare file")
    engine = engines(default_trackers=(default,))
    engine.add(parse_magnet(f"magnet:?xt=urn:btih:{bare.info_hash}"), tmp_path / "dl")
    engine.add(bare_file, tmp_path / "dl")
    engine.add(own, tmp_path / "dl")

    def urls(spec: TorrentSpec) -> list[str]:
        return [t.url for t in engine.trackers(spec.info_hash)]

    await until(lambda: all(urls(s) for s in (own, bare, bare_file)), what="trackers")
    assert urls(bare) == urls(bare_file) == [default]
    assert urls(own) == ["http://127.0.0.1:8/a"]


async def test_no_seeding_goal_stops_at_once(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    spec, _ = _batch(tmp_path, seeder, (30_000,))
    engine = engines(seed_ratio=0.0, seed_time=0.0)
    await _download(engine, events, spec, tmp_path / "dl", seeder.port)
    await until(lambda: events.of(TorrentSeedingDone, spec.info_hash), what="seeding done")
    await until(lambda: _state(engine, spec.info_hash) == "finished", what="finished")


async def test_seeding_time_goal(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    spec, _ = _batch(tmp_path, seeder, (30_000,))
    engine = engines(seed_ratio=0.0, seed_time=0.5)
    await _download(engine, events, spec, tmp_path / "dl", seeder.port)
    assert not events.of(TorrentSeedingDone)
    await until(lambda: events.of(TorrentSeedingDone, spec.info_hash), what="seeding done")
    finished = _status(engine, spec.info_hash)
    await until(lambda: _state(engine, spec.info_hash) == "finished", what="finished")
    assert finished.seeding_seconds >= 0.0
    # Resuming a torrent whose goal is reached stops it again.
    events.seen.clear()
    engine.resume(spec.info_hash)
    await until(lambda: events.of(TorrentSeedingDone, spec.info_hash), what="done again")


async def test_seeding_ratio_goal_stops_after_uploading_enough(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    spec, _ = _batch(tmp_path, seeder, (120_000,))
    engine = engines(seed_ratio=1.0, seed_time=0.0)
    await _download(engine, events, spec, tmp_path / "dl", seeder.port)
    seeder.close()
    # A second leecher takes everything from the engine: uploaded / wanted reaches 1.0.
    leecher = lt.session(loopback_pack())
    params = lt.add_torrent_params()
    assert spec.torrent is not None
    params.ti = lt.torrent_info(spec.torrent)
    params.save_path = str(tmp_path / "leech")
    params.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = leecher.add_torrent(params)
    port = engine.listen_port
    assert port
    deadline = time.monotonic() + 30
    while not events.of(TorrentSeedingDone, spec.info_hash):
        assert time.monotonic() < deadline, "the ratio goal was not reached"
        if not handle.status().num_peers:
            handle.connect_peer(("127.0.0.1", port))
        await asyncio.sleep(0.1)
    assert engine.status(spec.info_hash) is not None
    await until(lambda: _state(engine, spec.info_hash) == "finished", what="finished")
    assert _status(engine, spec.info_hash).uploaded >= spec.total_size
    del leecher


async def test_remove_keeps_or_deletes_the_files(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    spec, _ = _batch(tmp_path, seeder, (40_000, 20_000))
    engine = engines()
    resume = tmp_path / "resume" / f"{spec.info_hash}.resume"
    await _download(engine, events, spec, tmp_path / "dl", seeder.port)
    await until(resume.exists)
    engine.remove(spec.info_hash, delete_files=False)
    assert not engine.has(spec.info_hash) and not resume.exists()
    assert (tmp_path / "dl" / "Show" / "ep01.mkv").exists()
    # Back again (the files are there: a recheck finds them), then removed with its files.
    events.seen.clear()
    engine.add(spec, tmp_path / "dl")
    await until(
        lambda: (s := engine.status(spec.info_hash)) is not None and s.progress == 1.0,
        what="the recheck",
    )
    engine.remove(spec.info_hash, delete_files=True)
    folder = tmp_path / "dl" / "Show"
    await until(
        lambda: not (folder / "ep01.mkv").exists() and not (folder / "ep02.mkv").exists(),
        what="deletion",
    )
    await asyncio.sleep(0.3)  # a late resume save must not bring the resume file back
    assert not resume.exists()
    # Unknown torrents: no-ops.
    engine.pause("0" * 40)
    engine.remove("0" * 40, delete_files=True)


async def test_read_piece_reads_through_libtorrent(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events, monkeypatch: Any
) -> None:
    spec, files = _batch(tmp_path, seeder, (50_000,))
    data = files[0][1]
    engine = engines()
    await _download(engine, events, spec, tmp_path / "dl", seeder.port)
    pieces = await asyncio.gather(
        *(asyncio.to_thread(engine.read_piece, spec.info_hash, n, 5.0) for n in (0, 1, 2, 3, 0))
    )
    assert pieces == [
        data[0:16384],
        data[16384:32768],
        data[32768:49152],
        data[49152:],
        data[:16384],
    ]
    assert await asyncio.to_thread(engine.read_piece, spec.info_hash, 99, 5.0) is None
    started = time.monotonic()
    assert engine.read_piece("0" * 40, 0, 5.0) is None
    assert time.monotonic() - started < 0.1

    # Answers that never come (dropped here): a read ends at its timeout, removing the torrent
    # wakes its readers, and close() wakes every reader still waiting.
    answer = engine._on_alert
    monkeypatch.setattr(
        engine, "_on_alert", lambda a: None if isinstance(a, lt.read_piece_alert) else answer(a)
    )
    started = time.monotonic()
    assert await asyncio.to_thread(engine.read_piece, spec.info_hash, 1, 0.2) is None
    assert 0.2 <= time.monotonic() - started < 2.0
    other, _ = _batch(tmp_path, seeder, (20_000,), name="Other")
    await _download(engine, events, other, tmp_path / "dl", seeder.port)
    removed = asyncio.ensure_future(asyncio.to_thread(engine.read_piece, other.info_hash, 0, 30.0))
    await asyncio.sleep(0.3)
    assert not removed.done()
    engine.remove(other.info_hash, delete_files=False)
    assert await asyncio.wait_for(removed, 1.0) is None
    waiting = [asyncio.to_thread(engine.read_piece, spec.info_hash, n, 30.0) for n in (1, 1, 2)]
    readers = asyncio.gather(*waiting)
    await asyncio.sleep(0.3)
    assert not readers.done()
    closing = asyncio.ensure_future(asyncio.to_thread(engine.close))
    # Released as close() begins, not after its bounded waits for resume data and shutdown.
    assert await asyncio.wait_for(readers, 1.0) == [None, None, None]
    await closing
    assert engine.read_piece(spec.info_hash, 0, 5.0) is None


async def test_a_duplicate_is_refused(tmp_path: Path, seeder: Seeder, engines: Engines) -> None:
    spec, _ = _batch(tmp_path, seeder, (10_000,))
    engine = engines()
    engine.add(spec, tmp_path / "dl", paused=True)
    with pytest.raises(DuplicateTorrentError) as refused:
        engine.add(spec, tmp_path / "elsewhere")
    assert refused.value.info_hash == spec.info_hash
    with pytest.raises(DuplicateTorrentError):
        if not engine.restore(spec.info_hash, tmp_path / "dl", paused=True):
            engine.add(spec, tmp_path / "dl")


async def test_a_write_error_becomes_torrent_errored(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    # CI runs as root: a file where the save folder should be, not permissions.
    tracker = f"http://127.0.0.1:9/{PASSKEY}/announce?passkey={PASSKEY}"
    spec, _ = _batch(tmp_path, seeder, (40_000,), trackers=(tracker,))
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"x")
    engine = engines()
    engine.add(spec, blocker)
    await connect_until(
        engine,
        spec.info_hash,
        seeder.port,
        lambda: events.of(TorrentErrored, spec.info_hash),
        what="the error",
    )
    [error] = events.of(TorrentErrored, spec.info_hash)
    assert error.reason and PASSKEY not in error.reason
    assert "\n" not in error.reason
    await until(lambda: _state(engine, spec.info_hash) == "error", what="error state")
    assert not events.of(TorrentDownloaded)
    # Fixed and resumed: it downloads.
    blocker.unlink()
    engine.resume(spec.info_hash)
    await connect_until(
        engine,
        spec.info_hash,
        seeder.port,
        lambda: events.of(TorrentDownloaded, spec.info_hash),
        what="download",
    )


async def test_restore_from_resume_data_without_recheck(
    tmp_path: Path,
    seeder: Seeder,
    engines: Engines,
    events: Events,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spec, _ = _batch(tmp_path, seeder, (60_000, 40_000))
    first = engines()
    await _download(first, events, spec, tmp_path / "dl", seeder.port)
    await asyncio.to_thread(first.close)
    assert first.listen_port is None
    seeder.close()  # nobody to download from: the data must come from the resume file
    caplog.set_level(logging.INFO, logger="anitui.torrents")
    caplog.clear()
    events.seen.clear()
    second = engines()
    assert second.restore(spec.info_hash, tmp_path / "dl", paused=False)
    await until(
        lambda: (s := second.status(spec.info_hash)) is not None and s.state == "seeding",
        what="seeding after restore",
    )
    assert _status(second, spec.info_hash).progress == 1.0
    # A complete torrent tells so again after a restore (listeners take it idempotently).
    await until(lambda: events.of(TorrentDownloaded, spec.info_hash), what="downloaded")
    assert second.files(spec.info_hash) == spec.files
    assert "full recheck" not in caplog.text
    assert {s.state for s in events.statuses(spec.info_hash)} <= {"checking", "seeding"}
    # Unknown and unreadable resume files.
    assert not second.restore("1" * 40, tmp_path / "dl", paused=True)
    (tmp_path / "resume" / f"{'2' * 40}.resume").write_bytes(b"garbage")
    assert not second.restore("2" * 40, tmp_path / "dl", paused=True)


async def test_missing_files_after_a_restart_fail_with_a_reason(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    spec, _ = _batch(tmp_path, seeder, (30_000,))
    first = engines()
    await _download(first, events, spec, tmp_path / "dl", seeder.port)
    await asyncio.to_thread(first.close)
    (tmp_path / "dl" / "Show" / "ep01.mkv").unlink()
    events.seen.clear()
    second = engines()
    assert second.restore(spec.info_hash, tmp_path / "dl", paused=False)
    await until(lambda: events.of(TorrentErrored, spec.info_hash), what="the error")
    [error] = events.of(TorrentErrored, spec.info_hash)
    assert "missing" in error.reason.lower() and "ep01.mkv" in error.reason
    await until(lambda: _state(second, spec.info_hash) == "error", what="error state")
    # Retried: the missing file is downloaded again.
    second.resume(spec.info_hash)
    await connect_until(
        second,
        spec.info_hash,
        seeder.port,
        lambda: events.of(TorrentDownloaded, spec.info_hash),
        what="download",
    )
    assert (tmp_path / "dl" / "Show" / "ep01.mkv").stat().st_size == 30_000


class _StallingTracker:
    """An HTTP tracker on loopback that never answers a "stopped" announce (shutdown would
    hang on it, as in libtorrent#2706) and answers every other request with no peers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/announce"
        self.requests: list[str] = []
        self._stalled: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return  # closed
            connection.settimeout(5.0)
            try:
                if self._answer(connection):
                    self._stalled.append(connection)
                    continue
            except OSError:
                pass  # the client hung up first
            connection.close()

    def _answer(self, connection: socket.socket) -> bool:
        """Read one request and answer it; True for a "stopped" announce, left unanswered."""
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                break
            request += chunk
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        self.requests.append(line)
        if "event=stopped" in line:
            return True
        body = b"d8:intervali1800e5:peers0:e"
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )
        return False

    def close(self) -> None:
        # shutdown() wakes the thread's accept() (close() alone does not); joined, it can no
        # longer add a stalled connection after they are closed here.
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self._thread.join(10)
        for connection in self._stalled:
            connection.close()


async def test_close_is_bounded_with_a_tracker_that_never_answers(
    tmp_path: Path, seeder: Seeder, engines: Engines, events: Events
) -> None:
    tracker = _StallingTracker()
    try:
        spec, _ = _batch(tmp_path, seeder, (20_000,), trackers=(tracker.url,))
        engine = engines(shutdown_timeout=1.0)
        await _download(engine, events, spec, tmp_path / "dl", seeder.port)
        await until(
            lambda: any("event=started" in r for r in tracker.requests), what="the started announce"
        )
        started = time.monotonic()
        await asyncio.to_thread(engine.close)
        elapsed = time.monotonic() - started
        # shutdown_timeout for the resume data + the bounded wait for the session's end.
        assert elapsed < 1.0 + 3.0 + 1.0
        assert (tmp_path / "resume" / f"{spec.info_hash}.resume").exists()
        await until(
            lambda: any("event=stopped" in r for r in tracker.requests),
            what="the stopped announce that never gets an answer",
        )
        engine.close()  # idempotent
        with pytest.raises(RuntimeError):
            engine.add(spec, tmp_path / "dl")
    finally:
        tracker.close()


async def test_settings_are_validated(tmp_path: Path, bus: Any) -> None:
    from tests.torrents.conftest import engine_settings

    with pytest.raises(ValueError):
        TorrentEngine(bus, tmp_path, engine_settings(encryption="sometimes"))

"""Fast resume survives `kill -9`: a subprocess downloads through TorrentEngine from a throttled
loopback seeder, the test SIGKILLs it mid-way, and a new engine restores the download from the
resume file: no full recheck, at most about one resume interval of data lost, then it completes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import libtorrent as lt
import pytest

from app.devserver.seeder import Seeder, make_torrent
from app.services.torrent_meta import parse_torrent
from app.services.torrents import TorrentDownloaded
from tests.torrents.conftest import Events, connect_until, payload, until

CHILD = Path(__file__).with_name("kill_child.py")
SIZE = 1024 * 1024
RATE = 128 * 1024
"""The seeder's upload limit (peer-class filter: it holds on loopback): SIZE takes ~8 s."""
RESUME_INTERVAL = 0.2
PIECE = 16 * 1024
LOSS_BOUND = RATE * (RESUME_INTERVAL + 1.0) + 2 * PIECE


def _saved_bytes(resume: Path, info: Any) -> int:
    """Bytes of the pieces the resume file says are complete."""
    params = lt.read_resume_data(resume.read_bytes())
    return sum(info.piece_size(i) for i, have in enumerate(params.have_pieces) if have)


@pytest.mark.slow
async def test_a_killed_download_resumes_without_recheck(
    tmp_path: Path, engines: Any, events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    data = payload(SIZE, 42)
    torrent = make_torrent(tmp_path / "made", [("episode.mkv", data)], name="episode.mkv")
    torrent_file = tmp_path / "episode.torrent"
    torrent_file.write_bytes(torrent)
    spec = parse_torrent(torrent)
    info = lt.torrent_info(torrent)
    resume_dir, save = tmp_path / "resume", tmp_path / "dl"
    resume = resume_dir / f"{spec.info_hash}.resume"
    seeder = Seeder(tmp_path / "seeder", upload_rate_limit=RATE)
    seeder.start()
    try:
        seeder.seed(torrent, [("episode.mkv", data)])
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHILD),
            str(torrent_file),
            str(save),
            str(resume_dir),
            str(seeder.port),
            str(RESUME_INTERVAL),
            stdout=asyncio.subprocess.PIPE,
        )
        assert child.stdout is not None
        reported = 0
        try:
            deadline = time.monotonic() + 60
            # Kill after a resume save that holds pieces, 40 % of the way or more (more than
            # the loss bound below, so losing everything could not pass).
            while not (
                reported >= SIZE * 2 // 5 and resume.exists() and _saved_bytes(resume, info) > 0
            ):
                assert time.monotonic() < deadline, "the child made no progress"
                line = await asyncio.wait_for(child.stdout.readline(), timeout=30)
                assert line, "the child exited"
                reported = max(reported, json.loads(line)["done"])
            assert LOSS_BOUND < reported < SIZE, "the kill did not land mid-way"
            started = time.monotonic()
            while True:  # what the child reported in its last instants
                try:
                    line = await asyncio.wait_for(child.stdout.readline(), timeout=0.05)
                except TimeoutError:
                    break
                if not line or time.monotonic() - started > 0.5:
                    break
                reported = max(reported, json.loads(line)["done"])
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.returncode is None:
                child.kill()
            await child.wait()
        assert child.returncode == -signal.SIGKILL
        saved = _saved_bytes(resume, info)
        assert 0 < saved < SIZE

        # Restart: paused, so any progress can only come from the resume file.
        caplog.set_level(logging.INFO, logger="anitui.torrents")
        caplog.clear()
        engine = engines(resume_dir=resume_dir)
        assert engine.restore(spec.info_hash, save, paused=True)
        await until(
            lambda: (s := engine.status(spec.info_hash)) is not None and s.state == "paused",
            what="the restored download",
        )
        restored = engine.status(spec.info_hash).done
        assert restored >= saved, "less than the resume file holds: a recheck lost data"
        assert "full recheck" not in caplog.text
        # Lost at most what finished in the last resume interval (+ scheduling lag on a busy
        # 2-core machine, pieces in flight).
        assert reported - restored <= LOSS_BOUND

        seeder.set_upload_rate_limit(0)
        engine.resume(spec.info_hash)
        await connect_until(
            engine,
            spec.info_hash,
            seeder.port,
            lambda: events.of(TorrentDownloaded, spec.info_hash),
            what="the rest of the download",
        )
        got = (save / "episode.mkv").read_bytes()
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
        assert "full recheck" not in caplog.text
    finally:
        seeder.close()

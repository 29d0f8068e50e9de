"""One instance per data dir: a held lock is seen from another process; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.instance import LOCK_FILE_NAME, InstanceLock

ROOT = Path(__file__).resolve().parents[2]

_HOLDER = """
import sys, time
from pathlib import Path
from app.services.instance import InstanceLock
lock = InstanceLock(Path(sys.argv[1]))
print("locked" if lock.acquire() else "busy", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the lock on `tmp_path / "data"` until killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path / "data")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_another_process_holding_the_lock_is_reported_then_sigkill_frees_it(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    lock = InstanceLock(tmp_path / "data")
    assert lock.acquire() is False
    assert lock.holder_pid == holder.pid
    assert not lock.held

    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    assert (tmp_path / "data" / LOCK_FILE_NAME).exists()  # the stale file stays, harmlessly
    assert lock.acquire() is True
    assert lock.holder_pid is None
    assert (tmp_path / "data" / LOCK_FILE_NAME).read_text().strip() == str(os.getpid())
    lock.release()


def test_creates_missing_data_dir_and_excludes_a_second_holder(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "yet"
    first, second = InstanceLock(data_dir), InstanceLock(data_dir)
    assert first.acquire() is True
    assert first.acquire() is True  # already ours
    assert second.acquire() is False
    assert second.holder_pid == os.getpid()
    first.release()
    assert (data_dir / LOCK_FILE_NAME).read_text() == ""
    assert second.acquire() is True
    second.release()
    second.release()  # harmless when not held

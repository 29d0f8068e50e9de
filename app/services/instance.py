"""One anitui per data dir: a lock that tells a second instance to run browse-only.

`fcntl.flock` rather than a pidfile check: the kernel drops the lock when its holder dies, even
by SIGKILL, so a stale lock file never blocks, and there is no PID-reuse guessing. The PID inside
the file is only there to tell the user which process holds the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

__all__ = ["LOCK_FILE_NAME", "InstanceLock"]

LOCK_FILE_NAME = "anitui.lock"
"""The lock file's name inside the data dir."""


class InstanceLock:
    """An exclusive, non-blocking lock on `<data_dir>/anitui.lock`."""

    path: Path
    """The lock file."""
    holder_pid: int | None
    """After `acquire()` returned False: the other process's PID, if it could be read."""

    def __init__(self, data_dir: Path) -> None:
        """Prepare the lock for `data_dir`; nothing is touched until `acquire()`."""
        self.path = data_dir / LOCK_FILE_NAME
        self.holder_pid = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object owns the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock: True if we own it now (or already did), False if another holds it.

        Creates the data dir if needed. Raises `OSError` when the lock file cannot be opened.
        """
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_RDWR without O_TRUNC: a failed attempt must not erase the holder's PID. Python opens
        # descriptors non-inheritable, so an mpv child can never keep the lock alive after us.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.holder_pid = _read_pid(fd)
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self.holder_pid = None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up; harmless when not held.

        The file stays: deleting it would let two processes lock two different files at once
        (one holding the unlinked inode, one a new file).
        """
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Empty first, so nobody reads our PID as a holder after we let go.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        return int(text) if text else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None

"""While the UI owns the terminal, the process's stderr (fd 2) writes to the log file.

The C libraries libmpv loads write straight to fd 2 — ALSA's `ALSA lib pcm.c:… Unknown PCM
default`, JACK's `Cannot connect to server socket` — past every mpv option and Python stream:
their lines would land in the middle of Textual's screen. So fd 2 is pointed at the log, and
Textual, which draws on `sys.__stderr__`, is handed a duplicate of the terminal's descriptor
first. While another program has the terminal (terminal video, the app suspended) fd 2 is the
terminal again.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

__all__ = ["StderrToLog", "terminal_stderr"]


class StderrToLog:
    """Points fd 2 at `log_file` until `close()`; `release()` / `capture()` around a suspend."""

    active: ClassVar[StderrToLog | None] = None
    """The one in place, for `terminal_stderr()`."""

    def __init__(self, log_file: Path) -> None:
        original = sys.__stderr__
        assert original is not None  # anitui runs in a terminal
        original.flush()
        self._original = original
        self._terminal_fd = os.dup(2)
        self._log_fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._terminal = open(  # noqa: SIM115 - lives until close()
            self._terminal_fd,
            "w",
            encoding=original.encoding,
            errors=original.errors,
            closefd=False,
        )
        # Textual's driver takes its output file from here when the app starts.
        sys.__stderr__ = self._terminal  # type: ignore[misc]
        self.capture()
        StderrToLog.active = self

    def capture(self) -> None:
        """fd 2 to the log (the UI has the terminal)."""
        os.dup2(self._log_fd, 2)

    def release(self) -> None:
        """fd 2 to the terminal (another program has it)."""
        self._terminal.flush()
        os.dup2(self._terminal_fd, 2)

    def close(self) -> None:
        """Give everything back as it was: what comes after (a traceback) reaches the terminal."""
        self.release()
        StderrToLog.active = None
        sys.__stderr__ = self._original  # type: ignore[misc]
        self._terminal.close()
        os.close(self._terminal_fd)
        os.close(self._log_fd)


@contextlib.contextmanager
def terminal_stderr() -> Iterator[None]:
    """fd 2 is the terminal's inside (while the app is suspended for another program)."""
    guard = StderrToLog.active
    if guard is None:
        yield
        return
    guard.release()
    try:
        yield
    finally:
        guard.capture()

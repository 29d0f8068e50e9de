"""What an app was asked to notify, for tests: recorded at Textual's public `App.notify`.

Tests read `notices(app)` instead of Textual's private list of the toasts on screen. The record
keeps every notification from the moment `notify` is called (from the event loop or from any
thread; `App.notify` is thread-safe), in order, and drops none when a toast times out: "it was
shown" and "it was never shown" hold for the whole test, not for the toasts still visible.
tests/screens/conftest.py installs the recorder for every UI test.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import pytest
from textual.app import App
from textual.notifications import SeverityLevel


@dataclass(frozen=True)
class Notice:
    """One notification an app was asked to show."""

    message: str
    title: str
    severity: SeverityLevel
    markup: bool


class _Recorder:
    """Notices per app, appended from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: weakref.WeakKeyDictionary[App[Any], list[Notice]] = weakref.WeakKeyDictionary()

    def add(self, app: App[Any], notice: Notice) -> None:
        with self._lock:
            self._made.setdefault(app, []).append(notice)

    def of(self, app: App[Any]) -> list[Notice]:
        with self._lock:
            return list(self._made.get(app, ()))


_recorder: _Recorder | None = None


def record_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record every `App.notify` call until the test ends (the patch is undone with it)."""
    recorder = _Recorder()
    notify = App.notify

    def recording_notify(
        self: App[Any],
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        recorder.add(self, Notice(str(message), title, severity, markup))
        notify(self, message, title=title, severity=severity, timeout=timeout, markup=markup)

    monkeypatch.setattr(App, "notify", recording_notify)
    monkeypatch.setattr(f"{__name__}._recorder", recorder)


def notices(app: App[Any]) -> list[Notice]:
    """Every notification `app` was asked to show so far in this test, oldest first."""
    if _recorder is None:
        raise RuntimeError("notifications are recorded only in tests/screens (its conftest)")
    return _recorder.of(app)

"""Full garbage collections while the user is idle, before Python would run one inside the
frame a key asked for."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable

from textual.app import App

from app.controllers.base import Controller

IDLE_AFTER = 0.5
"""Seconds without a key or mouse event after which a due full collection runs."""
PENDING = 5
"""Collections of the middle generation since the last full one that make a full one due
here: half of Python's own threshold (10), so that the next burst of work seldom reaches it."""


class IdleCollector(Controller):
    """Runs Python's full collections in pauses of the input. Python runs one by itself once
    ten collections of the middle generation have passed since the last, which a Title
    screen's open (a few thousand new widgets, styles and lines) reached every second or third
    time: 60–130 ms walking the whole heap between the key and its frame. Collected at a pause
    instead, the count starts again from nothing, and one open adds about half of it. Under
    non-stop keys Python keeps its own schedule: nothing is delayed and memory stays bounded.

    It watches from a thread of its own: a timer on the event loop would sit at the head of
    asyncio's schedule and keep cancelled timers behind it, and with them the closed screens
    their contexts hold, until theirs come due (Python collects from any thread)."""

    def __init__(self, app: App[None], clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(app)
        self.clock = clock
        self.last_input = clock()
        self.stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.watch, name="anitui-idle-gc", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def input_seen(self) -> None:
        self.last_input = self.clock()

    def watch(self) -> None:
        while not self.stopped.wait(IDLE_AFTER / 2):
            self.collect_if_idle()

    def collect_if_idle(self) -> None:
        if gc.get_count()[2] >= PENDING and self.clock() - self.last_input >= IDLE_AFTER:
            gc.collect()

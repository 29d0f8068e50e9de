"""Full garbage collections while the user is idle, before Python would run one inside the
frame a key asked for."""

from __future__ import annotations

import gc
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
    non-stop keys Python keeps its own schedule: nothing is delayed and memory stays bounded."""

    def __init__(self, app: App[None], clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(app)
        self.clock = clock
        self.last_input = clock()

    def start(self) -> None:
        self.app.set_interval(IDLE_AFTER / 2, self.collect_if_idle)

    def input_seen(self) -> None:
        self.last_input = self.clock()

    def collect_if_idle(self) -> None:
        if gc.get_count()[2] >= PENDING and self.clock() - self.last_input >= IDLE_AFTER:
            gc.collect()

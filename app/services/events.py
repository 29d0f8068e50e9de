"""Plain events from services to the UI, and the thread-safe bus that carries them.

Services publish from any thread (libmpv's event thread, the libtorrent alert thread, workers,
the event loop); subscribers are always called on the UI's asyncio loop, one event at a time,
never inside `publish()`. The bus knows nothing of Textual: `app/application.py` subscribes and
turns events into Textual messages.

Delivery uses `loop.call_soon_threadsafe` and never `App.call_from_thread`, which blocks the
publishing thread until the loop runs the call and so deadlocks against `mpv.terminate()`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "MAX_PENDING",
    "DownloadEvent",
    "Event",
    "EventBus",
    "FavoritesEvent",
    "FollowEvent",
    "LibraryEvent",
    "LiveEvent",
    "LocalLibraryEvent",
    "PlayerEvent",
    "TorrentEngineEvent",
]

log = logging.getLogger("anitui.events")

MAX_PENDING = 1000
"""How many events published before `attach_loop()` are kept; beyond it the oldest are dropped.

Early events are mostly progress ticks where the newest matter; a bound keeps a bus that is
never attached (a script, a test) from growing without end.
"""


class Event:
    """Base of every bus event; services declare frozen dataclass subclasses of one of the
    families below, which is what the UI routes them by (a new service adds its family here).

    The base and the families hold no fields and are never made themselves: plain classes, as
    a dataclass costs ~0.5 ms of start-up to build (README, Performance)."""


class PlayerEvent(Event):
    """From the player service (libmpv or terminal video)."""


class DownloadEvent(Event):
    """From the download queue (subscribe to it to get them all)."""


class TorrentEngineEvent(Event):
    """From the libtorrent engine, for the download queue that drives it."""


class FavoritesEvent(Event):
    """From the favorites service (the list, the account, the sync)."""


class LibraryEvent(Event):
    """From the account library's services (collections, watch progress sync)."""


class LocalLibraryEvent(Event):
    """From the local library service (scans of the series folders on disk)."""


class FollowEvent(Event):
    """From the follow service (the decisions about followed titles' new episodes)."""


class LiveEvent(Event):
    """From the live-updates service (the connection, news about titles)."""


E = TypeVar("E", bound=Event)


class _Subscription:
    __slots__ = ("active", "callback", "event_type")

    def __init__(self, event_type: type[Event], callback: Callable[[Any], object]) -> None:
        self.event_type = event_type
        self.callback = callback
        self.active = True


class EventBus:
    """Carries `Event`s from any thread to callbacks on the UI loop."""

    def __init__(self) -> None:
        """Create a bus that queues events until `attach_loop()`."""
        # One lock orders scheduling: events from one thread reach the loop in publish order,
        # including those queued before attach_loop().
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: deque[Event] = deque()
        self._dropped = 0
        self._subscriptions: tuple[_Subscription, ...] = ()
        self._closed = False

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver on `loop` from now on, starting with the events queued so far.

        Attaching again moves delivery to the new loop (a test that starts a second app).
        """
        with self._lock:
            if self._closed:
                return
            self._loop = loop
            if self._dropped:
                log.warning(
                    "%d events published before the UI started were dropped (bound %d)",
                    self._dropped,
                    MAX_PENDING,
                )
                self._dropped = 0
            while self._pending:
                self._schedule(loop, self._pending.popleft())

    def subscribe(self, event_type: type[E], callback: Callable[[E], object]) -> Callable[[], None]:
        """Call `callback` on the loop for each published `event_type` (subclasses included).

        The callback's return value is ignored (so `lambda e: self.post_message(...)` fits).
        Returns a function that unsubscribes; called on the loop, it also stops events already
        on their way.
        """
        subscription = _Subscription(event_type, callback)
        with self._lock:
            if not self._closed:
                self._subscriptions = (*self._subscriptions, subscription)

        def unsubscribe() -> None:
            subscription.active = False
            with self._lock:
                self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Send `event` to its subscribers; callable from any thread, never blocks on them.

        A no-op after `close()` and when the attached loop has already closed.
        """
        with self._lock:
            if self._closed:
                return
            if self._loop is None:
                if len(self._pending) == MAX_PENDING:
                    self._pending.popleft()
                    self._dropped += 1
                self._pending.append(event)
                return
            self._schedule(self._loop, event)

    def close(self) -> None:
        """Stop delivering: drop queued events and subscribers; later publishes do nothing."""
        with self._lock:
            self._closed = True
            self._loop = None
            self._pending.clear()
            for subscription in self._subscriptions:
                subscription.active = False
            self._subscriptions = ()

    def _schedule(self, loop: asyncio.AbstractEventLoop, event: Event) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        try:
            if running is loop:
                loop.call_soon(self._deliver, event)
            else:
                loop.call_soon_threadsafe(self._deliver, event)
        except RuntimeError:
            # The app's loop has shut down while a player or torrent thread still publishes.
            log.debug("event %r dropped: the loop is closed", event)

    def _deliver(self, event: Event) -> None:
        for subscription in self._subscriptions:
            if not (subscription.active and isinstance(event, subscription.event_type)):
                continue
            try:
                subscription.callback(event)
            except Exception:
                log.exception("event callback %r failed on %r", subscription.callback, event)

"""Live updates from the AniLibria v2 WebSocket, with HTTP polling standing in while it is down.

(AniLiberty API v1 has no push: `app.services.live_poll.PollingLive` polls it, publishing the
same events through the `LiveUpdates` base class here, which both share.)

`LiveService.run()` keeps one WebSocket open and turns its notifications into plain bus events;
the app shows `LiveStateChanged` in the status bar and turns the rest into notifications and
screen refreshes. It never imports Textual and never raises for network trouble.

States::

    IDLE ──(something to follow)──▶ CONNECTING ──(handshake + subscribe)──▶ LIVE
     ▲                                ▲     │                                 │
     └──(following nothing)           │     └────(refused, failed)──┐   (dropped, closed)
                                      │                             ▼         ▼
                                      └───────(retry delay over)─── POLLING (retry_in)

`resubscribe()` (favorites changed) goes straight back to CONNECTING, or to IDLE when nothing
is followed any more: the spec has no unsubscribe, so the socket is closed and opened afresh.

Subscribing: one `{"subscribe": {"id": N}}` per followed title, or `{"subscribe": {"id": "*"}}`
when following everything (the spec's bare `*` is not JSON). Events about titles not followed
are dropped anyway, in case a server ignores the filters.

Reconnecting: after ANY drop — a failed or refused handshake, a clean close, a lost connection —
the next attempt waits `reconnect_min * 2**n` capped at `reconnect_max`, minus up to a quarter
at random (from the injected `random`), and at least a handshake's `Retry-After` (up to an
hour). The doubling starts again once a connection delivered a notification or stayed up
`stable_after` seconds. Every wait goes through the injected `sleep`.

Catching up: while the socket is down, getUpdates and getChanges are polled every
`poll_interval` with `since` = the newest server timestamp seen (`updated` for getUpdates,
`last_change` for getChanges; from notifications and polls, never the local clock), paged with
`limit` / `after` until a short page. A polled getUpdates title announces its episodes created
after the mark (else its last one); a getChanges title is a `TitleChanged`. After every
(re)connect one poll closes the gap. The two marks are kept in the key-value store
(`live.since`), so a restart catches up on what happened while the app was closed; with nothing
stored the marks start from the server's newest entries (a `since=0&limit=1` read: `since`
reads are never served from the HTTP cache) and nothing older is announced (a notification's
timestamps only move marks that exist). A poll that fails leaves the marks alone and is tried
again next interval.

De-duplication (bounded memory, `SEEN_LIMIT` keys): by the notification's `hash` where it has
one (title_update, torrent_update), else by `(type, id, episode, quality, percent)` with ids and
episode numbers normalised ("4", 4 and 4.0 are one episode). A polled new episode shares the
playlist_update key `(id, episode, reupload=False)` and a polled change the title_update's
`(id, last_change)` key, so an event seen on the socket and by a poll is published once. A
published episode forgets its encode_* keys, so a re-upload's encoding shows again.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import enum
import json
import logging
import math
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidStatus,
    InvalidURI,
    WebSocketException,
)

import app
from app.plaintext import one_line
from app.services.events import EventBus, LiveEvent
from app.sources.anilibria.models import Episode, Fetched, Title
from app.sources.catalog_api import CatalogApi
from app.sources.errors import SourceError
from app.sources.redaction import redact
from app.store.kv import KeyValueStore

__all__ = [
    "MAX_TITLE_ID",
    "SEEN_LIMIT",
    "SINCE_KEY",
    "EncodingProgress",
    "EpisodeReleased",
    "LiveService",
    "LiveSettings",
    "LiveState",
    "LiveStateChanged",
    "LiveUpdates",
    "TitleChanged",
    "TorrentsChanged",
    "episode_key",
    "server_timestamp",
    "subscribe_messages",
]

log = logging.getLogger("anitui.live")

SINCE_KEY = "live.since"
"""Key-value store key of the poll marks: JSON `{"updates": int | null, "changes": ...}`."""
SEEN_LIMIT = 4096
"""How many de-duplication keys are remembered (oldest forgotten first)."""

MAX_TITLE_ID = 2**31 - 1
"""The largest title id taken from a server (SQLite and the screens keep ids as 32-bit)."""
_MAX_TIMESTAMP = 2**32
"""Larger `updated` / `last_change` values are ignored: one would stop every later poll."""
_MAX_EPISODE_TEXT = 16
_MAX_QUALITY_TEXT = 16
_MAX_PAGES = 100
"""A poll reads at most this many pages per method (a server that ignores `since`)."""
_MAX_EPISODES_PER_TITLE = 50
_MAX_RETRY_AFTER = 3600.0
_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
_JITTER = 0.25
_OPEN_TIMEOUT = 10.0
_CLOSE_TIMEOUT = 2.0


class LiveState(enum.Enum):
    """Where live updates stand."""

    IDLE = "idle"
    """Not started, stopped, or nothing to follow (favorites mode without favorites)."""
    CONNECTING = "connecting"
    """Opening the WebSocket and subscribing."""
    LIVE = "live"
    """The socket is up and subscribed: notifications arrive as they happen."""
    POLLING = "polling"
    """The socket is down: HTTP polls stand in until the next attempt (`retry_in`)."""


@dataclass(frozen=True)
class LiveStateChanged(LiveEvent):
    """The live state changed; `retry_in` (POLLING only) is the wait before the next attempt.

    `reason` is a short English cause ("the server refused the connection (HTTP 503)"), never a
    secret; None when there is nothing to explain.
    """

    state: LiveState
    retry_in: float | None
    reason: str | None


@dataclass(frozen=True)
class EpisodeReleased(LiveEvent):
    """An episode came out (or was re-uploaded): playlist_update, or a polled getUpdates title.

    `title` is the polled title; None from the socket (the app fetches what it shows).
    """

    title_id: int
    episode: str
    reupload: bool
    title: Title | None


@dataclass(frozen=True)
class TitleChanged(LiveEvent):
    """Something about a title changed: title_update, or a polled getChanges title."""

    title_id: int
    title: Title | None


@dataclass(frozen=True)
class TorrentsChanged(LiveEvent):
    """A title's torrents changed (torrent_update)."""

    title_id: int


@dataclass(frozen=True)
class EncodingProgress(LiveEvent):
    """An episode is being encoded for the online player.

    encode_start: `percent` 0; encode_progress: the percent; encode_end: that `quality` is done
    (`finished`, 100); encode_finish: every quality is done (`quality` None, `finished`, 100).
    """

    title_id: int
    episode: str
    quality: str | None
    percent: int | None
    finished: bool


@dataclass(frozen=True)
class LiveSettings:
    """The intervals of live updates (config section `[live]`), in seconds."""

    reconnect_min: float
    """Wait before the first reconnect; doubles on each failed attempt."""
    reconnect_max: float
    """Longest wait between reconnects."""
    poll_interval: float
    """Time between polls: v2's getUpdates / getChanges while the socket is down; v1's always."""
    ping_interval: float = 20.0
    """Our keepalive pings (a connection that stops answering is dropped after as long again)."""
    poll_page: int = 50
    """Titles (v1: also torrents, at most 50) asked for per poll page (`limit`)."""
    stable_after: float = 30.0
    """A connection up this long counts as healthy: the reconnect delay starts again at min."""


def subscribe_messages(following: frozenset[int] | None) -> list[str]:
    """The subscribe commands sent after connecting: one per title id, or one for every title."""
    if following is None:
        return [json.dumps({"subscribe": {"id": "*"}})]
    return [json.dumps({"subscribe": {"id": title_id}}) for title_id in sorted(following)]


# --------------------------------------------------------------------------------------------
# Reading notifications


@dataclass(frozen=True, slots=True)
class _Notice:
    """One parsed notification: the event, its de-duplication keys and its server timestamps."""

    event: EpisodeReleased | TitleChanged | TorrentsChanged | EncodingProgress
    keys: tuple[Hashable, ...]
    updated: int | None = None
    last_change: int | None = None


class _Skip(Exception):
    """A notification that cannot be used; the message says why (for the log)."""


def _title_id(value: Any) -> int:
    if isinstance(value, bool):
        raise _Skip("id is not a number")
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or len(text) > 10:
            raise _Skip("id is not a number")
        value = int(text)
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_TITLE_ID:
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_TITLE_ID:
        raise _Skip("id is not a title id")
    return value


def episode_key(value: Any) -> str | None:
    """An episode number as text: 4, "4", 4.0 and " 4 " → "4"; 12.5 → "12.5"; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = one_line(value)
        if not text or len(text) > _MAX_EPISODE_TEXT:
            return None
        try:
            number = float(text)
        except ValueError:
            return text  # a named special ("OVA"): kept as sent
        if not math.isfinite(number):
            return None
        value = number
    if isinstance(value, int):
        return str(value) if abs(value) < 10**9 else None
    if isinstance(value, float) and math.isfinite(value) and abs(value) < 10**9:
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def _episode(value: Any) -> str:
    episode = episode_key(value)
    if episode is None:
        raise _Skip("episode is not an episode number")
    return episode


def server_timestamp(value: int | None) -> int | None:
    """A server timestamp usable as a poll mark (positive, before 2106), else None."""
    return value if value is not None and 0 < value < _MAX_TIMESTAMP else None


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = one_line(value)[:limit]
    return text or None


def _percent(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        if not text.isdigit() or len(text) > 3:
            return None
        value = int(text)
    if isinstance(value, float) and math.isfinite(value):
        value = round(value)
    if isinstance(value, int) and 0 <= value <= 100:
        return value
    return None


def _hash(body: dict[str, Any]) -> str | None:
    value = body.get("hash")
    if isinstance(value, str) and 0 < len(value) <= 128:
        return value
    return None


def _body(message: dict[str, Any], kind: str) -> dict[str, Any]:
    body = message.get(kind)
    if not isinstance(body, dict):
        raise _Skip(f"{kind} is not an object")
    return body


def _title_update(body: dict[str, Any]) -> _Notice:
    data = body.get("title")
    if not isinstance(data, dict):
        raise _Skip("title_update has no title")
    title = Title.parse(data)
    title_id = _title_id(title.id)
    last_change = server_timestamp(title.last_change)
    keys: list[Hashable] = []
    digest = _hash(body)
    if digest is not None:
        keys.append(("hash", digest))
    if last_change is not None:
        keys.append(("change", title_id, last_change))
    if not keys:
        keys.append(("title_update", title_id, server_timestamp(title.updated)))
    return _Notice(
        TitleChanged(title_id, title),
        tuple(keys),
        updated=server_timestamp(title.updated),
        last_change=last_change,
    )


def _playlist_update(body: dict[str, Any]) -> _Notice:
    title_id = _title_id(body.get("id"))
    raw_episode = body.get("episode")
    if raw_episode is None and isinstance(body.get("updated_episode"), dict):
        raw_episode = body["updated_episode"].get("serie")
    episode = _episode(raw_episode)
    reupload = body.get("reupload") is True
    return _Notice(
        EpisodeReleased(title_id, episode, reupload, None),
        (("playlist_update", title_id, episode, reupload),),
    )


def _torrent_update(body: dict[str, Any]) -> _Notice:
    title_id = _title_id(body.get("id"))
    digest = _hash(body)
    torrent = body.get("updated_torrent_id")
    key: Hashable = (
        ("hash", digest)
        if digest is not None
        else ("torrent_update", title_id, torrent if isinstance(torrent, int | str) else None)
    )
    return _Notice(TorrentsChanged(title_id), (key,))


def _encoding(kind: str, body: dict[str, Any]) -> _Notice:
    title_id = _title_id(body.get("id"))
    episode = _episode(body.get("episode"))
    quality = _text(body.get("quality"), _MAX_QUALITY_TEXT)
    percent: int | None
    if kind == "encode_start":
        percent, finished = 0, False
    elif kind == "encode_progress":
        percent = _percent(body.get("encoded_percent"))
        if percent is None:
            raise _Skip("encode_progress without a percent")
        finished = False
    elif kind == "encode_end":
        percent, finished = 100, True
    else:  # encode_finish: every quality
        quality, percent, finished = None, 100, True
    return _Notice(
        EncodingProgress(title_id, episode, quality, percent, finished),
        ((kind, title_id, episode, quality, percent),),
    )


_ENCODING = ("encode_start", "encode_progress", "encode_end", "encode_finish")


def _parse(raw: str | bytes) -> _Notice:
    """Read one WebSocket message; raises `_Skip` (saying why) for anything unusable."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Skip("not UTF-8 text") from None
    try:
        message = json.loads(raw)
    except RecursionError:
        raise _Skip("nested too deeply") from None
    except ValueError:  # not JSON, or a number with more digits than Python converts
        raise _Skip("not JSON") from None
    if not isinstance(message, dict):
        raise _Skip("not a JSON object")
    kind = message.get("type")
    if kind is None and "id" in message and "episode" in message:
        # encode_finish arrives bare: {"id": "8700", "episode": "4"}
        return _encoding("encode_finish", message)
    if kind == "title_update":
        return _title_update(_body(message, kind))
    if kind == "playlist_update":
        return _playlist_update(_body(message, kind))
    if kind == "torrent_update":
        return _torrent_update(_body(message, kind))
    if kind in _ENCODING:
        assert isinstance(kind, str)
        return _encoding(kind, _body(message, kind))
    raise _Skip(f"unknown type {str(kind)[:40]!r}")


# --------------------------------------------------------------------------------------------
# The service


class _Seen:
    """The keys of published events, oldest forgotten first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def any(self, keys: Iterable[Hashable]) -> bool:
        return any(key in self._keys for key in keys)

    def add(self, keys: Iterable[Hashable]) -> None:
        for key in keys:
            self._keys[key] = None
            self._keys.move_to_end(key)
        while len(self._keys) > self._limit:
            self._keys.popitem(last=False)

    def forget(self, predicate: Callable[[Hashable], bool]) -> None:
        for key in [k for k in self._keys if predicate(k)]:
            del self._keys[key]


@dataclass(frozen=True, slots=True)
class _Drop:
    """How a connection attempt ended."""

    reason: str
    retry_after: float | None = None
    healthy: bool = False
    """It delivered, or stayed up long enough: the backoff starts again."""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), _MAX_RETRY_AFTER)


def _load_marks(text: str | None, names: tuple[str, ...]) -> dict[str, int | None]:
    """The stored poll marks called `names` (None where one is missing or unusable)."""
    data: Any = None
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        data = {}

    def mark(value: Any) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_TIMESTAMP:
            return value
        return None

    return {name: mark(data.get(name)) for name in names}


_TitlesCall = Callable[..., Awaitable[Fetched[tuple[Title, ...]]]]


class LiveUpdates:
    """What both ways of following AniLibria share: the state, what to follow, the poll marks in
    the key-value store, de-duplication and publishing. `LiveService` follows v2's WebSocket,
    `app.services.live_poll.PollingLive` polls v1; the app sees one surface: `run()`,
    `resubscribe()` and `state`.

    `follow()` says which title ids to follow (the favorites), or None for every title; it is
    read again whenever following (re)starts. Call `run()` as a task, and `resubscribe()` on the
    event loop when what to follow changed.
    """

    MARKS_KEY: ClassVar[str]
    """The key-value store key of this way's poll marks (JSON: mark name → int or null)."""
    MARK_NAMES: ClassVar[tuple[str, ...]]
    """The poll marks this way keeps: `updates` (a title's newest episode), `changes` (any change
    of a title), ..."""

    def __init__(
        self,
        bus: EventBus,
        kv: KeyValueStore,
        *,
        follow: Callable[[], frozenset[int] | None],
        settings: LiveSettings,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._bus = bus
        self._kv = kv
        self._follow = follow
        self._settings = settings
        self._sleep = sleep
        self._state = LiveState.IDLE
        self._published: LiveState | None = None
        self._following: frozenset[int] | None = frozenset()
        self._wake = asyncio.Event()
        self._seen = _Seen(SEEN_LIMIT)
        self._marks = _load_marks(self._kv_get(), self.MARK_NAMES)

    @property
    def state(self) -> LiveState:
        """The current state (also published as `LiveStateChanged`)."""
        return self._state

    def resubscribe(self) -> None:
        """What to follow changed: start following afresh at once (no backoff, no wait).

        Call on the event loop that runs `run()`.
        """
        self._wake.set()

    async def run(self) -> None:
        """Follow live updates until cancelled; never raises for network trouble."""
        try:
            while True:
                self._wake.clear()
                self._following = self._read_follow()
                if self._following is not None and not self._following:
                    self._set_state(LiveState.IDLE, reason="no titles to follow")
                    await self._wake.wait()
                    continue
                await self._follow_titles()
        finally:
            self._set_state(LiveState.IDLE)

    async def _follow_titles(self) -> None:
        """Follow `self._following` until `resubscribe()` or until it is time to start over."""
        raise NotImplementedError

    # -- what polls found ------------------------------------------------------------------

    def _released(self, titles: list[Title], since: int, following: frozenset[int] | None) -> None:
        """Announce the new episodes of `titles` raised after `since` (their `updated`)."""
        newest = since
        for title in sorted(titles, key=lambda t: (t.updated or 0, t.id)):
            updated = server_timestamp(title.updated)
            if updated is None or updated <= since or not 0 < title.id <= MAX_TITLE_ID:
                continue  # not new (v1 lists everything; a v2 server may ignore `since`)
            newest = max(newest, updated)
            if following is not None and title.id not in following:
                continue
            for episode in _new_episodes(title, since):
                key = ("playlist_update", title.id, episode, False)
                self._publish(EpisodeReleased(title.id, episode, False, title), (key,))
        self._advance({"updates": newest})

    def _changed(self, titles: list[Title], since: int, following: frozenset[int] | None) -> None:
        """Announce the `titles` changed after `since` (their `last_change`)."""
        newest = since
        for title in sorted(titles, key=lambda t: (t.last_change or 0, t.id)):
            last_change = server_timestamp(title.last_change)
            if last_change is None or last_change <= since or not 0 < title.id <= MAX_TITLE_ID:
                continue
            newest = max(newest, last_change)
            if following is not None and title.id not in following:
                continue
            key = ("change", title.id, last_change)
            self._publish(TitleChanged(title.id, title), (key,))
        self._advance({"changes": newest})

    def _advance(self, marks: Mapping[str, int | None], *, start: bool = False) -> None:
        """Move the poll marks forward to server timestamps just seen, and store them.

        Only a baseline (`start`) sets a mark that is not there yet: a notification's timestamp
        says nothing about what else changed before it.
        """
        changed = False
        for name, value in marks.items():
            current = self._marks[name]
            if value is not None and (
                (current is None and start) or (current is not None and value > current)
            ):
                self._marks[name], changed = value, True
        if changed:
            try:
                self._kv.set(self.MARKS_KEY, json.dumps(self._marks))
            except Exception:  # a full disk must not end live updates
                log.exception("live: could not store the poll marks")

    # -- helpers ---------------------------------------------------------------------------

    def _publish(self, event: LiveEvent, keys: tuple[Hashable, ...]) -> None:
        title_id = getattr(event, "title_id", None)
        if self._following is not None and title_id not in self._following:
            return
        if self._seen.any(keys):
            return
        self._seen.add(keys)
        if isinstance(event, EpisodeReleased):
            # A re-upload is encoded again: let its encode_* events through once more.
            episode = (event.title_id, event.episode)
            self._seen.forget(
                lambda k: (
                    isinstance(k, tuple)
                    and len(k) == 5
                    and k[0] in _ENCODING
                    and (k[1], k[2]) == episode
                )
            )
        self._bus.publish(event)

    def _set_state(
        self, state: LiveState, *, retry_in: float | None = None, reason: str | None = None
    ) -> None:
        self._state = state
        if state is self._published:
            return
        self._published = state
        self._bus.publish(LiveStateChanged(state, retry_in, reason))

    async def _wait(self, seconds: float) -> bool:
        """Sleep `seconds` through the injected sleep; True when `resubscribe()` cut it short."""
        if self._wake.is_set():
            return True
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
        return self._wake.is_set()

    def _read_follow(self) -> frozenset[int] | None:
        try:
            ids = self._follow()
        except Exception:
            log.exception("live: could not read which titles to follow")
            return self._following
        if ids is None:
            return None
        return frozenset(i for i in ids if isinstance(i, int) and 0 < i <= MAX_TITLE_ID)

    def _kv_get(self) -> str | None:
        try:
            return self._kv.get(self.MARKS_KEY)
        except Exception:
            log.exception("live: could not read the poll marks")
            return None


class LiveService(LiveUpdates):
    """Follows AniLibria's WebSocket (polling HTTP while it is down); see the module docstring."""

    MARKS_KEY = SINCE_KEY
    MARK_NAMES = ("updates", "changes")

    def __init__(
        self,
        url: str,
        client: CatalogApi,
        bus: EventBus,
        kv: KeyValueStore,
        *,
        follow: Callable[[], frozenset[int] | None],
        settings: LiveSettings,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = random.random,
    ) -> None:
        """Follow the WebSocket at `url` (".../v2/ws/"), polling with `client` when it is down."""
        super().__init__(bus, kv, follow=follow, settings=settings, sleep=sleep)
        self._url = url
        self._client = client
        self._random = random
        self._delivered = False
        self._attempt = 0
        self._poll_due = 0.0
        """Seconds of waiting left before the next poll while the socket is down."""

    async def _follow_titles(self) -> None:
        """One connection and, when it ends without a resubscribe, the wait before the next."""
        self._set_state(LiveState.CONNECTING)
        drop = await self._connect_once(self._following)
        if drop.healthy:
            self._attempt = 0
        if self._wake.is_set():
            return  # resubscribe: at once, no backoff
        delay = self._next_delay(drop.retry_after)
        self._set_state(LiveState.POLLING, retry_in=delay, reason=drop.reason)
        await self._poll_while_down(delay)

    # -- the socket ------------------------------------------------------------------------

    async def _connect_once(self, following: frozenset[int] | None) -> _Drop:
        settings = self._settings
        try:
            async with connect(
                self._url,
                open_timeout=_OPEN_TIMEOUT,
                ping_interval=settings.ping_interval,
                ping_timeout=settings.ping_interval,
                close_timeout=_CLOSE_TIMEOUT,
                max_size=_MAX_MESSAGE_BYTES,
                user_agent_header=f"anitui/{app.__version__}",
            ) as ws:
                for message in subscribe_messages(following):
                    await ws.send(message)
                self._set_state(LiveState.LIVE)
                return await self._follow_socket(ws)
        except InvalidStatus as exc:
            status = exc.response.status_code
            retry_after = _retry_after(exc.response.headers.get("Retry-After"))
            log.info("live: handshake refused with HTTP %s", status)
            return _Drop(f"the server refused the connection (HTTP {status})", retry_after)
        except InvalidURI:
            log.warning("live: %s is not a WebSocket URL", redact(self._url))
            return _Drop("the WebSocket URL is not valid")
        except ConnectionClosed as exc:  # closed while subscribing
            return _Drop(_closed_reason(exc.rcvd.code if exc.rcvd else None))
        except (OSError, TimeoutError, WebSocketException) as exc:
            log.info("live: could not connect: %s", redact(str(exc)))
            return _Drop(_connect_reason(exc))

    async def _follow_socket(self, ws: ClientConnection) -> _Drop:
        """Receive until the socket closes or `resubscribe()`; one poll closes the gap meanwhile."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self._delivered = False
        receiver = asyncio.ensure_future(self._receive(ws))
        waker = asyncio.ensure_future(self._wake.wait())
        gap = asyncio.ensure_future(self._poll())
        try:
            await asyncio.wait({receiver, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiver, waker, gap):
                task.cancel()
            await asyncio.gather(receiver, waker, gap, return_exceptions=True)
        if not receiver.cancelled() and receiver.exception() is not None:
            log.error("live: receiving failed", exc_info=receiver.exception())
        healthy = self._delivered or loop.time() - started >= self._settings.stable_after
        if not gap.cancelled():
            self._poll_due = self._settings.poll_interval
        if self._wake.is_set():
            return _Drop("resubscribing", healthy=healthy)
        code = ws.close_code
        log.info("live: connection closed (code %s)", code)
        return _Drop(_closed_reason(code), healthy=healthy)

    async def _receive(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                self._handle(raw)

    def _handle(self, raw: str | bytes) -> None:
        try:
            notice = _parse(raw)
        except _Skip as why:
            log.info("live: skipped a message (%s): %.120r", why, raw)
            return
        except Exception:  # a parser bug must not end the connection
            log.exception("live: skipped a message that could not be read: %.120r", raw)
            return
        self._delivered = True
        self._advance({"updates": notice.updated, "changes": notice.last_change})
        self._publish(notice.event, notice.keys)

    # -- polling ---------------------------------------------------------------------------

    async def _poll_while_down(self, delay: float) -> None:
        """Wait `delay` before the next attempt, polling every `poll_interval` meanwhile."""
        remaining = delay
        while True:
            if self._poll_due <= 0:
                await self._poll()
                self._poll_due = self._settings.poll_interval
                if self._wake.is_set():
                    return
            if remaining <= 0:
                return
            step = min(remaining, self._poll_due)
            if await self._wait(step):
                return
            remaining -= step
            self._poll_due -= step

    async def _poll(self) -> bool:
        """One catch-up poll of getUpdates and getChanges; False when the API failed."""
        following = self._following
        try:
            since = self._marks["updates"]
            if since is None:
                newest = await self._baseline(self._client.get_updates, "updated")
                self._advance({"updates": newest}, start=True)
            else:
                titles = await self._pages(self._client.get_updates, since)
                self._released(titles, since, following)
            since = self._marks["changes"]
            if since is None:
                newest = await self._baseline(self._client.get_changes, "last_change")
                self._advance({"changes": newest}, start=True)
            else:
                titles = await self._pages(self._client.get_changes, since)
                self._changed(titles, since, following)
        except SourceError as exc:
            log.info("live: poll failed, trying again later: %s", exc)
            return False
        except Exception:  # a bug here must not end live updates
            log.exception("live: poll failed")
            return False
        return True

    async def _baseline(self, call: _TitlesCall, field: str) -> int:
        """The newest entry's timestamp: where polling starts when nothing was stored.

        `since=0` keeps the read out of the HTTP cache, which would hand back an old newest.
        """
        fetched = await call(since=0, limit=1)
        stamps = [server_timestamp(getattr(title, field)) for title in fetched.value]
        return max((s for s in stamps if s is not None), default=0)

    async def _pages(self, call: _TitlesCall, since: int) -> list[Title]:
        page_size = max(1, self._settings.poll_page)
        titles: list[Title] = []
        for page in range(_MAX_PAGES):
            fetched = await call(since=since, limit=page_size, after=page * page_size)
            titles.extend(fetched.value)
            if len(fetched.value) < page_size:
                break
        else:
            log.warning("live: a poll stopped after %d pages", _MAX_PAGES)
        return titles

    # -- helpers ---------------------------------------------------------------------------

    def _next_delay(self, retry_after: float | None) -> float:
        settings = self._settings
        base = min(settings.reconnect_max, settings.reconnect_min * 2.0 ** min(self._attempt, 60))
        self._attempt += 1
        jitter = min(max(self._random(), 0.0), 1.0)
        delay = base * (1 - _JITTER * jitter)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def _new_episodes(title: Title, since: int) -> list[str]:
    """The episodes of a polled title that are new since `since`: those created after it, or
    else the last one."""
    episodes: tuple[Episode, ...] = title.player.episodes if title.player else ()
    if not episodes:
        return []
    fresh = [
        e for e in episodes if e.created_timestamp is not None and e.created_timestamp > since
    ] or [episodes[-1]]
    keys = (episode_key(e.serie) for e in fresh[-_MAX_EPISODES_PER_TITLE:])
    return [key for key in keys if key is not None]


def _closed_reason(code: int | None) -> str:
    if code is None or code == 1006:
        return "the connection was lost"
    if code in (1000, 1001):
        return f"the server closed the connection (code {code})"
    if code == 1011:
        return "the server stopped answering (code 1011)"
    return f"the connection was closed (code {code})"


def _connect_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "the connection timed out"
    if isinstance(exc, OSError):
        return "could not connect"
    return "the WebSocket handshake failed"

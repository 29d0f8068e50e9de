"""`LiveHub`: the AniLibria v2 WebSocket and the push API that tests and the demo drive it with.

`GET /v2/ws/` and `/v2/webSocket/` (every API prefix, with or without the trailing slash)
upgrade to a WebSocket that pings every `ping_interval` seconds. A client gets every
notification until its first `{"subscribe": {...}}`, then only those whose title matches one
of its subscriptions. Where the spec leaves room, this server chooses:

- A subscription matches when each of its keys matches the notification's title: the getTitle
  object (plain description, object playlist) of the title the event is about, found by the
  event's `id` in the catalog; for `title_update`, the event's own `title`. Objects match
  recursively (a digit key also indexes a list); a list matches a list holding a match for each
  of its items; `"*"` matches any non-null value of a key that is present; numbers and numeric
  strings compare by value (`8700` matches `"8700"`); `true`/`false` only match themselves.
- The spec writes the wildcard as a bare `*`, which is not JSON: a message that does not parse
  is parsed again with every `*` in value position quoted (never one inside a string).
- A subscribe is not acknowledged (the spec shows no answer). A message that is not JSON, not an
  object with an object `subscribe`, or with a malformed `filter`/`remove`, is answered
  `{"error": {"code": 400, "message": ...}}` and the connection stays open. Other keys are
  ignored.
- `filter`/`remove` given with a subscription shape the `title` of the `title_update`s that
  subscription lets through, as the same GET parameters do; the first matching subscription
  decides. Other notifications go out as they are.
- `diff` holds the previous values of what changed (null for what was added), objects and
  lists (keyed by index, as strings) nested, as in the spec's torrent_update example.
- `hash` (title_update, torrent_update) is the sha1 of the notification's JSON without it.
- playlist_update's `episode` is a string, as in the spec's example (its table says int);
  `encode_finish` goes out bare, `{"id": ..., "episode": ...}`, as the spec shows it.

The sync API (`push`, `new_episode`, ...) is thread-safe and for the threads and loops of tests
and the app, never the server's own loop: it runs on the server's loop and returns once every
message was handed to the sockets. With the server stopped, the catalog still changes and
nothing is sent.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from app.devserver.anilibria import AniLibriaApi, ApiError, Shape, json_response
from app.devserver.catalog import QUALITY_HEIGHTS, Title

__all__ = ["LiveClient", "LiveHub", "Subscription", "diff", "matches", "parse_command"]

log = logging.getLogger("anitui.devserver")

T = TypeVar("T")

_CALL_TIMEOUT = 10.0
_CLOSE_TIMEOUT = 2.0
_SHUTDOWN_TIMEOUT = 0.3
_SEND_TIMEOUT = 5.0
_QUALITIES = tuple(zip(("fhd", "hd", "sd"), QUALITY_HEIGHTS, strict=True))
_PROGRESS = ("25", "50", "75")
_VALUE_START = ":[,"


@dataclass(frozen=True)
class Subscription:
    """One `subscribe` a client sent: the object to match and the shape it asked for."""

    match: Mapping[str, Any]
    filter: str | None = None
    remove: str | None = None


@dataclass(frozen=True)
class LiveClient:
    """A connected client as `LiveHub.clients` reports it: its subscriptions, in order."""

    id: int
    subscriptions: tuple[Subscription, ...]


@dataclass
class _Connection:
    id: int
    request: web.Request
    ws: web.WebSocketResponse
    subscriptions: list[tuple[Subscription, Shape]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True)
class _Notification:
    message: Mapping[str, Any] | str
    title: Mapping[str, Any] | None
    """What subscriptions are matched against (None: only the match-all ones pass)."""


class LiveHub:
    """The WebSocket of one `DevServer` (`DevServer.live`) and its push API."""

    def __init__(self, api: AniLibriaApi) -> None:
        self.ping_interval: float = 30.0
        """Seconds between the ping frames sent to each client (for connections made later;
        0 sends none). A client that does not answer within half of it is cut off."""
        self.refuse: bool = False
        """While True, new handshakes get HTTP 503 (the HTTP API stays up)."""
        self.demo_episode_delays: tuple[float, ...] = ()
        """Seconds after a demo trigger at which a new episode of the title is released (one
        each); empty: no demo episodes. See `demo.py`."""
        self._api = api
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_id: int | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._connections: dict[int, _Connection] = {}
        self._next_id = 1
        # The demo's memory lasts as long as the DevServer, across restarts.
        self._seen_ids: set[int] = set()
        self._triggered: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        api.on_favorite_added = self._favorite_added

    # --- wiring (DevServer) ----------------------------------------------------------------

    def add_routes(self, app: web.Application, prefix_pattern: str) -> None:
        """Register the WebSocket routes (before the API's methods, which would take `/ws`)
        and the hooks that follow the server's loop."""
        for slash in ("", "/"):
            path = rf"/{{prefix:{prefix_pattern}}}/{{endpoint:ws|webSocket}}{slash}"
            app.router.add_get(path, self._handle)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)

    def detach(self) -> None:
        """The server is stopping: later calls change the catalog and send nothing."""
        with self._lock:
            self._loop = None

    # --- the push API ----------------------------------------------------------------------

    @property
    def clients(self) -> list[LiveClient]:
        """The connected clients, in the order they connected."""
        with self._lock:
            return self._snapshot()

    def wait_for_clients(
        self, count: int = 1, *, subscriptions: int = 0, timeout: float = 5.0
    ) -> list[LiveClient]:
        """Block until exactly `count` clients are connected, each with at least
        `subscriptions` subscriptions; returns them. TimeoutError after `timeout` seconds.

        For test threads, or `await asyncio.to_thread(hub.wait_for_clients, ...)` in a loop.
        """
        self._check_thread()
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                clients = self._snapshot()
                if len(clients) == count and all(
                    len(c.subscriptions) >= subscriptions for c in clients
                ):
                    return clients
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(clients)} clients with {[len(c.subscriptions) for c in clients]}"
                        f" subscriptions, not {count} with {subscriptions}"
                    )
                self._changed.wait(remaining)

    def push(self, message: Mapping[str, Any] | str) -> int:
        """Send one notification (an object as JSON, a string as it is) to every client whose
        subscriptions let it through; returns how many got it."""

        def change() -> tuple[None, list[_Notification]]:
            return None, [_Notification(message, self._title_of(message))]

        _, counts = self._perform(change)
        return counts[0] if counts else 0

    def new_episode(self, title_id: int, *, reupload: bool = False) -> str:
        """Release the title's next episode (or, with `reupload`, its last one again) in the
        catalog and notify: `encode_start`, `encode_progress` 25/50/75 and `encode_end` per
        quality, the bare `encode_finish`, then `playlist_update`. Returns the episode number.

        A new episode moves `updated` and `last_change` to a fresh time after every other in
        the catalog (getUpdates/getChanges with `since` find it); a re-upload only
        `last_change`. KeyError for an unknown title.
        """
        episode, _ = self._perform(lambda: self._episode_change(title_id, reupload))
        return episode

    def update_title(self, title_id: int, **changes: Any) -> str:
        """Change top-level fields of the title (`description="..."`), move its `last_change`
        and notify `title_update`; returns the notification's hash. KeyError for an unknown
        title, ValueError for a field titles don't have."""
        digest, _ = self._perform(lambda: self._title_change(title_id, changes))
        return digest

    def update_torrents(self, title_id: int) -> str:
        """Replace the title's torrent of its latest episodes by one up to its last episode
        (a new torrent id, see `Catalog.reissue_torrent`) and notify `torrent_update`; returns
        the notification's hash."""
        digest, _ = self._perform(lambda: self._torrent_change(title_id))
        return digest

    def drop(self) -> int:
        """Cut every connection without a close frame (as a network failure does); returns
        how many there were."""
        return self._run(self._drop_all())

    def close(self, code: int = 1000) -> int:
        """Close every connection cleanly with `code`; returns how many there were."""
        return self._run(self._close_all(code, _CLOSE_TIMEOUT))

    # --- running on the server's loop -------------------------------------------------------

    def _check_thread(self) -> None:
        if threading.get_ident() == self._thread_id:
            raise RuntimeError("LiveHub's blocking API cannot run on the server's own loop")

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        self._check_thread()
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("the devserver is not running")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(_CALL_TIMEOUT)

    def _perform(self, change: Callable[[], tuple[T, list[_Notification]]]) -> tuple[T, list[int]]:
        """Apply a catalog change on the server's loop (where requests read the catalog) and
        broadcast its notifications; without a running server, only the change."""
        self._check_thread()
        if self._loop is None:
            result, _ = change()
            return result, []

        async def run() -> tuple[T, list[int]]:
            result, notifications = change()
            return result, await self._broadcast(notifications)

        return self._run(run())

    async def _on_startup(self, app: web.Application) -> None:
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._thread_id = threading.get_ident()

    async def _on_shutdown(self, app: web.Application) -> None:
        self.detach()
        for task in list(self._tasks):
            task.cancel()
        await self._close_all(1001, _SHUTDOWN_TIMEOUT)
        self._thread_id = None

    # --- connections -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.refuse:
            return json_response(
                {"error": {"code": 503, "message": "WebSocket is unavailable"}}, status=503
            )
        heartbeat = self.ping_interval if self.ping_interval > 0 else None
        ws = web.WebSocketResponse(heartbeat=heartbeat, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            return json_response(
                {"error": {"code": 400, "message": "WebSocket upgrade expected"}}, status=400
            )
        ws.headers["API-Version"] = self._api.api_version
        await ws.prepare(request)
        with self._changed:
            connection = _Connection(self._next_id, request, ws)
            self._next_id += 1
            self._connections[connection.id] = connection
            self._changed.notify_all()
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._command(connection, message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._answer_error(connection, "Text messages with JSON expected")
        except (TimeoutError, ConnectionError):
            pass
        finally:
            self._forget(connection)
        return ws

    def _forget(self, connection: _Connection) -> None:
        with self._changed:
            if self._connections.pop(connection.id, None) is not None:
                self._changed.notify_all()

    def _snapshot(self) -> list[LiveClient]:
        return [
            LiveClient(c.id, tuple(s for s, _ in c.subscriptions))
            for c in self._connections.values()
        ]

    async def _command(self, connection: _Connection, text: str) -> None:
        try:
            value = parse_command(text)
            if not isinstance(value, dict) or not isinstance(value.get("subscribe"), dict):
                raise ValueError('Expected {"subscribe": {...}}')
            paths: dict[str, str] = {}
            for name in ("filter", "remove"):
                raw = value.get(name)
                if raw is not None and not isinstance(raw, str):
                    raise ValueError(f"{name} must be a string of paths")
                if raw:
                    paths[name] = raw
            shape = self._api.shape_for(paths)
        except (ValueError, ApiError) as exc:
            await self._answer_error(connection, getattr(exc, "message", None) or str(exc))
            return
        subscription = Subscription(value["subscribe"], paths.get("filter"), paths.get("remove"))
        with self._changed:
            connection.subscriptions.append((subscription, shape))
            self._changed.notify_all()
        self._demo_subscribed(connection, subscription)

    async def _answer_error(self, connection: _Connection, message: str) -> None:
        await self._send(connection, _dumps({"error": {"code": 400, "message": message}}))

    async def _send(self, connection: _Connection, text: str) -> bool:
        """Send one message; a client that vanished meanwhile is forgotten, not an error."""
        async with connection.lock:
            if connection.ws.closed:
                return False
            try:
                await asyncio.wait_for(connection.ws.send_str(text), _SEND_TIMEOUT)
            except Exception as exc:  # reset, closing, a stuck reader: all mean gone
                log.debug("devserver: WebSocket client %d gone: %r", connection.id, exc)
                self._forget(connection)
                _abort(connection)
                return False
        return True

    async def _broadcast(self, notifications: Sequence[_Notification]) -> list[int]:
        counts = []
        for notification in notifications:
            with self._lock:
                connections = list(self._connections.values())
            texts: dict[int, str] = {}
            sends = []
            for connection in connections:
                passes, shape = self._route(connection, notification)
                if not passes:
                    continue
                key = id(shape)
                if key not in texts:
                    texts[key] = self._render(notification.message, shape)
                sends.append(self._send(connection, texts[key]))
            sent = await asyncio.gather(*sends)
            counts.append(sum(sent))
        return counts

    @staticmethod
    def _route(connection: _Connection, notification: _Notification) -> tuple[bool, Shape | None]:
        """Whether the client gets it, and the shape its (first matching) subscription asked."""
        if not connection.subscriptions:
            return True, None
        for subscription, shape in connection.subscriptions:
            if matches(subscription.match, notification.title):
                return True, (shape if (shape.filter or shape.remove) else None)
        return False, None

    def _render(self, message: Mapping[str, Any] | str, shape: Shape | None) -> str:
        if isinstance(message, str):
            return message
        payload = message.get("title_update")
        if (
            shape is not None
            and message.get("type") == "title_update"
            and isinstance(payload, Mapping)
            and isinstance(payload.get("title"), dict)
        ):
            shaped = {**payload, "title": self._api.finish_title(payload["title"], shape)}
            return _dumps({**message, "title_update": shaped})
        return _dumps(message)

    async def _drop_all(self) -> int:
        with self._changed:
            connections = list(self._connections.values())
            self._connections.clear()
            self._changed.notify_all()
        for connection in connections:
            _abort(connection)
        return len(connections)

    async def _close_all(self, code: int, timeout: float) -> int:
        with self._changed:
            connections = list(self._connections.values())
            self._connections.clear()
            self._changed.notify_all()

        async def close(connection: _Connection) -> None:
            try:
                await asyncio.wait_for(connection.ws.close(code=code), timeout)
            except Exception:
                _abort(connection)

        await asyncio.gather(*(close(c) for c in connections))
        return len(connections)

    # --- notifications ---------------------------------------------------------------------

    def _title_of(self, message: Mapping[str, Any] | str) -> Mapping[str, Any] | None:
        """The title a raw notification is about, as subscriptions see it."""
        if isinstance(message, str):
            try:
                parsed = json.loads(message)
            except ValueError:
                return None
            if not isinstance(parsed, dict):
                return None
            message = parsed
        kind = message.get("type")
        payload = message.get(kind) if isinstance(kind, str) else None
        if not isinstance(payload, Mapping):
            payload = message
        if kind == "title_update" and isinstance(payload.get("title"), Mapping):
            title: Mapping[str, Any] = payload["title"]
            return title
        try:
            title_id = int(payload.get("id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        found = self._api.catalog.title(title_id)
        return None if found is None else self._api.full_title(found)

    def _snapshot_title(self, title: Title) -> dict[str, Any]:
        """The title as getTitle serves it, copied: later catalog changes don't reach it."""
        return copy.deepcopy(self._api.full_title(title))

    def _title(self, title_id: int) -> Title:
        title = self._api.catalog.title(title_id)
        if title is None:
            raise KeyError(f"no title {title_id} in the catalog")
        return title

    def _episode_change(self, title_id: int, reupload: bool) -> tuple[str, list[_Notification]]:
        catalog = self._api.catalog
        title = self._title(title_id)
        before = self._snapshot_title(title)["player"]
        stamp = catalog.fresh_timestamp()
        if reupload:
            item = catalog.reupload_episode(title_id, stamp)
        else:
            item = catalog.add_episode(title_id, stamp)
        full = self._snapshot_title(title)
        player = full["player"]
        episode = str(item["serie"])
        ids = {"id": str(title_id), "episode": episode}
        notes: list[Mapping[str, Any]] = []
        for quality, height in _QUALITIES:
            detail = {**ids, "resolution": height, "quality": quality}
            notes.append({"type": "encode_start", "encode_start": detail})
            notes += [
                {"type": "encode_progress", "encode_progress": {**detail, "encoded_percent": p}}
                for p in _PROGRESS
            ]
            notes.append({"type": "encode_end", "encode_end": detail})
        notes.append(dict(ids))  # encode_finish: bare, as the spec shows it
        notes.append(
            {
                "type": "playlist_update",
                "playlist_update": {
                    "id": title_id,
                    "player": player,
                    "updated_episode": player["playlist"][episode],
                    "episode": episode,
                    "diff": diff(before, player),
                    "reupload": reupload,
                },
            }
        )
        return episode, [_Notification(n, full) for n in notes]

    def _title_change(
        self, title_id: int, changes: Mapping[str, Any]
    ) -> tuple[str, list[_Notification]]:
        title = self._title(title_id)
        unknown = sorted(set(changes) - set(title))
        if unknown:
            raise ValueError(f"titles have no field {', '.join(unknown)}")
        before = self._snapshot_title(title)
        stamp = self._api.catalog.fresh_timestamp()
        title.update(copy.deepcopy(dict(changes)))
        title["last_change"] = stamp
        after = self._snapshot_title(title)
        content = {"title": after, "diff": diff(before, after)}
        digest = _hash(content)
        message = {"type": "title_update", "title_update": {"hash": digest, **content}}
        return digest, [_Notification(message, after)]

    def _torrent_change(self, title_id: int) -> tuple[str, list[_Notification]]:
        catalog = self._api.catalog
        title = self._title(title_id)
        before = copy.deepcopy(title["torrents"])
        _, new_id = catalog.reissue_torrent(title_id, catalog.fresh_timestamp())
        torrents = copy.deepcopy(title["torrents"])
        content = {
            "id": str(title_id),
            "torrents": torrents,
            "updated_torrent_id": new_id,
            "diff": diff(before, torrents),
        }
        digest = _hash(content)
        message = {"type": "torrent_update", "torrent_update": {**content, "hash": digest}}
        return digest, [_Notification(message, self._snapshot_title(title))]

    # --- the demo ----------------------------------------------------------------------------

    def _favorite_added(self, title_id: int) -> None:
        self._demo_trigger(title_id)

    def demo_started_with(self, title_ids: Iterable[int]) -> None:
        """The favorites the app started with: subscribing to them triggers nothing."""
        with self._lock:
            self._seen_ids.update(title_ids)

    def demo_following(self, title_ids: Iterable[int]) -> None:
        """The app follows these titles without telling the server (a v1 app polls): those it
        did not start with get the demo's new episodes, as a new subscription would. Safe to
        call from any thread."""
        with self._lock:
            new = [title_id for title_id in title_ids if title_id not in self._seen_ids]
            self._seen_ids.update(new)
        loop = self._loop
        if loop is not None:
            for title_id in new:
                loop.call_soon_threadsafe(self._demo_trigger, title_id)

    def _demo_subscribed(self, connection: _Connection, subscription: Subscription) -> None:
        title_id = _exact_id(subscription.match.get("id"))
        if title_id is None:
            return
        with self._lock:
            new = title_id not in self._seen_ids
            self._seen_ids.add(title_id)
        if new:
            self._demo_trigger(title_id)

    def _demo_trigger(self, title_id: int) -> None:
        """Release new episodes of the title after `demo_episode_delays`, once per title."""
        loop = self._loop
        if not self.demo_episode_delays or title_id in self._triggered or loop is None:
            return
        self._triggered.add(title_id)
        log.info("demo: new episodes of title %d in %s s", title_id, self.demo_episode_delays)
        for delay in self.demo_episode_delays:
            task = loop.create_task(self._demo_episode(title_id, delay))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _demo_episode(self, title_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            _, notifications = self._episode_change(title_id, reupload=False)
        except (KeyError, ValueError) as exc:
            log.info("demo: no new episode of title %d: %s", title_id, exc)
            return
        await self._broadcast(notifications)
        # As AniLibria does, the title's torrent is reissued to hold the new episode: a
        # followed title's episode is then downloaded by itself.
        try:
            _, notifications = self._torrent_change(title_id)
        except (KeyError, ValueError) as exc:
            log.info("demo: no torrent of title %d reissued: %s", title_id, exc)
            return
        await self._broadcast(notifications)


def parse_command(text: str) -> Any:
    """Parse a client's message as JSON, accepting the spec's bare `*` wildcard; ValueError
    when it is not JSON either way."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json.loads(_quote_bare_stars(text))
    except ValueError:
        raise ValueError("Invalid JSON") from None


def _quote_bare_stars(text: str) -> str:
    out: list[str] = []
    in_string = escaped = False
    previous = ""
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            out.append(char)
            continue
        if char == '"':
            in_string = True
        if char == "*" and previous and previous in _VALUE_START:
            out.append('"*"')
        else:
            out.append(char)
        if not char.isspace():
            previous = char
    return "".join(out)


def matches(pattern: Any, value: Any) -> bool:
    """Whether `value` (a title, or part of one) matches a subscription's `pattern`."""
    if pattern == "*":
        return value is not None
    if isinstance(pattern, Mapping):
        for key, wanted in pattern.items():
            found, child = _child(value, str(key))
            if not found or not matches(wanted, child):
                return False
        return True
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(matches(p, v) for v in value) for p in pattern)
    return _same(pattern, value)


def _child(value: Any, key: str) -> tuple[bool, Any]:
    if isinstance(value, Mapping):
        return (key in value, value.get(key))
    if isinstance(value, list) and key.isdigit() and int(key) < len(value):
        return (True, value[int(key)])
    return (False, None)


def _same(wanted: Any, value: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return wanted is value
    a, b = _number(wanted), _number(value)
    if (
        a is not None
        and b is not None
        and (isinstance(wanted, int | float) or isinstance(value, int | float))
    ):
        return a == b
    return bool(wanted == value)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _exact_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def diff(before: Any, after: Any) -> Any:
    """The previous values of what changed from `before` to `after` (null for what was
    added), nested through objects and lists (keyed by index as a string); {} when equal."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: dict[str, Any] = {}
        for key in [*before, *(k for k in after if k not in before)]:
            if key not in after:
                out[key] = before[key]
            elif key not in before:
                out[key] = None
            elif before[key] != after[key]:
                out[key] = _changed(before[key], after[key])
        return out
    if isinstance(before, list) and isinstance(after, list):
        return diff(dict(_indexed(before)), dict(_indexed(after)))
    return {} if before == after else before


def _changed(before: Any, after: Any) -> Any:
    both_maps = isinstance(before, Mapping) and isinstance(after, Mapping)
    both_lists = isinstance(before, list) and isinstance(after, list)
    return diff(before, after) if both_maps or both_lists else before


def _indexed(items: list[Any]) -> list[tuple[str, Any]]:
    return [(str(index), item) for index, item in enumerate(items)]


def _abort(connection: _Connection) -> None:
    transport = connection.request.transport
    if transport is not None:
        transport.abort()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _hash(content: Any) -> str:
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

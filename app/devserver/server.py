"""`DevServer`: the local AniLibria API and site on loopback, in a thread with its own loop.

Tests and `anitui --demo` start one, point the client at `anilibria_api` / `anilibria_site`
(v2) or `aniliberty_api` / `aniliberty_site` (v1, `app.devserver.aniliberty`),
and can script failures through `faults`, inspect `requests` afterwards, and drive the API's
WebSocket (`/v2/ws/`) through `live`. Because the server has its own thread and event loop, a
test's loop is never blocked by it (and vice versa).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, Protocol

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from app.devserver.aniliberty import PREFIX as ANILIBERTY_PREFIX
from app.devserver.aniliberty import AniLibertyApi, v1_error_response
from app.devserver.anilibria import (
    AniLibriaApi,
    Origin,
    SeedOnDemand,
    Session,
    error_response,
    json_response,
)
from app.devserver.catalog import Catalog
from app.devserver.live import LiveHub

log = logging.getLogger("anitui.devserver")

_START_TIMEOUT = 10.0
_API_PREFIXES = ("/v2", "/api/")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received.

    `query` keeps the first value of each key, `pairs` every key and value in order (a
    repeated key, as in v1's `f[types][]` arrays); `headers` is case-insensitive; `body` is
    empty for multipart forms (reading them here would consume them).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    pairs: tuple[tuple[str, str], ...] = ()

    def values(self, key: str) -> list[str]:
        """Every value sent for `key`, in order."""
        return [value for name, value in self.pairs if name == key]


@dataclass
class _Fault:
    path: str
    remaining: int
    status: int = 0
    body: str | bytes | dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    delay: float = 0.0


class FaultInjector:
    """Scripted failures: the next matching requests get an error or are answered late.

    A rule matches a request whose path starts with its `path` (query strings are not part of
    the path). Rules are used in the order they were added, each for `times` requests.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        body: str | bytes | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests under `path` with `status` instead.

        Without `body`, an API path gets the API's error body with `status` as its code (a 5xx
        goes out as HTTP 500, as the spec says) and any other path a plain-text reason. With
        `body` (a dict is sent as JSON) the answer is exactly `status`, `body` and `headers`.
        """
        with self._lock:
            self._failures.append(_Fault(path, times, status, body, headers))

    def delay_next(self, path: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` requests under `path` only after `seconds`."""
        with self._lock:
            self._delays.append(_Fault(path, times, delay=seconds))

    def clear(self) -> None:
        """Forget every rule that is left."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def take(self, path: str) -> tuple[float, _Fault | None]:
        """Use up the rules for one request: (seconds to wait, failure to answer or None)."""
        with self._lock:
            delay = self._use(self._delays, path)
            failure = self._use(self._failures, path)
        return (delay.delay if delay else 0.0), failure

    @staticmethod
    def _use(rules: list[_Fault], path: str) -> _Fault | None:
        for rule in rules:
            if path.startswith(rule.path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    rules.remove(rule)
                return rule
        return None


class MountedApi(Protocol):
    """Another API served on the devserver's port, under its own path prefix."""

    def add_routes(self, app: web.Application) -> None:
        """Register the API's routes (each under the API's own prefix) on `app`."""


class DevServer:
    """The AniLibria API (`/v2`) and site (login, posters, torrents, HLS) on one local port,
    plus any `extra_apis` under their own prefixes.

    `start()` returns once the port is listening (port 0 picks a free one); `stop()` is
    idempotent and fast. Usable as a context manager.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        catalog: Catalog | None = None,
        api_version: str = "2.13.15",
        extra_apis: Sequence[MountedApi] = (),
    ) -> None:
        self.host = host
        self.extra_apis = list(extra_apis)
        self.api_version = api_version
        self.faults = FaultInjector()
        self.requests: list[RecordedRequest] = []
        self._origin = Origin(host, port)
        self._api = AniLibriaApi(catalog or Catalog.demo(), self._origin, api_version)
        self._aniliberty = AniLibertyApi(self._api)
        self._live = LiveHub(self._api)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    @property
    def catalog(self) -> Catalog:
        """The data served; change it freely, or replace it, between requests."""
        return self._api.catalog

    @catalog.setter
    def catalog(self, catalog: Catalog) -> None:
        self._api.catalog = catalog

    @property
    def seed_on_demand(self) -> SeedOnDemand | None:
        """The tracker's source of a seeder for torrents nobody seeds yet (the demo's)."""
        return self._api.seed_on_demand

    @seed_on_demand.setter
    def seed_on_demand(self, hook: SeedOnDemand | None) -> None:
        self._api.seed_on_demand = hook

    @property
    def feed_paths_inside_items(self) -> bool:
        """Whether getFeed reads `filter`/`remove` paths inside each entry's object (`id`)
        instead of from the entry (`title.id`): the spec allows both readings."""
        return self._api.feed_paths_inside_items

    @feed_paths_inside_items.setter
    def feed_paths_inside_items(self, inside: bool) -> None:
        self._api.feed_paths_inside_items = inside

    @property
    def port(self) -> int:
        """The listening port (the asked one until `start()` has bound it)."""
        return self._origin.port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return self._origin.base_url

    @property
    def anilibria_api(self) -> str:
        """The API root the client is given: `base_url + "/v2"`."""
        return self.base_url + "/v2"

    @property
    def anilibria_site(self) -> str:
        """The site root (login, posters, .torrent files, HLS): `base_url`."""
        return self.base_url

    @property
    def aniliberty(self) -> AniLibertyApi:
        """The AniLiberty API v1 over the same catalog: its state (tokens, login codes,
        collections, timecodes), clocks and shape variants (see `app.devserver.aniliberty`)."""
        return self._aniliberty

    @property
    def aniliberty_api(self) -> str:
        """The AniLiberty v1 API root: `base_url + "/api/v1"`."""
        return self.base_url + ANILIBERTY_PREFIX

    @property
    def aniliberty_site(self) -> str:
        """The AniLiberty site root (images, the code confirmation page): `base_url`."""
        return self.base_url

    @property
    def live(self) -> LiveHub:
        """The API's WebSocket: notifications pushed to its clients, outages, the demo's
        new episodes."""
        return self._live

    @property
    def sessions(self) -> dict[str, Session]:
        """Logged-in sessions by session id (`favorites` is their account's list)."""
        return self._api.sessions

    @property
    def favorites(self) -> dict[str, list[int]]:
        """Favorites (title ids, in the order added) by account login."""
        return self._api.favorites

    def expire_session(self, session_id: str | None = None) -> None:
        """Make one session (or every session) invalid: user methods then answer 401."""
        for session in self._api.sessions.values():
            if session_id is None or session.session_id == session_id:
                session.expired = True

    def start(self) -> None:
        """Start serving in a background thread; returns once the port listens."""
        if self._thread is not None:
            return
        self._ready.clear()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, name="anitui-devserver", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise RuntimeError("devserver did not start in time")
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError(f"devserver failed to start: {self._startup_error}") from (
                self._startup_error
            )

    def stop(self) -> None:
        """Stop serving and join the thread; open connections are cut, pending answers dropped."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        self._live.detach()
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = None
        self._loop = None

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            runner = loop.run_until_complete(self._serve())
        except BaseException as exc:  # handed to start(), in the caller's thread
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    async def _serve(self) -> web.AppRunner:
        app = web.Application(middlewares=[self._middleware])
        self._live.add_routes(app, self._api.prefix_pattern())
        self._api.add_routes(app)
        self._aniliberty.add_routes(app)
        for api in self.extra_apis:
            api.add_routes(app)
        # A short shutdown grace: tests stop servers with keep-alive clients still connected.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._origin.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._origin.port = int(runner.addresses[0][1])
        return runner

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = b""
        if request.can_read_body and request.content_type != "multipart/form-data":
            body = await request.read()
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query={key: request.query[key] for key in request.query},
                headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                body=body,
                pairs=tuple(request.query.items()),
            )
        )
        delay, failure = self.faults.take(request.path)
        if delay:
            await asyncio.sleep(delay)
        if failure is not None:
            response = _failure_response(request.path, failure)
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = web.Response(
                    status=exc.status, text=exc.text or exc.reason, content_type="text/plain"
                )
            except Exception:
                log.exception("devserver: %s %s failed", request.method, request.path)
                response = error_response(500, "Internal Server Error!")
        response.headers["API-Version"] = self.api_version
        return response


def _failure_response(path: str, failure: _Fault) -> web.Response:
    headers = dict(failure.headers or {})
    if failure.body is None:
        try:
            reason = HTTPStatus(failure.status).phrase
        except ValueError:
            reason = "Injected failure"
        if path.startswith(ANILIBERTY_PREFIX + "/"):
            return v1_error_response(failure.status, reason, headers=headers)
        if path.startswith(_API_PREFIXES):
            return error_response(failure.status, f"{reason}!", headers)
        return web.Response(status=failure.status, body=reason.encode(), headers=headers)
    if isinstance(failure.body, dict):
        return json_response(failure.body, status=failure.status, headers=headers)
    if isinstance(failure.body, str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return web.Response(status=failure.status, body=failure.body.encode(), headers=headers)
    headers.setdefault("Content-Type", "application/octet-stream")
    return web.Response(status=failure.status, body=failure.body, headers=headers)

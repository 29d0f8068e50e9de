"""The HTTP layer every API client shares.

One `ApiHttp` per API owns one `httpx.AsyncClient` and adds what httpx leaves out:

* timeouts from `HttpSettings`, overridable per call;
* retries with exponential backoff for idempotent reads on connect errors, timeouts, 5xx and
  429 — honouring `Retry-After` (seconds or HTTP date) or a JSON `retry_after` — but never when
  a 4xx body carries the API's own error code; waits go through an injected `sleep`;
* mirrors: the configured base URL first, then the others in order on a network error; the one
  that answered is remembered (in memory and in the cache db) and tried first next time. With a
  `MirrorProbe` (AniLiberty's `/app/status`), a 5xx answer (a CDN's 521 "web server is down")
  also counts as down, and the others are asked whether they are alive before one is used: the
  first alive in order wins. When none answers, `NetworkError.tried` names every host asked;
* the disk cache (`HttpCache`) for allow-listed reads only, with cache-only reads for offline use
  (never for a read sent with an `Authorization` header: its answer belongs to one user);
* per-request headers and JSON bodies, for APIs that take a bearer token and JSON arrays;
* the `API-Version` check, logged once per instance when the major.minor differs.

Secrets are masked with `app.sources.redaction.redact` in its log lines, cache keys and URLs it
reports, and in httpx's own log lines through `RedactingFilter`, installed on import.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import math
import random
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import app
from app.sources.cache import HttpCache
from app.sources.errors import (
    BadResponseError,
    NetworkError,
    NotCachedError,
    api_error_for,
)
from app.sources.redaction import redact

if TYPE_CHECKING:
    # Imported where used instead: httpx costs ~45 ms of start-up, before the first paint.
    import httpx

_log = logging.getLogger("anitui.http")

T = TypeVar("T")

Params = Mapping[str, str | int | Sequence[str | int] | None]
"""Query parameters; a None value is not sent, a sequence is sent as the key repeated
(`f[types][]=TV&f[types][]=ONA`, the array form PHP servers read)."""

Headers = Mapping[str, str]
"""Extra request headers for one call (an `Authorization: Bearer ...`, say)."""


class _Payload(NamedTuple):
    """What a request carries besides its URL: a form or a JSON body, and extra headers."""

    data: Mapping[str, str] | None = None
    json: Any = None
    headers: Headers | None = None


_NO_PAYLOAD = _Payload()


class _Request(NamedTuple):
    """One request as each mirror is sent it: the target relative to a base URL (or whole)."""

    method: str
    target: str
    query: tuple[tuple[str, str], ...]
    payload: _Payload
    timeout: float | None = None


# --------------------------------------------------------------------------------------------
# Redacted logs


class RedactingFilter(logging.Filter):
    """Redacts a log record's text: on loggers we do not control (httpx logs every request URL
    at INFO) and on the handler that writes anitui's own log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


# A logger's filters do not see its children's records: name every logger httpx and httpcore
# write to (httpcore's DEBUG trace includes response headers such as Set-Cookie).
for _name in (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
):
    logging.getLogger(_name).addFilter(RedactingFilter())


# --------------------------------------------------------------------------------------------
# Settings and results


class HttpSettings(NamedTuple):
    """Timeouts, retries and waits of one API's HTTP client."""

    timeout: float = 10.0
    """Seconds to wait for an answer (read, write and connection-pool timeouts)."""
    connect_timeout: float = 5.0
    """Seconds to wait for a connection to be established."""
    retries: int = 3
    """Extra attempts after the first, for idempotent reads that failed in a retryable way."""
    backoff: float = 0.5
    """Base delay in seconds; attempt n waits backoff * 2**n (plus jitter) before retrying."""
    jitter: float = 0.1
    """Up to this fraction is added at random to each backoff delay (0 in tests: exact delays)."""
    max_retry_after: float = 60.0
    """A server asking to wait longer than this many seconds gets an error at once instead."""
    user_agent: str = f"anitui/{app.__version__}"
    """The User-Agent header sent with every request."""


_DEFAULT_SETTINGS = HttpSettings()


class Fetched(NamedTuple, Generic[T]):
    """A value read from an API, with when it was fetched and whether it came from the cache."""

    value: T
    fetched_at: float
    """Unix seconds when the body was fetched from the server (also for cached bodies)."""
    from_cache: bool


class ErrorBody(NamedTuple):
    """What an error response said, as an `ErrorParser` reads it."""

    code: int
    """The API's error code, or the HTTP status when the body has none."""
    message: str
    """The API's own text, or the HTTP reason phrase."""
    retry_after: float | None = None
    """Seconds the body asks to wait before retrying (a `Retry-After` header also counts)."""
    retryable: bool = False
    """Whether an idempotent read that got this answer may be tried again."""


ErrorParser = Callable[[int, Any], ErrorBody]
"""Reads an error answer: (HTTP status, the body parsed as JSON or None) -> ErrorBody."""


class MirrorProbe(NamedTuple):
    """How to tell whether a mirror is alive: GET `path` under its base URL answers 2xx with a
    JSON body that `is_alive` accepts (AniLiberty: `/app/status` with `is_alive: true`)."""

    path: str
    is_alive: Callable[[Any], bool]


ORIGIN_DOWN_STATUSES = frozenset({521, 522, 523})
"""A CDN's answers for an origin it could not reach: the request never got to the API, so even
a POST may go to another mirror."""


def parse_error_body(status: int, body: Any) -> ErrorBody:
    """The default `ErrorParser`: understands the error shapes of the APIs we talk to.

    `{"error": {"code": 503, "message": ...}}` (AniLibria, real code inside an HTTP 500),
    `{"error": true, "message": ..., "retry_after": 11.8}` (nekoBT) and
    `{"error": "API_KEY_UNKNOWN", "message": ...}` (Torrent API). 5xx and 429 are retryable,
    except when the body names an error of the API's own vocabulary (a string code): the
    Torrent API sends those as HTTP 500 and repeating the request cannot help.
    """
    code = status
    message = ""
    retry_after: float | None = None
    named_error = False
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            inner_code = error.get("code")
            if type(inner_code) is int and 100 <= inner_code <= 599:
                code = inner_code
            if isinstance(error.get("message"), str):
                message = error["message"]
        for field in ("message", "mes"):
            if not message and isinstance(body.get(field), str):
                message = body[field]
        if isinstance(error, str) and error:
            named_error = True
            message = message or error
        retry_after = _seconds(body.get("retry_after"))
    if not message:
        message = _reason_phrase(status)
    retryable = (code >= 500 or code == 429) and not named_error
    return ErrorBody(code=code, message=message, retry_after=retry_after, retryable=retryable)


# --------------------------------------------------------------------------------------------
# The client


class _Unreachable(Exception):
    """No usable answer from a server: a transport failure, or (with a `MirrorProbe`) a 5xx
    that means "down"; `before_send` when the API cannot have acted on the request."""

    def __init__(
        self, error: NetworkError, *, before_send: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.before_send = before_send
        self.retry_after = retry_after
        """What a mirror that answered "down" (5xx) asked to wait, if it did."""


class ApiHttp:
    """One API's HTTP client: shared connection pool, retries, mirrors, cache, redaction.

    `base_urls`: the configured URL first, then mirrors tried in order when it cannot be reached.
    `cache_allow`: the paths (relative to a base URL, or of absolute URLs) whose reads may be
    cached; an entry ending in "/" allows everything under it. A read is cached only when the
    caller also passes `cacheable=True`. `expected_api_version` ("2.13"): a server answering with
    another major.minor in its `API-Version` header is logged once. `cache_namespace` (default:
    `api`) keeps the cached bodies and remembered mirror of two clients of one API apart.
    `error_parser` reads error bodies (see `parse_error_body`, the default). `mirror_probe`:
    how to ask a mirror whether it is alive; without one, mirrors are tried on network errors
    only, in order, with the request itself.
    """

    def __init__(
        self,
        api: str,
        base_urls: Sequence[str],
        *,
        settings: HttpSettings = _DEFAULT_SETTINGS,
        cache: HttpCache | None = None,
        cache_allow: frozenset[str] = frozenset(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        expected_api_version: str | None = None,
        error_parser: ErrorParser = parse_error_body,
        cache_namespace: str | None = None,
        mirror_probe: MirrorProbe | None = None,
    ) -> None:
        if not base_urls:
            raise ValueError(f"{api}: no base URL given")
        self.api = api
        self.settings = settings
        self._base_urls = tuple(url.rstrip("/") for url in base_urls)
        self._active = self._base_urls[0]
        self._cache = cache
        self._namespace = cache_namespace or api
        self._cache_allow = frozenset(entry.lstrip("/") for entry in cache_allow)
        self._sleep = sleep
        self._clock = clock
        self._expected_version = _major_minor(expected_api_version or "")
        self._error_parser = error_parser
        self._probe = mirror_probe
        self._mirror_loaded = cache is None
        self._version_warned = False
        self._server_version: str | None = None
        self._transport = transport
        self._pool: httpx.AsyncClient | None = None
        self._pool_lock = asyncio.Lock()

    async def _client(self) -> httpx.AsyncClient:
        """The connection pool, made on first use in a worker thread: importing httpx and
        loading the TLS trust store take ~120 ms, which would otherwise hold up the event loop
        (and the first paint of a screen that starts from the cache)."""
        async with self._pool_lock:
            if self._pool is None:
                self._pool = await asyncio.to_thread(self._make_pool)
        return self._pool

    def _make_pool(self) -> httpx.AsyncClient:
        import httpx

        return httpx.AsyncClient(
            transport=self._transport,
            timeout=self._timeout(None),
            headers={"User-Agent": self.settings.user_agent},
            follow_redirects=True,
        )

    @property
    def active_base_url(self) -> str:
        """The base URL tried first: the configured one, or the mirror that last answered."""
        return self._active

    @property
    def server_api_version(self) -> str | None:
        """The `API-Version` header of the last answer that had one."""
        return self._server_version

    async def get_json(
        self,
        path: str,
        params: Params | None = None,
        *,
        cacheable: bool = False,
        cache_only: bool = False,
        timeout: float | None = None,
        headers: Headers | None = None,
    ) -> Fetched[Any]:
        """GET `path` (relative to the base URL, or absolute) and parse the JSON body.

        With `cacheable` (and `path` in the allow-list) a success is written to the cache.
        With `cache_only` the cache answers or `NotCachedError` is raised, without network.
        A failed network read never falls back to the cache by itself: callers show the cached
        answer first (`cache_only`), then refresh, and know which one they are showing.
        """
        return await self._get(
            path,
            params,
            cacheable=cacheable,
            cache_only=cache_only,
            timeout=timeout,
            headers=headers,
            decode=self._decode_json,
        )

    async def get_bytes(
        self,
        path_or_absolute_url: str,
        *,
        params: Params | None = None,
        cacheable: bool = False,
        cache_only: bool = False,
        timeout: float | None = None,
        headers: Headers | None = None,
    ) -> Fetched[bytes]:
        """GET a binary body (a poster, a .torrent file, an RSS feed) with the same rules."""
        return await self._get(
            path_or_absolute_url,
            params,
            cacheable=cacheable,
            cache_only=cache_only,
            timeout=timeout,
            headers=headers,
            decode=bytes,
        )

    async def request_json(
        self,
        method: str,
        path_or_absolute_url: str,
        *,
        params: Params | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Headers | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Send a request and parse the JSON answer (None for an empty body); never cached.

        The body is `data` as a form, or `json` (any JSON value, arrays included) as JSON.

        PUT, POST and DELETE change state on the server, so they are repeated (on the same or
        the next mirror) only after a failure to connect, when nothing can have been sent.
        """
        method = method.upper()
        response = await self._send(
            method,
            path_or_absolute_url,
            params=params,
            payload=_Payload(data=data, json=json, headers=headers),
            timeout=timeout,
            idempotent=method in ("GET", "HEAD"),
        )
        if not response.content.strip():
            return None
        return self._decode_json(response.content)

    async def aclose(self) -> None:
        """Close the connection pool (the cache belongs to whoever created it)."""
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None

    # -- reads -------------------------------------------------------------------------------

    async def _get(
        self,
        target: str,
        params: Params | None,
        *,
        cacheable: bool,
        cache_only: bool,
        timeout: float | None,
        headers: Headers | None,
        decode: Callable[[bytes], T],
    ) -> Fetched[T]:
        personal = any(name.lower() == "authorization" for name in headers or {})
        use_cache = self._may_cache(target, cacheable) and not personal
        key = self._cache_key(target, params)
        if cache_only:
            if self._cache is None:
                raise NotCachedError(f"{self.api}: there is no response cache", api=self.api)
            if not use_cache:
                raise NotCachedError(f"{self.api}: this read is never cached", api=self.api)
            hit = await self._cache.get(key)
            if hit is None:
                raise NotCachedError(f"{self.api}: nothing cached for this yet", api=self.api)
            return Fetched(decode(hit.body), hit.fetched_at, from_cache=True)
        response = await self._send(
            "GET",
            target,
            params=params,
            payload=_Payload(headers=headers) if headers else _NO_PAYLOAD,
            timeout=timeout,
            idempotent=True,
        )
        body = response.content
        value = decode(body)  # before caching: a body the parser refuses is never stored
        fetched_at = self._clock()
        if self._cache is not None and use_cache:
            await self._cache.put(key, body, fetched_at)
        return Fetched(value, fetched_at, from_cache=False)

    def _may_cache(self, target: str, cacheable: bool) -> bool:
        if not cacheable:
            return False
        path = urlsplit(target).path.lstrip("/")
        return any(
            entry in ("", path) or (entry.endswith("/") and path.startswith(entry))
            for entry in self._cache_allow
        )

    def _cache_key(self, target: str, params: Params | None) -> str:
        split = urlsplit(target)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        pairs += list(_query_pairs(params))
        if split.scheme:
            where = f"{split.scheme}://{split.netloc}{split.path}"
        else:
            # Relative reads are keyed without the host, so a mirror's answer serves them too.
            where = "/" + split.path.lstrip("/")
        return redact(f"{self._namespace} GET {where}?{urlencode(sorted(pairs))}")

    def _decode_json(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadResponseError(
                f"{self.api}: the server answered with something that is not JSON", api=self.api
            ) from None

    # -- sending -----------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        target: str,
        *,
        params: Params | None,
        payload: _Payload,
        timeout: float | None,
        idempotent: bool,
    ) -> httpx.Response:
        """Send with retries; returns a 2xx response or raises a `SourceError`."""
        await self._load_mirror()
        query = _query_pairs(params)
        attempt = 0
        while True:
            try:
                response = await self._send_once(
                    method, target, query, payload, timeout, idempotent=idempotent
                )
            except _Unreachable as failure:
                if (
                    attempt >= self.settings.retries
                    or not (idempotent or failure.before_send)
                    or (failure.retry_after or 0.0) > self.settings.max_retry_after
                ):
                    raise failure.error from None
                delay = failure.retry_after
                if delay is None:
                    delay = self._backoff(attempt)
                why = failure.error.reason
            else:
                if response.is_success:
                    return response
                error_body = self._error_parser(response.status_code, _json_or_none(response))
                retry_after = error_body.retry_after
                if retry_after is None:
                    retry_after = _retry_after_header(response, self._clock())
                error = api_error_for(
                    api=self.api,
                    status=response.status_code,
                    code=error_body.code,
                    message=error_body.message,
                    retry_after=retry_after,
                )
                if (
                    not (idempotent and error_body.retryable)
                    or attempt >= self.settings.retries
                    or (retry_after is not None and retry_after > self.settings.max_retry_after)
                ):
                    raise error
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                why = str(error)
            attempt += 1
            _log.info(
                "%s %s: retry %d of %d in %.2f s (%s)",
                method,
                redact(target),
                attempt,
                self.settings.retries,
                delay,
                why,
            )
            await self._sleep(delay)

    async def _send_once(
        self,
        method: str,
        target: str,
        query: tuple[tuple[str, str], ...],
        payload: _Payload,
        timeout: float | None,
        *,
        idempotent: bool,
    ) -> httpx.Response:
        """One attempt over the active base URL, then the mirrors; raises `_Unreachable`."""
        request = _Request(method, target, query, payload, timeout)
        if urlsplit(target).scheme:
            return await self._attempt(None, request)
        if self._probe is not None and len(self._base_urls) > 1:
            return await self._send_probing(request, self._probe, idempotent=idempotent)
        bases = (self._active, *(b for b in self._base_urls if b != self._active))
        first_failure: _Unreachable | None = None
        for base in bases:
            try:
                response = await self._attempt(base, request)
            except _Unreachable as failure:
                if not (idempotent or failure.before_send):
                    # The server may have acted on it: never repeat it on another mirror.
                    raise
                first_failure = first_failure or failure
                continue
            if base != self._active:
                await self._remember(base)
            return response
        assert first_failure is not None
        raise self._all_down(first_failure, bases)

    async def _send_probing(
        self, request: _Request, probe: MirrorProbe, *, idempotent: bool
    ) -> httpx.Response:
        """The active base URL; when it is down, the first mirror in order that the probe finds
        alive (remembered), else `_Unreachable` naming every host asked."""
        active = self._active
        try:
            response = await self._attempt(active, request)
        except _Unreachable as failure:
            if not (idempotent or failure.before_send):
                raise
            down = failure
        else:
            if not self._answered_down(response, idempotent=idempotent):
                return response
            down = self._down_answer(active, response)
        others = tuple(b for b in self._base_urls if b != active)
        live = await self._first_alive(others, probe)
        if live is None:
            raise self._all_down(down, (active, *others))
        response = await self._attempt(live, request)
        await self._remember(live)
        return response

    async def _attempt(self, base: str | None, request: _Request) -> httpx.Response:
        """`request` sent once to `base` (None: the target is a whole URL); raises
        `_Unreachable` when no answer came."""
        client = await self._client()  # first use imports httpx, off the event loop
        import httpx

        url = request.target if base is None else f"{base}/{request.target.lstrip('/')}"
        started = time.monotonic()
        try:
            # httpx's `params=` would replace a query already in `target` (download.php?id=).
            full_url = httpx.URL(url).copy_merge_params(request.query) if request.query else url
            response = await client.request(
                request.method,
                full_url,
                data=request.payload.data,
                json=request.payload.json,
                headers=request.payload.headers,
                timeout=self._timeout(request.timeout),
            )
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            failure = self._unreachable(url, exc, request.timeout)
            _log.debug("%s %s failed: %s", request.method, redact(url), failure.error.reason)
            raise failure from None
        _log.debug(
            "%s %s -> %d in %.0f ms",
            request.method,
            redact(str(response.request.url)),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        self._check_version(response)
        return response

    @staticmethod
    def _answered_down(response: httpx.Response, *, idempotent: bool) -> bool:
        """Whether an answer means "this mirror is down": a 5xx, for a read; for a request that
        changes state only a CDN's word that the API never got it."""
        status = response.status_code
        return status in ORIGIN_DOWN_STATUSES or (idempotent and status >= 500)

    def _down_answer(self, base: str, response: httpx.Response) -> _Unreachable:
        error_body = self._error_parser(response.status_code, _json_or_none(response))
        retry_after = error_body.retry_after
        if retry_after is None:
            retry_after = _retry_after_header(response, self._clock())
        reason = f"HTTP {response.status_code}"
        if error_body.message != reason:
            reason += f" ({error_body.message})"
        error = NetworkError(api=self.api, url_host=_host_of(base), reason=reason)
        return _Unreachable(error, before_send=True, retry_after=retry_after)

    async def _first_alive(self, bases: Sequence[str], probe: MirrorProbe) -> str | None:
        """The first of `bases`, in order, that the probe finds alive. All are asked at once
        (a dead mirror may take the whole timeout), but a later one wins only when every one
        before it is down."""
        probes = [asyncio.ensure_future(self._is_alive(base, probe)) for base in bases]
        try:
            for base, alive in zip(bases, probes, strict=True):
                if await alive:
                    return base
            return None
        finally:
            for pending in probes:
                pending.cancel()

    async def _is_alive(self, base: str, probe: MirrorProbe) -> bool:
        try:
            response = await self._attempt(base, _Request("GET", probe.path, (), _NO_PAYLOAD))
        except _Unreachable:
            return False
        alive = response.is_success and probe.is_alive(_json_or_none(response))
        _log.info("%s: %s is %s", self.api, redact(base), "alive" if alive else "down")
        return alive

    def _all_down(self, first: _Unreachable, bases: Sequence[str]) -> _Unreachable:
        """`first`'s failure (the active base URL's), naming every host that was asked."""
        error = NetworkError(
            api=self.api,
            url_host=first.error.url_host,
            reason=first.error.reason,
            tried=[_host_of(base) for base in bases],
        )
        return _Unreachable(error, before_send=first.before_send, retry_after=first.retry_after)

    def _unreachable(
        self, url: str, exc: httpx.TransportError | httpx.InvalidURL, timeout: float | None
    ) -> _Unreachable:
        import httpx

        read_timeout = self.settings.timeout if timeout is None else timeout
        connect_timeout = min(self.settings.connect_timeout, read_timeout)
        before_send = True
        if isinstance(exc, httpx.ConnectTimeout):
            reason = f"timed out after {connect_timeout:g} s while connecting"
        elif isinstance(exc, httpx.PoolTimeout):
            reason = f"timed out after {read_timeout:g} s waiting for a free connection"
        elif isinstance(exc, httpx.TimeoutException):
            reason, before_send = f"timed out after {read_timeout:g} s", False
        elif isinstance(exc, httpx.ConnectError):
            reason = _connect_reason(exc)
        elif isinstance(exc, httpx.ProxyError):
            reason = "the proxy failed"
        elif isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            reason = "not a valid http(s) URL"
        else:
            reason, before_send = "the connection was lost", False
        error = NetworkError(api=self.api, url_host=_host_of(url), reason=reason)
        return _Unreachable(error, before_send=before_send)

    def _timeout(self, timeout: float | None) -> httpx.Timeout:
        import httpx

        read = self.settings.timeout if timeout is None else timeout
        return httpx.Timeout(read, connect=min(self.settings.connect_timeout, read))

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff * 2.0**attempt
        return base * (1 + self.settings.jitter * random.random())

    # -- mirrors and version -----------------------------------------------------------------

    async def _load_mirror(self) -> None:
        if self._mirror_loaded or self._cache is None:
            return
        self._mirror_loaded = True
        stored = await self._cache.get_mirror(self._namespace)
        # A mirror that is no longer configured (the user changed the URL) is ignored.
        if stored is not None and stored in self._base_urls:
            self._active = stored

    async def _remember(self, base: str) -> None:
        _log.info("%s: %s did not answer; using %s", self.api, redact(self._active), redact(base))
        self._active = base
        if self._cache is not None:
            await self._cache.set_mirror(self._namespace, base)

    def _check_version(self, response: httpx.Response) -> None:
        header = response.headers.get("API-Version")
        if not header:
            return
        self._server_version = header.strip()
        if self._version_warned or self._expected_version is None:
            return
        if _major_minor(header) != self._expected_version:
            self._version_warned = True
            _log.warning(
                "%s answers with API version %s; anitui was written for %d.%d",
                self.api,
                redact(self._server_version),
                *self._expected_version,
            )


# --------------------------------------------------------------------------------------------
# Helpers


def _host_of(url: str) -> str:
    """The host (and port, when there is one) a URL names, as errors show it."""
    split = urlsplit(url)
    host = split.hostname or url
    return host if split.port is None else f"{host}:{split.port}"


def _query_pairs(params: Params | None) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, str | int):
            pairs.append((key, str(value)))
        else:
            pairs += [(key, str(item)) for item in value]
    return tuple(pairs)


def _major_minor(version: str) -> tuple[int, int] | None:
    match = re.match(r"\s*v?(\d+)\.(\d+)", version)
    return None if match is None else (int(match.group(1)), int(match.group(2)))


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _retry_after_header(response: httpx.Response, now: float) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    seconds = _seconds(value.strip())
    if seconds is not None:
        return seconds
    # Here, not at the top: the email package is a few ms of every start for a rare header.
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and everything it was raised from (anyio wraps a refusal in "All connection
    attempts failed"), exception groups included."""
    seen: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        pending += [c for c in (current.__cause__, current.__context__) if c is not None]
        if isinstance(current, BaseExceptionGroup):
            pending += list(current.exceptions)
    return seen


def _connect_reason(exc: BaseException) -> str:
    causes = _causes(exc)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if any(isinstance(c, socket.gaierror) for c in causes):
        return "name not resolved"
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
        return "TLS certificate not accepted"
    if any(getattr(c, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH) for c in causes):
        return "network unreachable"
    text = " ".join(str(c) for c in causes).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "name resolution" in text:
        return "name not resolved"
    return "connection failed"


def _reason_phrase(status: int) -> str:
    import httpx

    return httpx.codes.get_reason_phrase(status) or f"HTTP {status}"

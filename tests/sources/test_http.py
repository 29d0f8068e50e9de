"""The shared HTTP layer: redaction, error mapping, retries, mirrors, cache, version check.

Most cases use httpx.MockTransport to produce answers a real server rarely gives on demand (an
HTTP-date Retry-After, a read timeout on a POST); the client tests cover the same paths over
real HTTP against the devserver.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.sources.cache import HttpCache
from app.sources.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    BadResponseError,
    LoginFailedError,
    NetworkError,
    NotCachedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnknownParametersError,
    api_error_for,
)
from app.sources.http import (
    ApiHttp,
    ErrorBody,
    HttpSettings,
    parse_error_body,
)
from app.sources.redaction import redact, register_secret
from tests.sources.conftest import NOW, Sleeps, clock

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a script and records every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def hosts(self) -> list[str]:
        return [r.url.host for r in self.requests]


def ok(body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


def error(
    status: int, code: int | None = None, message: str = "x", headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"error": {"code": code or status, "message": message}}
    return httpx.Response(status, json=body, headers=headers)


def make(
    recorder: Recorder,
    sleeps: Sleeps,
    settings: HttpSettings,
    *,
    base_urls: tuple[str, ...] = ("https://api.test/v2",),
    cache: HttpCache | None = None,
    cache_allow: frozenset[str] = frozenset({"getTitle"}),
    **kwargs: Any,
) -> ApiHttp:
    return ApiHttp(
        "AniLibria",
        base_urls,
        settings=settings,
        cache=cache,
        cache_allow=cache_allow,
        sleep=sleeps,
        clock=clock,
        transport=httpx.MockTransport(recorder),
        **kwargs,
    )


# -- redaction ---------------------------------------------------------------------------------


def test_redact_masks_secret_query_parameters_only() -> None:
    text = "GET /v2/getFavorites?session=abc123&title_id=5&monkey=1&api_key=zz&passkey=pk&token=t"
    assert redact(text) == (
        "GET /v2/getFavorites?session=***&title_id=5&monkey=1&api_key=***&passkey=***&token=***"
    )
    assert redact("announce?ssid=s1&key=k1") == "announce?ssid=***&key=***"
    assert (
        redact("/public/torrent/download.php?id=10725") == "/public/torrent/download.php?id=10725"
    )


def test_redact_masks_json_ish_session_ids() -> None:
    assert redact('{"sessionId": "s3cr3t", "mes": "ok"}') == '{"sessionId": "***", "mes": "ok"}'
    assert redact("{'sessionId': 'abc'}") == "{'sessionId': '***'}"
    assert redact('{"sessionId":"a\\"b"}') == '{"sessionId":"***"}'


def test_registered_secrets_are_masked_raw_and_url_encoded() -> None:
    register_secret("tr@cker pass/1")
    assert redact("a tr@cker pass/1 b") == "a *** b"
    assert redact("http://t/announce/tr%40cker%20pass%2F1") == "http://t/announce/***"
    register_secret("ab")  # too short: would garble ordinary text
    assert redact("abba") == "abba"


def test_errors_redact_their_messages() -> None:
    register_secret("leaky-session-0001")
    err = ApiError(api="AniLibria", code=401, message="bad session leaky-session-0001", status=401)
    assert "leaky-session-0001" not in str(err) and "leaky-session-0001" not in err.message
    failed = LoginFailedError(api="AniLibria", message="?session=abcdef")
    assert str(failed) == "AniLibria login failed: ?session=***"


async def test_httpx_own_log_lines_are_redacted(
    sleeps: Sleeps, fast: HttpSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(error(404, message="Title not found"))
    http = make(recorder, sleeps, fast)
    with pytest.raises(NotFoundError):
        await http.get_json("getFavorites", {"session": "log-me-not-123"})
    await http.aclose()

    assert "HTTP Request" in caplog.text  # httpx did log the request ...
    assert "log-me-not-123" not in caplog.text  # ... without the session


# -- error mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (404, 404, NotFoundError),
        (400, 400, BadRequestError),
        (412, 412, UnknownParametersError),
        (401, 401, AuthError),
        (403, 403, AuthError),
        (500, 503, ServerError),
        (500, 500, ServerError),
        (429, 429, RateLimitedError),
        (418, 418, ApiError),
    ],
)
def test_api_error_for(status: int, code: int, kind: type[ApiError]) -> None:
    err = api_error_for(api="AniLibria", status=status, code=code, message="m")
    assert type(err) is kind
    assert (err.status, err.code, err.message, err.api) == (status, code, "m", "AniLibria")
    assert str(err) == f"AniLibria error {code}: m"


def test_parse_error_body_shapes() -> None:
    assert parse_error_body(500, {"error": {"code": 503, "message": "down"}}) == ErrorBody(
        503, "down", None, retryable=True
    )
    assert parse_error_body(404, {"error": {"code": 404, "message": 'Title "x" not found!'}}) == (
        ErrorBody(404, 'Title "x" not found!', None, retryable=False)
    )
    nekobt = parse_error_body(429, {"error": True, "message": "Slow down", "retry_after": 11.82})
    assert nekobt == ErrorBody(429, "Slow down", 11.82, retryable=True)
    torrent_api = parse_error_body(
        500, {"error": "API_KEY_UNKNOWN", "message": "API Key is unknown"}
    )
    assert torrent_api == ErrorBody(500, "API Key is unknown", None, retryable=False)
    assert parse_error_body(502, None) == ErrorBody(502, "Bad Gateway", None, retryable=True)
    assert parse_error_body(500, {"error": {"code": "nope"}}).code == 500


# -- retries -----------------------------------------------------------------------------------


async def test_5xx_with_the_real_code_in_the_body_is_retried_with_backoff(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(error(500, 503), error(500, 503), ok({"id": 1}))
    http = make(recorder, sleeps, fast)

    fetched = await http.get_json("getTitle", {"id": 1})

    assert fetched.value == {"id": 1} and not fetched.from_cache and fetched.fetched_at == NOW
    assert sleeps == [0.5, 1.0]
    assert len(recorder.requests) == 3


async def test_retries_run_out_into_server_error(sleeps: Sleeps, fast: HttpSettings) -> None:
    recorder = Recorder(error(500, 503, "Service Unavailable"))
    http = make(recorder, sleeps, fast)

    with pytest.raises(ServerError) as caught:
        await http.get_json("getTitle", {"id": 1})

    assert (caught.value.code, caught.value.status) == (503, 500)
    assert caught.value.message == "Service Unavailable"
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(recorder.requests) == 4


async def test_jitter_only_lengthens_the_backoff(sleeps: Sleeps) -> None:
    settings = HttpSettings(retries=2, backoff=1.0, jitter=0.5)
    http = make(Recorder(error(502)), sleeps, settings)
    with pytest.raises(ServerError):
        await http.get_json("getTitle")
    assert 1.0 <= sleeps[0] <= 1.5 and 2.0 <= sleeps[1] <= 3.0


@pytest.mark.parametrize(
    ("status", "kind"),
    [(404, NotFoundError), (412, UnknownParametersError), (400, BadRequestError)],
)
async def test_4xx_with_the_api_code_is_not_retried(
    sleeps: Sleeps, fast: HttpSettings, status: int, kind: type[ApiError]
) -> None:
    recorder = Recorder(error(status))
    http = make(recorder, sleeps, fast)
    with pytest.raises(kind):
        await http.get_json("getTitle")
    assert sleeps == [] and len(recorder.requests) == 1


async def test_500_with_an_api_error_name_is_not_retried(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    body = {"error": "API_KEY_UNKNOWN", "message": "API Key is unknown"}
    recorder = Recorder(httpx.Response(500, json=body))
    http = make(recorder, sleeps, fast)
    with pytest.raises(ServerError, match="API Key is unknown"):
        await http.get_json("search")
    assert sleeps == []


async def test_429_honours_retry_after_seconds(sleeps: Sleeps, fast: HttpSettings) -> None:
    recorder = Recorder(error(429, headers={"Retry-After": "3"}), ok([]))
    http = make(recorder, sleeps, fast)
    await http.get_json("getTitle")
    assert sleeps == [3.0]


async def test_429_honours_retry_after_http_date(sleeps: Sleeps, fast: HttpSettings) -> None:
    when = email.utils.formatdate(NOW + 7, usegmt=True)
    recorder = Recorder(error(429, headers={"Retry-After": when}), ok([]))
    http = make(recorder, sleeps, fast)
    await http.get_json("getTitle")
    assert sleeps == [7.0]


async def test_429_honours_json_retry_after(sleeps: Sleeps, fast: HttpSettings) -> None:
    limited = httpx.Response(429, json={"error": True, "message": "slow", "retry_after": 1.25})
    http = make(Recorder(limited, ok([])), sleeps, fast)
    await http.get_json("getTitle")
    assert sleeps == [1.25]


async def test_429_retries_run_out_into_rate_limited(sleeps: Sleeps, fast: HttpSettings) -> None:
    http = make(Recorder(error(429, headers={"Retry-After": "2"})), sleeps, fast)
    with pytest.raises(RateLimitedError) as caught:
        await http.get_json("getTitle")
    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0, 2.0]


async def test_a_wait_longer_than_the_maximum_gives_up_at_once(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(error(429, headers={"Retry-After": "3600"}))
    http = make(recorder, sleeps, fast)
    with pytest.raises(RateLimitedError) as caught:
        await http.get_json("getTitle")
    assert caught.value.retry_after == 3600.0
    assert sleeps == [] and len(recorder.requests) == 1


async def test_connect_errors_are_retried_then_reported(sleeps: Sleeps, fast: HttpSettings) -> None:
    recorder = Recorder(httpx.ConnectError("[Errno 111] Connection refused"))
    http = make(recorder, sleeps, fast)
    with pytest.raises(NetworkError) as caught:
        await http.get_json("getTitle")
    assert caught.value.reason == "connection refused"
    assert caught.value.url_host == "api.test"
    assert str(caught.value) == "AniLibria: could not reach api.test: connection refused"
    assert sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (httpx.ReadTimeout("timed out"), "timed out after 2 s"),
        (httpx.ConnectTimeout("timed out"), "timed out after 1 s while connecting"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "name not resolved"),
        (httpx.RemoteProtocolError("Server disconnected"), "the connection was lost"),
    ],
)
async def test_network_reasons(sleeps: Sleeps, exc: Exception, reason: str) -> None:
    settings = HttpSettings(timeout=2.0, connect_timeout=1.0, retries=0)
    http = make(Recorder(exc), sleeps, settings)
    with pytest.raises(NetworkError) as caught:
        await http.get_json("getTitle")
    assert caught.value.reason == reason


async def test_per_call_timeout_is_reported(sleeps: Sleeps, fast: HttpSettings) -> None:
    http = make(Recorder(httpx.ReadTimeout("t")), sleeps, HttpSettings(retries=0))
    with pytest.raises(NetworkError, match=r"timed out after 0\.25 s"):
        await http.get_json("getTitle", timeout=0.25)


async def test_non_idempotent_requests_are_not_repeated_after_sending(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(httpx.ReadTimeout("t"))
    http = make(recorder, sleeps, fast, base_urls=("https://a.test/v2", "https://b.test/v2"))
    with pytest.raises(NetworkError):
        await http.request_json("PUT", "addFavorite", params={"title_id": 1})
    assert recorder.hosts == ["a.test"] and sleeps == []


async def test_non_idempotent_requests_retry_connect_errors(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(httpx.ConnectError("Connection refused"), ok({"success": True}))
    http = make(recorder, sleeps, fast)
    assert await http.request_json("DELETE", "delFavorite") == {"success": True}
    assert sleeps == [0.5] and [r.method for r in recorder.requests] == ["DELETE", "DELETE"]


async def test_non_idempotent_errors_are_not_retried(sleeps: Sleeps, fast: HttpSettings) -> None:
    recorder = Recorder(error(500, 503))
    http = make(recorder, sleeps, fast)
    with pytest.raises(ServerError):
        await http.request_json("POST", "https://site.test/public/login.php", data={"mail": "m"})
    assert sleeps == [] and len(recorder.requests) == 1


async def test_request_json_sends_form_data_and_reads_empty_bodies(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(httpx.Response(204))
    http = make(recorder, sleeps, fast)
    assert await http.request_json("post", "login", data={"mail": "a@b", "passwd": "p w"}) is None
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.content == b"mail=a%40b&passwd=p+w"


# -- bodies ------------------------------------------------------------------------------------


async def test_a_body_that_is_not_json_is_a_bad_response_and_not_cached(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    recorder = Recorder(httpx.Response(200, text="<html>captive portal</html>"))
    http = make(recorder, sleeps, fast, cache=cache)
    with pytest.raises(BadResponseError, match="not JSON"):
        await http.get_json("getTitle", {"id": 1}, cacheable=True)
    with pytest.raises(NotCachedError):
        await http.get_json("getTitle", {"id": 1}, cacheable=True, cache_only=True)


async def test_none_params_are_not_sent(sleeps: Sleeps, fast: HttpSettings) -> None:
    recorder = Recorder(ok({}))
    http = make(recorder, sleeps, fast)
    await http.get_json("getTitle", {"id": 5, "code": None, "filter": "id,names"})
    assert dict(recorder.requests[0].url.params) == {"id": "5", "filter": "id,names"}
    assert recorder.requests[0].url.path == "/v2/getTitle"
    assert recorder.requests[0].headers["User-Agent"].startswith("anitui/")


# -- cache -------------------------------------------------------------------------------------


async def test_cacheable_reads_are_served_cache_only(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    recorder = Recorder(ok({"id": 1, "names": {"ru": "Фрирен"}}))
    http = make(recorder, sleeps, fast, cache=cache)
    await http.get_json("getTitle", {"id": 1, "filter": "id,names"}, cacheable=True)

    # Same parameters in another order, asked of another ApiHttp sharing the cache file.
    offline = make(Recorder(httpx.ConnectError("refused")), sleeps, fast, cache=cache)
    fetched = await offline.get_json(
        "getTitle", {"filter": "id,names", "id": 1}, cache_only=True, cacheable=True
    )

    assert fetched.value == {"id": 1, "names": {"ru": "Фрирен"}}
    assert fetched.from_cache and fetched.fetched_at == NOW


async def test_a_read_with_an_authorization_header_is_never_cached(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    recorder = Recorder(ok({"id": 1}))
    http = make(recorder, sleeps, fast, cache=cache)
    headers = {"Authorization": "Bearer personal-token"}
    await http.get_json("getTitle", {"id": 1}, cacheable=True, headers=headers)
    assert recorder.requests[0].headers["Authorization"] == "Bearer personal-token"
    with pytest.raises(NotCachedError):
        await http.get_json("getTitle", {"id": 1}, cacheable=True, cache_only=True)


async def test_json_bodies_headers_and_repeated_query_keys_are_sent(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(ok([1]))
    http = make(recorder, sleeps, fast)
    answer = await http.request_json(
        "DELETE",
        "favorites",
        params={"f[types][]": ["TV", "WEB"], "page": 1},
        json=[{"release_id": 1}],
        headers={"X-Test": "yes"},
    )
    assert answer == [1]
    request = recorder.requests[0]
    assert request.url.query == b"f%5Btypes%5D%5B%5D=TV&f%5Btypes%5D%5B%5D=WEB&page=1"
    assert request.content == b'[{"release_id":1}]'
    assert request.headers["X-Test"] == "yes"


async def test_cache_only_never_touches_the_network(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    recorder = Recorder(ok({}))
    http = make(recorder, sleeps, fast, cache=cache)
    with pytest.raises(NotCachedError):
        await http.get_json("getTitle", {"id": 2}, cacheable=True, cache_only=True)
    with pytest.raises(NotCachedError, match="never cached"):
        await http.get_json("getRandomTitle", cacheable=True, cache_only=True)  # not allow-listed
    with pytest.raises(NotCachedError, match="never cached"):
        await http.get_json("getTitle", {"id": 2}, cache_only=True)  # the caller said no
    assert recorder.requests == []


async def test_reads_outside_the_allow_list_are_never_written(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    http = make(Recorder(ok({"id": 3})), sleeps, fast, cache=cache)
    await http.get_json("getRandomTitle", cacheable=True)
    await http.get_json("getTitle", {"id": 3})  # allow-listed, but not asked to cache
    with pytest.raises(NotCachedError):
        await http.get_json("getTitle", {"id": 3}, cacheable=True, cache_only=True)


async def test_without_a_cache_cache_only_reads_raise(sleeps: Sleeps, fast: HttpSettings) -> None:
    http = make(Recorder(ok({})), sleeps, fast)
    await http.get_json("getTitle", cacheable=True)
    with pytest.raises(NotCachedError):
        await http.get_json("getTitle", cacheable=True, cache_only=True)


async def test_bytes_under_an_allowed_prefix_are_cached(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    recorder = Recorder(httpx.Response(200, content=b"\x89PNG..."))
    http = make(recorder, sleeps, fast, cache=cache, cache_allow=frozenset({"/storage/"}))
    url = "https://static.test/storage/releases/posters/1/a.jpg"
    await http.get_bytes(url, cacheable=True)
    await http.get_bytes("/public/torrent/download.php?id=1", cacheable=True)

    cached = await http.get_bytes(url, cacheable=True, cache_only=True)
    assert cached.value == b"\x89PNG..." and cached.from_cache
    with pytest.raises(NotCachedError):
        await http.get_bytes("/public/torrent/download.php?id=1", cacheable=True, cache_only=True)
    assert str(recorder.requests[1].url) == "https://api.test/v2/public/torrent/download.php?id=1"


async def test_cache_keys_are_redacted(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    http = make(Recorder(ok([])), sleeps, fast, cache=cache)
    await http.get_json("getTitle", {"session": "keyed-secret-42"}, cacheable=True)
    cache.close()
    assert b"keyed-secret-42" not in b"".join(p.read_bytes() for p in cache.path.parent.iterdir())


async def test_a_damaged_cache_file_is_moved_aside(
    sleeps: Sleeps, fast: HttpSettings, tmp_path: Path
) -> None:
    path = tmp_path / "http.sqlite"
    path.write_bytes(b"this is not a database, just junk" * 100)
    http = make(Recorder(ok({"id": 1})), sleeps, fast, cache=HttpCache(path))
    await http.get_json("getTitle", cacheable=True)
    assert (await http.get_json("getTitle", cacheable=True, cache_only=True)).from_cache
    assert (tmp_path / "http.sqlite.broken").exists()


@pytest.mark.parametrize("blocker", ["directory", "file"])
async def test_an_unusable_cache_path_only_costs_the_cache(
    sleeps: Sleeps,
    fast: HttpSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    blocker: str,
) -> None:
    # CI runs as root, so permissions cannot make the path unusable: block it instead.
    if blocker == "directory":
        (tmp_path / "http.sqlite").mkdir()
        path = tmp_path / "http.sqlite"
    else:
        (tmp_path / "cache").write_text("a file where the cache dir should be")
        path = tmp_path / "cache" / "http.sqlite"
    http = make(Recorder(ok({"id": 1})), sleeps, fast, cache=HttpCache(path))
    for _ in range(3):
        assert (await http.get_json("getTitle", cacheable=True)).value == {"id": 1}
    with pytest.raises(NotCachedError):
        await http.get_json("getTitle", cacheable=True, cache_only=True)
    warnings = [r for r in caplog.records if "response cache" in r.getMessage()]
    assert len(warnings) == 1


# -- mirrors -----------------------------------------------------------------------------------


async def test_mirrors_are_tried_in_order_and_the_answering_one_remembered(
    sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    def by_host(request: httpx.Request) -> httpx.Response:
        if request.url.host in ("a.test", "b.test"):
            raise httpx.ConnectError("Connection refused")
        return ok({"host": request.url.host})

    bases = ("https://a.test/v2", "https://b.test/v2", "https://c.test/v2")
    recorder = Recorder(by_host)
    http = make(recorder, sleeps, fast, base_urls=bases, cache=cache)

    assert (await http.get_json("getTitle")).value == {"host": "c.test"}
    assert recorder.hosts == ["a.test", "b.test", "c.test"]
    assert http.active_base_url == "https://c.test/v2"
    assert sleeps == []  # a mirror answering is no failure to back off from

    await http.get_json("getTitle")
    assert recorder.hosts[3:] == ["c.test"]

    # A new client (next start) reads the remembered mirror from the cache db.
    again = Recorder(by_host)
    restarted = make(again, sleeps, fast, base_urls=bases, cache=cache)
    await restarted.get_json("getTitle")
    assert again.hosts == ["c.test"]
    assert restarted.active_base_url == "https://c.test/v2"

    # A remembered mirror that is no longer configured is ignored.
    fresh = Recorder(ok({}))
    other = make(fresh, sleeps, fast, base_urls=("https://a.test/v2",), cache=cache)
    await other.get_json("getTitle")
    assert fresh.hosts == ["a.test"]


async def test_all_mirrors_down_reports_the_configured_url(
    sleeps: Sleeps, fast: HttpSettings
) -> None:
    recorder = Recorder(httpx.ConnectError("Connection refused"))
    http = make(recorder, sleeps, fast, base_urls=("https://a.test/v2", "https://b.test/v2"))
    with pytest.raises(NetworkError) as caught:
        await http.get_json("getTitle")
    assert caught.value.url_host == "a.test"
    assert caught.value.tried == ("a.test", "b.test")
    assert recorder.hosts == ["a.test", "b.test"] * 4
    assert http.active_base_url == "https://a.test/v2"


# -- API version -------------------------------------------------------------------------------


async def test_another_api_version_is_logged_once(
    sleeps: Sleeps, fast: HttpSettings, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(ok({}, **{"API-Version": "2.14.0"}))
    http = make(recorder, sleeps, fast, expected_api_version="2.13")
    for _ in range(3):
        await http.get_json("getTitle")
    warnings = [r for r in caplog.records if r.name == "anitui.http" and "API version" in r.message]
    assert len(warnings) == 1 and "2.14.0" in warnings[0].message
    assert http.server_api_version == "2.14.0"


async def test_a_patch_version_difference_is_fine(
    sleeps: Sleeps, fast: HttpSettings, caplog: pytest.LogCaptureFixture
) -> None:
    http = make(
        Recorder(ok({}, **{"API-Version": "2.13.99"})), sleeps, fast, expected_api_version="2.13"
    )
    await http.get_json("getTitle")
    assert "API version" not in caplog.text


def test_needs_a_base_url() -> None:
    with pytest.raises(ValueError):
        ApiHttp("AniLibria", [])

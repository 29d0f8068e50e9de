"""The exception tree every API client raises.

Callers catch these, never `httpx` exceptions::

    SourceError                   base; str(e) is a short, user-safe, redacted message; .api
    ├── NetworkError              the server could not be reached: .url_host, .reason, .tried
    ├── ApiError                  the API answered with an error: .code, .message, .status
    │   ├── NotFoundError         404
    │   ├── PathNotFoundError     404 at a configurable request path: .path, .setting to check
    │   ├── BadRequestError       400 (e.g. an advancedSearch query syntax error)
    │   ├── UnknownParametersError 412 (a parameter the API does not know)
    │   ├── AuthError             401 / 403 (session expired or invalid)
    │   ├── ServerError           5xx; .code is the real code from the body, not the HTTP status
    │   └── RateLimitedError      429 once retries ran out: .retry_after
    ├── BadResponseError          the body was not the shape the spec promises
    │   └── WrongApiVersionError  the server speaks another API version: .server_version
    ├── NotCachedError            a cache-only read found nothing
    ├── LoginFailedError          login answered without a session: .message, the server's text
    └── ApiV1OnlyError            asked AniLibria API v2 for what only AniLiberty API v1 does

Every message passes through `app.sources.redaction.redact` when the exception is built, so a
session id or API key can never reach a log line, a notification or a traceback through these
classes.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.sources.redaction import redact


class SourceError(Exception):
    """Base of every error an API client raises; `str(e)` is safe to show the user."""

    def __init__(self, message: str, *, api: str) -> None:
        super().__init__(redact(message))
        self.api = api


class NetworkError(SourceError):
    """The server could not be reached (refused, timed out, name not resolved, cut off).

    `url_host` is the configured (or remembered) server and `reason` what went wrong there;
    `tried` names every host asked, in order: that one and then each mirror.
    """

    def __init__(self, *, api: str, url_host: str, reason: str, tried: Sequence[str] = ()) -> None:
        self.url_host = url_host
        self.reason = redact(reason)
        self.tried = tuple(tried) or (url_host,)
        message = f"{api}: could not reach {url_host}: {self.reason}"
        if len(self.tried) > 1:
            message += f" (tried {', '.join(self.tried)})"
        super().__init__(message, api=api)


class ApiError(SourceError):
    """The API answered with an error; `message` is the API's own text (redacted)."""

    def __init__(self, *, api: str, code: int, message: str, status: int) -> None:
        self.code = code
        self.message = redact(message)
        self.status = status
        super().__init__(f"{api} error {code}: {self.message}", api=api)


class NotFoundError(ApiError):
    """404: the title (or other object) does not exist."""


class PathNotFoundError(ApiError):
    """404 at a request path the user configures: the server has no such method there.

    Not a `NotFoundError`: callers that read "no such object" as an empty answer must not hide
    it. `path` is the path asked, `setting` the configuration key that sets it
    ("[torrent_api] peers_path"). Never retried: asking the same path again cannot help.
    """

    def __init__(self, *, api: str, path: str, setting: str) -> None:
        self.path = path
        self.setting = setting
        super().__init__(api=api, code=404, message=f"no {path} here: check {setting}", status=404)


class BadRequestError(ApiError):
    """400: the request was malformed, e.g. an advancedSearch query with a syntax error."""


class UnknownParametersError(ApiError):
    """412: the API does not know one of the parameters sent."""


class AuthError(ApiError):
    """401 / 403: the session is missing, expired or invalid."""


class ServerError(ApiError):
    """5xx: the server failed; `code` is the real code from the body (AniLibria sends HTTP 500)."""


class RateLimitedError(ApiError):
    """429 after the retries ran out, or a requested wait longer than the configured maximum."""

    def __init__(
        self, *, api: str, code: int, message: str, status: int, retry_after: float | None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(api=api, code=code, message=message, status=status)


class BadResponseError(SourceError):
    """The server answered, but not with the JSON shape (or content type) the spec promises."""


API_VERSION_SETTING = "[anilibria] api_version"
"""The configuration key a user changes when the server speaks another API version."""


class WrongApiVersionError(BadResponseError):
    """The server at `url` does not speak the client's API version `expected` ("1", "2").

    `server_version` is the version it answered like instead, None when it answered like no API
    we know. Raised at once, never retried: waiting cannot fix the wrong server.
    """

    def __init__(self, *, api: str, url: str, expected: str, server_version: str | None) -> None:
        self.url = url
        self.expected = expected
        self.server_version = server_version
        if server_version is not None:
            message = (
                f"{api}: the server at {url} speaks API v{server_version}, not v{expected}; "
                f'set {API_VERSION_SETTING} = "v{server_version}"'
            )
        else:
            message = f"{api}: the server at {url} does not answer like API v{expected}"
        super().__init__(message, api=api)


class NotCachedError(SourceError):
    """A cache-only read had nothing cached (or the read is never cached)."""


class LoginFailedError(SourceError):
    """Login answered without a session id; `message` is the server's text verbatim."""

    def __init__(self, *, api: str, message: str) -> None:
        self.message = redact(message)
        super().__init__(f"{api} login failed: {self.message}", api=api)


class ApiV1OnlyError(SourceError):
    """The call needs something only AniLiberty API v1 offers (login by code, ...), and the
    configured server speaks AniLibria API v2; `feature` names it."""

    def __init__(self, *, api: str, feature: str) -> None:
        self.feature = feature
        super().__init__(
            f"{api}: {feature} is not available on API v2; it needs AniLiberty API v1", api=api
        )


def api_error_for(
    *, api: str, status: int, code: int, message: str, retry_after: float | None = None
) -> ApiError:
    """The `ApiError` subclass for an error `code` (the body's code, else the HTTP status)."""
    if code == 429:
        return RateLimitedError(
            api=api, code=code, message=message, status=status, retry_after=retry_after
        )
    kind: type[ApiError] = ApiError
    if code == 404:
        kind = NotFoundError
    elif code == 400:
        kind = BadRequestError
    elif code == 412:
        kind = UnknownParametersError
    elif code in (401, 403):
        kind = AuthError
    elif code >= 500:
        kind = ServerError
    return kind(api=api, code=code, message=message, status=status)

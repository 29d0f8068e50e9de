"""AniLiberty API v1's own errors, on top of the shared tree in `app.sources.errors`.

    BadRequestError ── ValidationError      422 `{errors: {field: [message, ...]}}`: .errors
    WrongApiVersionError ── ApiVersionError  the server does not speak v1 (v2, or not this API)
    SourceError ── ApiV2OnlyError           asked the v1 client for something only v2 could do

Other answers raise the shared classes: 401 / 403 `AuthError`, 404 `NotFoundError`, 429
`RateLimitedError` (after the waits), 5xx `ServerError`, a network failure `NetworkError`. Every
message keeps the server's own text and passes through the one redaction point.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.sources.errors import BadRequestError, SourceError, WrongApiVersionError

API = "AniLiberty"


class ValidationError(BadRequestError):
    """422: the server refused a parameter; `errors` maps each field to the server's messages.

    `message` (and `str(e)`) joins them as "field: message; field: message", verbatim.
    """

    def __init__(
        self, *, api: str, status: int, errors: Mapping[str, tuple[str, ...]], message: str
    ) -> None:
        self.errors = dict(errors)
        super().__init__(api=api, code=status, message=message, status=status)


class ApiVersionError(WrongApiVersionError):
    """The server at the configured URL does not speak AniLiberty API v1.

    `server_version` is "2" when it answered like AniLibria API v2 (its error shape or its
    `API-Version` header), None when it answered like nothing we know.
    """

    def __init__(self, *, api: str, url: str, server_version: str | None) -> None:
        super().__init__(api=api, url=url, expected="1", server_version=server_version)


class ApiV2OnlyError(SourceError):
    """The call needs something only AniLibria API v2 offered (advanced queries, search by team
    member, changes since a time, ...); `feature` names it."""

    def __init__(self, *, api: str, feature: str) -> None:
        self.feature = feature
        super().__init__(
            f"{api}: {feature} is API v2 only; AniLiberty API v1 cannot do it", api=api
        )

"""nekoBT's own errors, on top of the shared tree in `app.sources.errors`.

    AuthError ── NekoBtAuthError          401: the API key is missing or not accepted
    BadRequestError ── NekoBtValidationError   400 with `validate_errors` (schema violations)
    BadRequestError ── NekoBtFailuresError     400 with `fails` (values that contradict each other)
    ApiError ── AnimeToshoError           the AnimeTosho endpoint's final "no": .retry

Other answers raise the shared classes (NotFoundError, RateLimitedError, ServerError, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.sources.errors import ApiError, AuthError, BadRequestError, SourceError

AUTH_MESSAGE = "nekoBT API key missing or invalid"


class NekoBtAuthError(AuthError):
    """401: the request needs an API key and none was given, or the key was refused."""

    def __init__(self, *, api: str, status: int = 401) -> None:
        self.code = status
        self.message = AUTH_MESSAGE
        self.status = status
        # The one text a user needs; "error 401: Unauthorized." tells them less.
        SourceError.__init__(self, AUTH_MESSAGE, api=api)


@dataclass(frozen=True, slots=True)
class ValidateError:
    """One schema violation, as the API's `validate_errors` entries (Ajv) describe it."""

    instance_path: str
    """Where in the request: "/limit"; "" for the whole request (a missing property)."""
    keyword: str
    """"required", "maximum", "minimum", "type", "enum", ..."""
    message: str
    """"must be <= 100"."""
    schema_path: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parameter(self) -> str | None:
        """The offending parameter's name ("limit", or the missing property), if known."""
        if self.instance_path.strip("/"):
            return self.instance_path.strip("/").split("/")[0]
        missing = self.params.get("missingProperty")
        return missing if isinstance(missing, str) else None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ValidateError:
        """Read one entry of `validate_errors` (tolerant: missing texts become "")."""

        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ""

        params = data.get("params")
        return cls(
            instance_path=text("instancePath"),
            keyword=text("keyword"),
            message=text("message"),
            schema_path=text("schemaPath"),
            params=dict(params) if isinstance(params, Mapping) else {},
        )


class NekoBtValidationError(BadRequestError):
    """400: the request broke the API's schema; `validate_errors` says where and how."""

    def __init__(
        self, *, api: str, message: str, status: int, validate_errors: tuple[ValidateError, ...]
    ) -> None:
        self.validate_errors = validate_errors
        super().__init__(api=api, code=400, message=message, status=status)


class NekoBtFailuresError(BadRequestError):
    """400: the values asked for cannot go together; `fails` says why, in the API's own words
    ('You have set sub level to "no subs", but you have added fansub languages.')."""

    def __init__(self, *, api: str, message: str, status: int, fails: tuple[str, ...]) -> None:
        self.fails = fails
        super().__init__(api=api, code=400, message=message, status=status)


class AnimeToshoError(ApiError):
    """The AnimeTosho endpoint said no (skipped, not found, no media, error); `retry` is whether
    asking again later may help, as the API's `retry` field says."""

    def __init__(self, *, api: str, code: int, message: str, status: int, retry: bool) -> None:
        self.retry = retry
        super().__init__(api=api, code=code, message=message, status=status)

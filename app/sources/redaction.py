"""The one redaction point: session ids, API keys, bearer tokens and tracker passkeys masked
wherever text may leave the process (log lines, exception messages, cache keys, anything shown
on screen).

It sits below every other module of `app.sources`, errors included, so that an exception can
redact its own message when it is built.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote

__all__ = ["redact", "register_secret"]

_MASK = "***"
_SECRET_NAMES = ("sessionId", "session", "api_key", "key", "passkey", "ssid", "token", "PHPSESSID")
# Shorter registered values would mask innocent words all over every message.
_MIN_SECRET_LENGTH = 4

_NAMES = "|".join(sorted(_SECRET_NAMES, key=len, reverse=True))
_PARAM_RE = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_NAMES})=([^&#\s\"'<>;,]+)")
_JSONISH_RE = re.compile(rf"(?i)(([\"'])(?:{_NAMES})\2\s*:\s*([\"']))(?:(?!\3)[^\\]|\\.)*(\3)")
# An `Authorization` header however it is written out (`Authorization: Bearer x`, a headers
# dict's repr `'authorization': 'Basic x'`): its whole value, whatever the scheme.
_AUTH_HEADER_RE = re.compile(
    r"(?i)((?<![A-Za-z0-9_-])authorization([\"']?)\s*[:=]\s*([\"']?))(?!\*\*\*)[^\"'\r\n&;,}]+"
)
# A bearer token on its own ("Bearer eyJ..."), e.g. in a message that quotes a header value.
_BEARER_RE = re.compile(r"(?i)(\bbearer\s+)(?!\*\*\*)[A-Za-z0-9\-._~+/]+=*")

_secrets_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()
_secrets_re: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Mask `value` (and its URL-encoded form) wherever `redact` runs from now on.

    Values shorter than four characters are ignored: masking them would garble ordinary text.
    """
    global _secrets, _secrets_re
    if len(value) < _MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        forms = {value, quote(value, safe=""), quote(value)}
        if forms <= _secrets:
            return
        _secrets = _secrets | forms
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _secrets_re = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """`text` with secret query parameters, JSON-ish secret fields and registered secrets masked.

    Masks the values of `session`, `sessionId`, `key`, `api_key`, `passkey`, `ssid`, `token` (and
    `PHPSESSID`) in `name=value` form and in `"name": "value"` form, the value of an
    `Authorization` header, a `Bearer <token>`, and every value given to `register_secret`.
    The one redaction point: logs, exception texts and cache keys use it.
    """
    pattern = _secrets_re
    if pattern is not None:
        text = pattern.sub(_MASK, text)
    text = _PARAM_RE.sub(lambda m: f"{m.group(1)}={_MASK}", text)
    text = _JSONISH_RE.sub(lambda m: f"{m.group(1)}{_MASK}{m.group(4)}", text)
    text = _AUTH_HEADER_RE.sub(lambda m: f"{m.group(1)}{_MASK}", text)
    return _BEARER_RE.sub(lambda m: f"{m.group(1)}{_MASK}", text)

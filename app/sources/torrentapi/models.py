"""Typed Torrent API objects and errors, parsed by hand from the JSON the API returns.

The parser is tolerant on purpose: a missing field or one of the wrong type becomes None (0 for
sizes and peer counts, () for arrays) and unknown keys are ignored, so a field the API adds or
drops later costs a blank cell, not a screen. Only a body of the wrong kind (not a JSON object)
raises `BadResponseError`.

Errors: the API names its errors with words (`{"error": "API_KEY_UNKNOWN", "message": ...}`,
sent as HTTP 500). Each known word has its own exception class, which also derives from the
shared class of the same meaning (`AuthError`, `BadRequestError`, `NotFoundError`), so generic
handlers keep working; `ErrorCode` lists the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.sources.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    BadResponseError,
    NotFoundError,
    SourceError,
)
from app.sources.fields import boolean as _bool
from app.sources.fields import string as _str
from app.sources.http import Fetched
from app.sources.redaction import redact

__all__ = [
    "API",
    "CATEGORIES",
    "AccessForbiddenError",
    "ApiKeySuspendedError",
    "ApiKeyUnknownError",
    "CountryPeers",
    "ErrorCode",
    "Fetched",
    "InfohashNotFoundError",
    "InvalidImdbError",
    "InvalidInfohashError",
    "InvalidInputError",
    "MovieTorrent",
    "MovieTorrents",
    "PeersHistory",
    "TorrentApiError",
    "TorrentInfo",
    "error_for",
    "is_country_code",
    "is_imdb_id",
    "is_infohash",
    "parse_movie",
    "parse_peers",
    "parse_torrent",
]

API = "Torrent API"

CATEGORIES = (
    "Movies",
    "Anime",
    "TV",
    "Music",
    "Books",
    "PC",
    "Mobile",
    "XXX",
    "Child Porno",
    "Unsorted",
)
"""The content categories the spec lists (2.8); `TorrentInfo.category` may hold others."""

_Json = Mapping[str, Any]

# --------------------------------------------------------------------------------------------
# Identifiers

_IMDB_RE = re.compile(r"tt[0-9]+")
_INFOHASH_RE = re.compile(r"[0-9A-Fa-f]{40}")
_COUNTRY_RE = re.compile(r"[A-Za-z]{2}")


def is_imdb_id(value: str) -> bool:
    """Whether `value` is an IMDb id the API accepts: `tt` followed by digits (`tt2250912`)."""
    return _IMDB_RE.fullmatch(value) is not None


def is_infohash(value: str) -> bool:
    """Whether `value` is a v1 info-hash: 40 hexadecimal digits (either case)."""
    return _INFOHASH_RE.fullmatch(value) is not None


def is_country_code(value: str) -> bool:
    """Whether `value` has the shape of an ISO 3166-1 alpha-2 code (two letters, either case)."""
    return _COUNTRY_RE.fullmatch(value) is not None


# --------------------------------------------------------------------------------------------
# Errors


class ErrorCode(StrEnum):
    """The error words the spec defines (2.7); the API may add others later."""

    API_KEY_UNKNOWN = "API_KEY_UNKNOWN"
    API_KEY_SUSPENDED = "API_KEY_SUSPENDED"
    ACCESS_FORBIDDEN = "ACCESS_FORBIDDEN"
    INVALID_IMDB = "INVALID_IMDB"
    INVALID_INFOHASH = "INVALID_INFOHASH"
    INFOHASH_NOT_FOUND = "INFOHASH_NOT_FOUND"


class TorrentApiError(ApiError):
    """The Torrent API answered with a named error; the base of the per-code classes below.

    `error` is the API's word (also one the spec does not know yet), `error_code` the matching
    `ErrorCode` or None, `message` the API's own text (redacted), `code` and `status` the HTTP
    status. `str(e)` is our readable explanation followed by the word.
    """

    explanation = "the request was refused"
    """What the error means for the user (overridden per code)."""

    def __init__(self, *, error: str, message: str, status: int) -> None:
        self.error = error
        try:
            self.error_code: ErrorCode | None = ErrorCode(error)
        except ValueError:
            self.error_code = None
        self.code = status
        self.status = status
        self.message = redact(message)
        detail = self.explanation
        if self.error_code is None and self.message:
            detail = f"{detail}: {self.message}"
        # ApiError's "API error 500: ..." would hide the word that tells the errors apart.
        SourceError.__init__(self, f"{API}: {detail} ({error})", api=API)


class ApiKeyUnknownError(TorrentApiError, AuthError):
    """API_KEY_UNKNOWN: the key is not known (missing, mistyped or revoked)."""

    explanation = "the API key is not known; check the Torrent API key in the settings"


class ApiKeySuspendedError(TorrentApiError, AuthError):
    """API_KEY_SUSPENDED: the key exists but is suspended."""

    explanation = "the API key is suspended; ask your Torrent API manager"


class AccessForbiddenError(TorrentApiError, AuthError):
    """ACCESS_FORBIDDEN: the key does not give access to this method."""

    explanation = "the API key does not give access to this kind of request"


class InvalidImdbError(TorrentApiError, BadRequestError):
    """INVALID_IMDB: the server refused the IMDb id."""

    explanation = "the IMDb id was refused: expected tt followed by digits"


class InvalidInfohashError(TorrentApiError, BadRequestError):
    """INVALID_INFOHASH: the server refused the info-hash."""

    explanation = "the info-hash was refused: expected 40 hexadecimal digits"


class InfohashNotFoundError(TorrentApiError, NotFoundError):
    """INFOHASH_NOT_FOUND: no torrent with this info-hash is in the API's database."""

    explanation = "no torrent with this info-hash is known"


_ERROR_CLASSES: dict[ErrorCode, type[TorrentApiError]] = {
    ErrorCode.API_KEY_UNKNOWN: ApiKeyUnknownError,
    ErrorCode.API_KEY_SUSPENDED: ApiKeySuspendedError,
    ErrorCode.ACCESS_FORBIDDEN: AccessForbiddenError,
    ErrorCode.INVALID_IMDB: InvalidImdbError,
    ErrorCode.INVALID_INFOHASH: InvalidInfohashError,
    ErrorCode.INFOHASH_NOT_FOUND: InfohashNotFoundError,
}


def error_for(*, error: str, message: str, status: int) -> TorrentApiError:
    """The exception for the API's error word `error` (`TorrentApiError` for unknown words)."""
    try:
        kind = _ERROR_CLASSES[ErrorCode(error)]
    except ValueError:
        kind = TorrentApiError
    return kind(error=error, message=message, status=status)


class InvalidInputError(SourceError, ValueError):
    """An argument was refused before anything was sent (an IMDb id, info-hash, country...)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{API}: {message}", api=API)


# --------------------------------------------------------------------------------------------
# Field readers


def _count(value: Any) -> int:
    """A size or a peer count: 0 when absent or not a whole number."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return 0


def _datetime(value: Any) -> datetime | None:
    """The API's "2017-10-09T00:30:58.080+0000" (Python 3.11 reads the +0000 offset too)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _object(body: Any, what: str) -> _Json:
    if not isinstance(body, Mapping):
        raise BadResponseError(f"{API}: the {what} answer is not a JSON object", api=API)
    return body


# --------------------------------------------------------------------------------------------
# Objects


@dataclass(frozen=True, slots=True)
class MovieTorrent:
    """One torrent distributing a movie (an entry of `MovieTorrents.torrents`)."""

    infohash: str | None
    size: int
    """Bytes of the torrent's files; 0 when unknown."""
    date_added: datetime | None
    name: str | None
    alive: bool | None
    """False when too few peers distribute it (the spec's "dead" torrent)."""

    @classmethod
    def parse(cls, data: _Json) -> MovieTorrent:
        """Read one entry of the movie answer's `torrents` array."""
        return cls(
            _str(data.get("infohash")),
            _count(data.get("size")),
            _datetime(data.get("dateAdded")),
            _str(data.get("name")),
            _bool(data.get("alive")),
        )


@dataclass(frozen=True, slots=True)
class MovieTorrents:
    """Every known torrent of one movie (spec 2.2)."""

    imdb: str | None
    title: str | None
    torrents: tuple[MovieTorrent, ...]

    @classmethod
    def parse(cls, data: _Json) -> MovieTorrents:
        """Read the movie answer."""
        torrents = data.get("torrents")
        items = torrents if isinstance(torrents, list) else []
        return cls(
            _str(data.get("imdb")),
            _str(data.get("title")),
            tuple(MovieTorrent.parse(item) for item in items if isinstance(item, Mapping)),
        )


@dataclass(frozen=True, slots=True)
class TorrentInfo:
    """What the API knows about one torrent (spec 2.3); title and IMDb id only when known."""

    infohash: str | None
    torrent_name: str | None
    size: int
    """Bytes of the torrent's files; 0 when unknown."""
    category: str | None
    """One of `CATEGORIES` as a rule, but kept as the API's text."""
    title: str | None
    imdb_id: str | None
    date_added: datetime | None
    """When the torrent was added to the API's database."""
    alive: bool | None

    @classmethod
    def parse(cls, data: _Json) -> TorrentInfo:
        """Read the torrent-information answer."""
        return cls(
            _str(data.get("infohash")),
            _str(data.get("torrentName")),
            _count(data.get("size")),
            _str(data.get("category")),
            _str(data.get("title")),
            _str(data.get("imdbId")),
            _datetime(data.get("dateAdded")),
            _bool(data.get("alive")),
        )


@dataclass(frozen=True, slots=True)
class CountryPeers:
    """Unique peers of a torrent in one country on one day."""

    code: str | None
    """ISO 3166-1 alpha-2 code."""
    peers: int

    @classmethod
    def parse(cls, data: _Json) -> CountryPeers:
        """Read one entry of the peers answer's `countries` array."""
        return cls(_str(data.get("code")), _count(data.get("peers")))


@dataclass(frozen=True, slots=True)
class PeersHistory:
    """A torrent's peers on one day, by country (spec 2.4).

    `countries` is () in a short report or when nothing was counted for that day or country.
    """

    day: date | None
    infohash: str | None
    total_peers: int
    countries: tuple[CountryPeers, ...]

    @classmethod
    def parse(cls, data: _Json) -> PeersHistory:
        """Read the peers-history answer."""
        countries = data.get("countries")
        items = countries if isinstance(countries, list) else []
        return cls(
            _date(data.get("day")),
            _str(data.get("infohash")),
            _count(data.get("totalPeers")),
            tuple(CountryPeers.parse(item) for item in items if isinstance(item, Mapping)),
        )


def parse_movie(body: Any) -> MovieTorrents:
    """The movie answer; `BadResponseError` unless it is a JSON object."""
    return MovieTorrents.parse(_object(body, "movie"))


def parse_torrent(body: Any) -> TorrentInfo:
    """The torrent-information answer; `BadResponseError` unless it is a JSON object."""
    return TorrentInfo.parse(_object(body, "torrent information"))


def parse_peers(body: Any) -> PeersHistory:
    """The peers-history answer; `BadResponseError` unless it is a JSON object."""
    return PeersHistory.parse(_object(body, "peers history"))

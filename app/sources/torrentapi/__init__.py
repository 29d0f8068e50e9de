"""The Torrent API client: torrents of a movie by IMDb id, torrent information, peers history
by country, and adding a torrent (spec: shared/specs/torrent-api.md)."""

from app.sources.torrentapi.client import TorrentApiClient, TorrentApiPaths
from app.sources.torrentapi.models import (
    AccessForbiddenError,
    ApiKeySuspendedError,
    ApiKeyUnknownError,
    CountryPeers,
    ErrorCode,
    InfohashNotFoundError,
    InvalidImdbError,
    InvalidInfohashError,
    InvalidInputError,
    MovieTorrent,
    MovieTorrents,
    PeersHistory,
    TorrentApiError,
    TorrentInfo,
    is_country_code,
    is_imdb_id,
    is_infohash,
)

__all__ = [
    "AccessForbiddenError",
    "ApiKeySuspendedError",
    "ApiKeyUnknownError",
    "CountryPeers",
    "ErrorCode",
    "InfohashNotFoundError",
    "InvalidImdbError",
    "InvalidInfohashError",
    "InvalidInputError",
    "MovieTorrent",
    "MovieTorrents",
    "PeersHistory",
    "TorrentApiClient",
    "TorrentApiError",
    "TorrentApiPaths",
    "TorrentInfo",
    "is_country_code",
    "is_imdb_id",
    "is_infohash",
]

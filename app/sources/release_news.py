"""`ReleaseNews`: the reads that tell what is new on an API without push, and what polling asks
of them.

AniLiberty API v1 has no WebSocket; its clients poll (shared/specs/aniliberty-api-v1-notes.md).
`AniLibertyClient` implements this Protocol as it is; the live service polls through it and knows
nothing else of the client. v2 does not implement it: its news come through the WebSocket.

The `*_FIELDS` are the `include=` lists polling sends: only what telling news apart needs (ids,
server timestamps, the episode's number), so a poll every minute stays a few kilobytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from app.sources.aniliberty.models import Paged, ReleaseTorrent, ScheduleNow
from app.sources.anilibria.models import Fetched, Title

__all__ = [
    "LATEST_NEWS_FIELDS",
    "SCHEDULE_NEWS_FIELDS",
    "TORRENT_NEWS_FIELDS",
    "PolledCatalog",
    "ReleaseNews",
    "ReleaseTorrent",
    "ScheduleNow",
]

_RELEASE = ("id", "alias", "name", "fresh_at", "updated_at")
_EPISODE = ("id", "ordinal", "name", "updated_at")

LATEST_NEWS_FIELDS: tuple[str, ...] = (*_RELEASE, *(f"latest_episode.{f}" for f in _EPISODE))
"""A latest release: when it got its newest episode (`fresh_at`), its last change (`updated_at`)
and that episode."""
SCHEDULE_NEWS_FIELDS: tuple[str, ...] = (
    *(f"release.{f}" for f in _RELEASE),
    *(f"published_release_episode.{f}" for f in _EPISODE),
)
"""A schedule item: its release as in `LATEST_NEWS_FIELDS` and its newest published episode."""
TORRENT_NEWS_FIELDS: tuple[str, ...] = ("id", "hash", "created_at", "updated_at", "release.id")
"""A torrent: its id, info-hash and times, and the release it belongs to."""


class ReleaseNews(Protocol):
    """AniLiberty API v1's reads of what is new (`AniLibertyClient`'s own methods)."""

    async def latest(
        self, *, limit: int | None = ..., include: Sequence[str] | None = ...
    ) -> Fetched[tuple[Title, ...]]:
        """`/anime/releases/latest`: releases by their newest episode, newest first; each
        title's player holds that episode alone."""

    async def schedule_now(self, *, include: Sequence[str] | None = ...) -> Fetched[ScheduleNow]:
        """`/anime/schedule/now`: yesterday's, today's and tomorrow's releases with their newest
        published episode."""

    async def torrents(
        self,
        *,
        page: int | None = ...,
        limit: int | None = ...,
        include: Sequence[str] | None = ...,
    ) -> Fetched[Paged[ReleaseTorrent]]:
        """`/anime/torrents`: every torrent, newest first, paged (`limit` at most 50)."""


@runtime_checkable
class PolledCatalog(Protocol):
    """A catalog client whose API has no push: it offers the reads polling follows."""

    @property
    def news(self) -> ReleaseNews:
        """The API's reads of what is new."""

"""`AccountLibraryApi`: the account's collections and watch progress, which only AniLiberty API
v1 keeps (API v2 had neither). `V2CompatClient` implements it; on v2 the runtime has none to give
and the services keep collections and progress on this device.

The types are v1's own answers, re-exported here so the services name the interface and never
the v1 client's package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from app.sources.aniliberty.models import (
    COLLECTION_TYPES,
    CollectionEntry,
    CollectionType,
    ReleaseEpisode,
    Timecode,
)

__all__ = [
    "COLLECTION_TYPES",
    "AccountLibraryApi",
    "CollectionEntry",
    "CollectionType",
    "ReleaseEpisode",
    "Timecode",
]


@runtime_checkable
class AccountLibraryApi(Protocol):
    """Collections and view timecodes of the account whose token is `session`."""

    async def get_collections(self, *, session: str) -> tuple[CollectionEntry, ...]:
        """Every title in one of the account's collections, with which."""

    async def set_collection(
        self, *, session: str, title_id: int, collection: CollectionType
    ) -> None:
        """Put a title in `collection` (out of any other)."""

    async def del_collection(self, *, session: str, title_id: int) -> None:
        """Take a title out of its collection."""

    async def get_timecodes(self, *, session: str) -> tuple[Timecode, ...]:
        """The account's progress per episode UUID."""

    async def set_timecodes(self, *, session: str, timecodes: Sequence[Timecode]) -> None:
        """Store the progress of these episodes."""

    async def del_timecodes(self, *, session: str, episode_uuids: Sequence[str]) -> None:
        """Forget the progress of these episodes."""

    async def get_episode(self, *, uuid: str) -> ReleaseEpisode:
        """One episode by UUID, with its title (to place progress of an unknown episode)."""

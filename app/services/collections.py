"""Collections (planned, watching, watched, postponed, abandoned), local first, synced with the
account on AniLiberty API v1 like favorites are (`app/services/favorites.py`).

A title is in at most one collection. Without an account, and on API v2 (which has no
collections), they are a local list (`app/store/collections.py`).

Sync (`sync()`; the favorites' `[live] sync_interval` repeats it):

1. Push: every pending change, in the order it was made (POST to put a title in a collection,
   DELETE to take it out). A confirmed change becomes synced; one made meanwhile stays pending.
2. Pull: the account's `collections/ids`, then the local list is reconciled with it; names of
   titles that arrived are fetched once, for display offline.

The conflict rules are the favorites' ones:

- **A local pending change wins** for its title: the account's list never undoes a change it
  has not confirmed yet.
- **Otherwise the account's list is the truth**: a title it lists is in that collection here,
  a synced title it no longer lists is in none.
- **A login merges:** right after a login every local entry is queued, so the first sync is the
  union of both lists; for a title in a collection on both sides, this device's wins.

Failures: unreachable, 5xx, rate limit or a malformed answer → `OFFLINE`, everything stays
queued. 401 / 403 → `EXPIRED` (told to the favorites service, which forgets the session). A
title the account refuses (404 / 422) is kept locally and retried next time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.i18n import t
from app.plaintext import one_line
from app.services.account_sync import AccountToken, LibrarySync, LibrarySynced
from app.services.events import EventBus, LibraryEvent
from app.sources.account_library import COLLECTION_TYPES, AccountLibraryApi, CollectionType
from app.sources.catalog_api import CatalogApi
from app.sources.errors import AuthError, BadRequestError, NotFoundError, SourceError
from app.store.collections import CollectionRow, CollectionsStore, RemoteEntry
from app.store.db import Database

__all__ = [
    "COLLECTIONS",
    "COLLECTION_NAMES",
    "CollectionRow",
    "CollectionsChanged",
    "CollectionsService",
    "collection_name",
]

log = logging.getLogger("anitui.collections")

COLLECTIONS: tuple[CollectionType, ...] = COLLECTION_TYPES
"""Every collection, in the order the UI offers them."""
COLLECTION_NAMES: dict[str, str] = {
    "PLANNED": "Planned",
    "WATCHING": "Watching",
    "WATCHED": "Watched",
    "POSTPONED": "Postponed",
    "ABANDONED": "Abandoned",
}
"""The English msgid of each collection's name (the UI translates it)."""
_TYPES: dict[str, CollectionType] = {c: c for c in COLLECTIONS}
_MAX_NAME = 500


@dataclass(frozen=True)
class CollectionsChanged(LibraryEvent):
    """The collection of `titles` changed here (by the user or a sync)."""

    titles: frozenset[int]


class CollectionsService:
    """Local-first collections with optional sync to the account on API v1."""

    def __init__(
        self,
        db: Database,
        client: CatalogApi,
        library: AccountLibraryApi | None,
        token: AccountToken,
        bus: EventBus | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Collections in `db`; synced through `library` (None on API v2: local only) with the
        account of `token`; `client` fetches the names of titles that arrive."""
        self._store = CollectionsStore(db)
        self._client = client
        self._library = library
        self._token = token
        self._bus = bus
        self._clock = clock
        self._lock = asyncio.Lock()
        self.last_status: LibrarySync = self._idle_status()
        """How the last sync ended (before any: local, or API v1 only)."""

    @property
    def syncable(self) -> bool:
        """Whether the API in use keeps collections (v1) at all."""
        return self._library is not None

    def collection_of(self, title_id: int) -> str | None:
        """The collection `title_id` is in, None when in none."""
        return self._store.collection_of(title_id)

    def entries(self, collection: str | None = None) -> list[CollectionRow]:
        """The titles in a collection (only `collection`'s when given)."""
        return self._store.visible(collection)

    def pending(self) -> int:
        """How many changes wait for the account."""
        return len(self._store.pending())

    def put(
        self,
        title_id: int,
        collection: str | None,
        *,
        name_ru: str | None = None,
        name_en: str | None = None,
    ) -> bool:
        """Put `title_id` in `collection` (None: in none) now, queued for the account; False
        when it already was. An unknown collection raises `ValueError`."""
        if collection is not None and collection not in _TYPES:
            raise ValueError(f"no collection {collection!r}")
        changed = self._store.put(
            title_id, collection, at=self._clock(), name_ru=_name(name_ru), name_en=_name(name_en)
        )
        if changed:
            self._publish(CollectionsChanged(frozenset({title_id})))
        return changed

    def logged_in(self) -> None:
        """An account logged in: queue every local entry, so the first sync merges."""
        if self.syncable:
            self._store.requeue_all(at=self._clock())

    async def sync(self) -> LibrarySync:
        """Push the queued changes, then pull the account's lists (see the module's rules).
        Never raises for API failures; concurrent calls run one after the other."""
        async with self._lock:
            status, changed = await self._sync()
        self.last_status = status
        if changed:
            self._publish(CollectionsChanged(changed))
        self._publish(LibrarySynced("collections", status, changed))
        return status

    def _idle_status(self) -> LibrarySync:
        return LibrarySync.LOCAL if self.syncable else LibrarySync.V1_ONLY

    async def _sync(self) -> tuple[LibrarySync, frozenset[int]]:
        token = self._token.get()
        if self._library is None or token is None:
            return self._idle_status(), frozenset()
        try:
            await self._push(self._library, token)
            listed = await self._library.get_collections(session=token)
        except AuthError:
            self._token.refused(token)
            return LibrarySync.EXPIRED, frozenset()
        except SourceError as exc:
            log.info("collections: sync postponed: %s", exc)
            return LibrarySync.OFFLINE, frozenset()
        changed = self._store.reconcile(
            (RemoteEntry(e.release_id, e.collection) for e in listed if e.release_id > 0),
            at=self._clock(),
        )
        await self._fetch_names()
        return LibrarySync.SYNCED, changed

    async def _push(self, library: AccountLibraryApi, token: str) -> None:
        for queued in self._store.pending():
            # Re-read: the user may have changed it while an earlier request was out.
            row = self._store.get(queued.title_id)
            if row is None or (row.collection, row.changed_at) != (
                queued.collection,
                queued.changed_at,
            ):
                continue
            collection = _TYPES.get(row.collection or "")
            if row.collection is not None and collection is None:
                continue  # A newer server's collection, requeued at a login: the account's own.
            self._store.mark_remote(row.title_id)
            try:
                if collection is None:
                    await library.del_collection(session=token, title_id=row.title_id)
                else:
                    await library.set_collection(
                        session=token, title_id=row.title_id, collection=collection
                    )
            except (NotFoundError, BadRequestError) as exc:
                # Refused for this title only: kept here, tried again next time.
                log.info("collections: title %d refused: %s", row.title_id, exc)
                continue
            self._store.confirm(row)

    async def _fetch_names(self) -> None:
        missing = self._store.without_names()
        if not missing:
            return
        try:
            titles = (await self._client.get_titles(id_list=missing)).value
        except SourceError as exc:
            # Names are for display only: the list still shows ids until the next sync.
            log.info("collections: names not fetched: %s", exc)
            return
        for title in titles:
            self._store.set_names(title.id, _name(title.names.ru), _name(title.names.en))

    def _publish(self, event: LibraryEvent) -> None:
        if self._bus is not None:
            self._bus.publish(event)


def collection_name(collection: str) -> str:
    """A collection's name in the UI language; one a newer server added, as the API spells it."""
    msgid = COLLECTION_NAMES.get(collection)
    return t(msgid) if msgid else one_line(collection)


def _name(value: str | None) -> str | None:
    if not value:
        return None
    return one_line(value)[:_MAX_NAME] or None

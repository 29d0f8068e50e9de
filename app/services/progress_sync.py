"""Watch progress synced both ways with the account's view timecodes (AniLiberty API v1).

History (`app/store/history.py`, written by the player) keeps each episode's position and
watched mark beside its v1 UUID; the account keeps `[episode_uuid, seconds, is_watched]` rows
with no modification time. So each sync merges three ways against the last state both sides
agreed on (the base, `app/store/progress_sync.py`), episode by episode:

| this device since the base | the account since the base | result                          |
|----------------------------|----------------------------|---------------------------------|
| unchanged                  | unchanged                  | nothing                         |
| changed                    | unchanged                  | sent to the account             |
| unchanged                  | changed                    | taken into history              |
| changed                    | changed                    | **this device's value wins**    |

(Both changed to the same value: nothing to do.) An episode the account forgot is forgotten
here when this device had not changed it. Positions within a second count as equal.

A change made offline stays different from the base until the account confirms it, so it is
sent by the first sync that gets through, never lost. History rows from before the UUIDs were
kept (or from API v2) get theirs from the title's episode list once; an account's episode this
device never saw is placed through `/anime/releases/episodes/{uuid}` (one request per title).

Runs after a login, every `[live] sync_interval`, and after playback stops. On API v2 (no
timecodes) and without an account, history stays on this device.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from app.services.account_sync import AccountToken, LibrarySync, LibrarySynced
from app.services.events import EventBus
from app.sources.account_library import AccountLibraryApi, Timecode
from app.sources.anilibria.models import Title
from app.sources.catalog_api import CatalogApi
from app.sources.errors import AuthError, BadRequestError, NotFoundError, SourceError
from app.store.db import Database
from app.store.progress_sync import NO_UUID, EpisodeKey, Progress, ProgressSyncStore

__all__ = ["PUSH_BATCH", "ProgressSyncResult", "ProgressSyncService", "merge"]

log = logging.getLogger("anitui.progress_sync")

PUSH_BATCH = 50
"""Timecodes sent in one request."""


@dataclass(frozen=True, slots=True)
class Merged:
    """What one merge decided, by episode UUID."""

    push: dict[str, Progress | None]
    """This device's values to send (None: delete on the account)."""
    pull: dict[str, Progress | None]
    """The account's values to take (None: forget here)."""
    agreed: dict[str, Progress | None]
    """Equal on both sides already: the new base."""


def merge(
    local: Mapping[str, Progress],
    remote: Mapping[str, Progress],
    base: Mapping[str, Progress],
) -> Merged:
    """The three-way merge of the module's table."""
    push: dict[str, Progress | None] = {}
    pull: dict[str, Progress | None] = {}
    agreed: dict[str, Progress | None] = {}
    for uuid in local.keys() | remote.keys() | base.keys():
        mine, theirs, was = local.get(uuid), remote.get(uuid), base.get(uuid)
        local_changed = not _same(mine, was)
        remote_changed = not _same(theirs, was)
        if not local_changed and not remote_changed:
            continue
        if _same(mine, theirs):
            agreed[uuid] = mine
        elif local_changed:
            push[uuid] = mine
        else:
            pull[uuid] = theirs
    return Merged(push, pull, agreed)


def _same(a: Progress | None, b: Progress | None) -> bool:
    return b is None if a is None else a.same_as(b)


@dataclass(frozen=True, slots=True)
class ProgressSyncResult:
    """What one `sync()` did."""

    status: LibrarySync
    pushed: int = 0
    """Episodes whose progress the account took from this device."""
    pulled: int = 0
    """Episodes whose progress history took from the account."""
    titles: frozenset[int] = frozenset()
    """Titles whose history changed here."""


class ProgressSyncService:
    """Two-way sync of history's positions and watched marks with the account (API v1)."""

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
        """History in `db`, synced through `library` (None on API v2: local only) with the
        account of `token`; `client` lists a title's episodes to learn their UUIDs."""
        self._store = ProgressSyncStore(db)
        self._client = client
        self._library = library
        self._token = token
        self._bus = bus
        self._clock = clock
        self._lock = asyncio.Lock()

    @property
    def syncable(self) -> bool:
        """Whether the API in use keeps watch progress (v1) at all."""
        return self._library is not None

    async def sync(self) -> ProgressSyncResult:
        """Merge history with the account's timecodes (see the module). Never raises for API
        failures; concurrent calls run one after the other."""
        async with self._lock:
            result = await self._sync()
        if self._bus is not None:
            self._bus.publish(LibrarySynced("progress", result.status, result.titles))
        return result

    async def _sync(self) -> ProgressSyncResult:
        token = self._token.get()
        if self._library is None:
            return ProgressSyncResult(LibrarySync.V1_ONLY)
        if token is None:
            return ProgressSyncResult(LibrarySync.LOCAL)
        pulled: dict[str, Progress | None] = {}
        titles: set[int] = set()
        try:
            await self._learn_uuids()
            remote = {
                code.episode_uuid: Progress(code.seconds, code.is_watched)
                for code in await self._library.get_timecodes(session=token)
            }
            places = await self._place(self._library, remote)
            # From here to the pushes nothing awaits: history cannot change under the merge.
            merged = merge(self._store.local(), remote, self._store.base())
            for uuid, theirs in merged.pull.items():
                key = self._store.episode_of(uuid) or places.get(uuid)
                if theirs is None:
                    self._store.forget(uuid)
                elif key is not None:
                    self._store.apply(key, uuid, theirs, at=self._clock())
                elif uuid not in places.undecided:
                    log.info("progress: episode %s is unknown to the catalog; not kept", uuid)
                else:
                    continue  # Placed next time.
                if key is not None:
                    titles.add(key.title_id)
                pulled[uuid] = theirs
            self._store.agree({**merged.agreed, **pulled})
            pushed = await self._push(self._library, token, merged.push)
        except AuthError:
            self._token.refused(token)
            return ProgressSyncResult(
                LibrarySync.EXPIRED, pulled=len(pulled), titles=frozenset(titles)
            )
        except SourceError as exc:
            log.info("progress: sync postponed: %s", exc)
            return ProgressSyncResult(
                LibrarySync.OFFLINE, pulled=len(pulled), titles=frozenset(titles)
            )
        return ProgressSyncResult(
            LibrarySync.SYNCED, pushed=pushed, pulled=len(pulled), titles=frozenset(titles)
        )

    async def _learn_uuids(self) -> None:
        """History rows without a UUID get theirs from their title's episode list."""
        for title_id, episodes in self._store.without_uuid().items():
            try:
                title = (await self._client.get_title(id=title_id, filter=("id", "player"))).value
            except NotFoundError:
                title = None  # Not on this API: its episodes have no UUID to find.
            uuids = _uuids_of(title)
            self._store.set_uuids(title_id, {e: uuids.get(e, NO_UUID) for e in episodes})

    async def _place(self, library: AccountLibraryApi, remote: Mapping[str, Progress]) -> Places:
        """Where the account's episodes unknown to history belong (one request per title)."""
        places = Places()
        base = self._store.base()
        for uuid, theirs in remote.items():
            if uuid in places or theirs.same_as(base.get(uuid)):
                continue
            if self._store.episode_of(uuid) is not None:
                continue
            try:
                found = await library.get_episode(uuid=uuid)
            except NotFoundError:
                continue  # Not in the catalog: nothing here to show it on.
            except SourceError:
                places.undecided.add(uuid)
                continue
            if found.title is None or not found.title.id:
                continue
            for number, episode_uuid in _uuids_of(found.title).items():
                places[episode_uuid] = EpisodeKey(found.title.id, number)
            places.setdefault(uuid, EpisodeKey(found.title.id, found.episode.serie))
        return places

    async def _push(
        self, library: AccountLibraryApi, token: str, changes: Mapping[str, Progress | None]
    ) -> int:
        saved = {uuid: p for uuid, p in changes.items() if p is not None}
        deleted = [uuid for uuid, p in changes.items() if p is None]
        done = 0
        for batch in _batches(sorted(saved)):
            codes = [Timecode(uuid, saved[uuid].position, saved[uuid].watched) for uuid in batch]
            try:
                await library.set_timecodes(session=token, timecodes=codes)
                accepted = batch
            except BadRequestError:
                # One refused episode fails the batch: find it by sending them one by one.
                accepted = []
                for code in codes:
                    try:
                        await library.set_timecodes(session=token, timecodes=[code])
                    except (BadRequestError, NotFoundError):
                        self._store.detach([code.episode_uuid])
                        continue
                    accepted.append(code.episode_uuid)
            self._store.agree({uuid: saved[uuid] for uuid in accepted})
            done += len(accepted)
        for batch in _batches(deleted):
            await library.del_timecodes(session=token, episode_uuids=batch)
            self._store.agree(dict.fromkeys(batch))
            done += len(batch)
        return done


class Places(dict[str, EpisodeKey]):
    """The history episode of each account UUID; `undecided`: those not looked up this time."""

    def __init__(self) -> None:
        super().__init__()
        self.undecided: set[str] = set()


def _uuids_of(title: Title | None) -> dict[int | float, str]:
    player = title.player if title is not None else None
    if player is None:
        return {}
    return {e.serie: e.uuid for e in player.episodes if e.uuid}


def _batches(items: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == PUSH_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch

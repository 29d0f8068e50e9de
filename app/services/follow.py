"""Following a title: its new episodes are queued by themselves, each decision on the record.

A new episode of a followed title (a live event, or found at start-up for the time anitui was
closed) is looked for in `[follow] sources` order: the title's own AniLibria torrent when it
covers the episode, else nekoBT at the preferred quality — only torrents of the nekoBT media
found for the title (by name and year, remembered), searched by that media's episode. An episode
already on disk, already claimed or already in the queue is never queued again: the claim is
written with its history line in one transaction *before* the queue is touched
(`app/store/follow.py`), so neither a restart nor a kill -9 between the two doubles it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.services.episode_numbers import episode_from_name
from app.services.errors import ExplainedError
from app.services.events import EventBus, FollowEvent
from app.services.library import episodes_out
from app.services.torrent_meta import TorrentFile, TorrentSpec, parse_torrent
from app.sources.errors import SourceError
from app.store.follow import Followed, FollowEntry, FollowStore, Outcome

if TYPE_CHECKING:
    from app.services.catalog import CatalogService
    from app.services.downloads import DownloadQueue
    from app.services.library import LibraryService
    from app.sources.anilibria.models import Title
    from app.sources.anilibria.models import Torrent as AniLibriaTorrent
    from app.sources.nekobt.client import NekoBtClient
    from app.sources.nekobt.models import Torrent as NekoTorrent

__all__ = [
    "FollowDecided",
    "FollowService",
    "MissingDownload",
    "NothingMissingError",
    "preferred_order",
    "resolution_of",
]

log = logging.getLogger("anitui.follow")

Number = int | float

QUALITY_LINES = {"fhd": 1080, "hd": 720, "sd": 480}
"""`[follow] quality` as video lines."""

_RESOLUTION = re.compile(r"(?<!\d)(2160|1080|720|576|480|360)[pi](?![a-z0-9])", re.I)


@dataclass(frozen=True)
class FollowDecided(FollowEvent):
    """A decision about a followed title's episode, for the UI to tell (bus event)."""

    entry: FollowEntry


@dataclass(frozen=True)
class _Candidate:
    """A torrent that holds the episode, ready to queue."""

    source: str
    spec: TorrentSpec
    name: str
    episodes: str | None
    selected: tuple[int, ...] | None


class NothingMissingError(ExplainedError):
    """ "Download missing" found nothing to queue."""


@dataclass(frozen=True)
class MissingDownload:
    """What "download missing" would queue: the title's best torrent for its missing
    episodes, with only their files chosen."""

    spec: TorrentSpec
    name: str
    episodes: str | None
    missing: tuple[Number, ...]
    """Out on AniLibria, not on disk, not queued."""
    selected: tuple[int, ...] | None
    """The files to preselect; None: all (nothing of the title on disk or queued)."""
    queued_id: str | None
    """The queued download of the same torrent, whose selection grows instead."""


def resolution_of(text: str | None) -> int | None:
    """The video lines a release name states ("… [1080p] …" → 1080), None when it says none."""
    found = _RESOLUTION.search(text or "")
    return int(found.group(1)) if found else None


def preferred_order(lines: int | None, wanted: int) -> tuple[int, int]:
    """Sort key: the wanted quality first, then the nearest (a higher one before a lower one
    at the same distance), unknown last."""
    if lines is None:
        return (1, 0)
    return (0, abs(lines - wanted) * 2 + (lines < wanted))


class FollowService:
    """Followed titles and the automatic queueing of their new episodes."""

    def __init__(
        self,
        store: FollowStore,
        catalog: CatalogService,
        library: LibraryService,
        nekobt: NekoBtClient | None,
        queue: Callable[[], Awaitable[DownloadQueue | None]],
        bus: EventBus,
        *,
        quality: str,
        sources: Sequence[str],
        delay: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._library = library
        self._nekobt = nekobt
        self._queue = queue
        self._bus = bus
        self._lines = QUALITY_LINES[quality]
        self._sources = tuple(sources)
        self._delay = delay
        self._clock = clock
        self._sleep = sleep
        # One decision per title at a time: a live event and the start-up catch-up may race.
        self._locks: dict[int, asyncio.Lock] = {}

    # the flag ------------------------------------------------------------------------------

    def is_followed(self, title_id: int) -> bool:
        """Whether the title is followed."""
        return self._store.get(title_id) is not None

    def followed_ids(self) -> frozenset[int]:
        """The followed titles, for lists to mark."""
        return frozenset(f.title_id for f in self._store.followed())

    def toggle(self, title_id: int) -> bool:
        """Follow the title, or stop following it; whether it is followed now."""
        if self._store.unfollow(title_id):
            return False
        self._store.follow(title_id, at=self._clock())
        return True

    def history(self, title_id: int) -> list[FollowEntry]:
        """The title's decisions, newest first."""
        return self._store.history(title_id)

    # deciding ------------------------------------------------------------------------------

    async def episode_released(self, title_id: int, episode: Number) -> Outcome | None:
        """Queue a followed title's new episode, after `[follow] delay`; the outcome, or None
        when the title is not followed or the episode was decided before."""
        if not self.is_followed(title_id) or self._store.claimed(title_id, episode):
            return None
        if self._delay > 0:
            await self._sleep(self._delay)
        async with self._locks.setdefault(title_id, asyncio.Lock()):
            return await self._decide(title_id, episode, None)

    async def catch_up(self) -> None:
        """Decide every followed title's episodes that came out while anitui was closed: out
        on AniLibria, released after the title was followed, and not decided yet."""
        for followed in self._store.followed():
            await self._catch_up(followed)

    async def torrents_changed(self, title_id: int) -> None:
        """A followed title's torrents changed (a reissued AniLibria torrent now holding a new
        episode): decide again the episodes out since the follow that nothing was queued for."""
        followed = self._store.get(title_id)
        if followed is not None:
            await self._catch_up(followed)

    async def _catch_up(self, followed: Followed) -> None:
        try:
            title = (await self._catalog.title(followed.title_id)).value
        except SourceError as error:
            log.warning("follow: title %d unreadable: %s", followed.title_id, error)
            return
        # Out since the follow by their release times, and those decided before without a
        # torrent (their release time may be off, they were new when they were decided).
        released = _released_since(title, followed.followed_at) | self._store.unresolved(title.id)
        for episode in episodes_out(title):
            if episode in released and not self._store.claimed(title.id, episode):
                async with self._locks.setdefault(title.id, asyncio.Lock()):
                    await self._decide(title.id, episode, title)

    async def _decide(self, title_id: int, episode: Number, title: Title | None) -> Outcome | None:
        if self._store.claimed(title_id, episode):
            return None
        series = self._library.by_title(title_id)
        if series is not None and episode in series.episodes_on_disk:
            return self._record(title_id, episode, "present", None, "on disk")
        if title is None:
            try:
                title = (await self._catalog.title(title_id)).value
            except SourceError as error:
                return self._record(title_id, episode, "not_found", None, str(error))
        queue = await self._queue()
        if queue is None:
            log.info("follow: no download queue, title %d episode %s waits", title_id, episode)
            return None
        reasons: list[str] = []
        for source in self._sources:
            try:
                candidate = await self._find(source, title, episode)
            except (SourceError, ExplainedError) as error:
                reasons.append(f"{source}: {error}")
                continue
            if candidate is None:
                reasons.append(f"{source}: no torrent holds episode {episode:g}")
                continue
            self._record(title_id, episode, "found", source, candidate.name)
            return await self._queue_candidate(queue, title, episode, candidate)
        return self._record(title_id, episode, "not_found", None, "; ".join(reasons))

    async def _queue_candidate(
        self, queue: DownloadQueue, title: Title, episode: Number, candidate: _Candidate
    ) -> Outcome:
        from app.services.downloads import DownloadError

        existing = queue.find(candidate.spec.info_hash)
        if existing is not None and _covers(existing.selected, candidate.selected):
            return self._record(title.id, episode, "present", candidate.source, "already queued")
        at = self._clock()
        claimed = self._store.claim(
            title.id,
            episode,
            info_hash=candidate.spec.info_hash,
            source=candidate.source,
            detail=candidate.name,
            at=at,
        )
        if not claimed:
            return "present"
        self._publish(title.id, episode, "queued", candidate.source, candidate.name, at)
        try:
            await self._library.ensure_series(title.id)
        except (ExplainedError, SourceError) as error:
            log.info("follow: no series folder for title %d: %s", title.id, error)
        try:
            if existing is not None:
                # The same torrent queued for other episodes: add this one to its files.
                wanted = set(existing.selected or ()) | set(candidate.selected or ())
                queue.set_selected_files(existing.id, sorted(wanted) or None)
            else:
                self._replace_in_place(queue, title.id, candidate)
        except DownloadError as error:
            # Claimed all the same (never twice), but the history says why it is not there.
            return self._record(title.id, episode, "not_found", candidate.source, str(error))
        return "queued"

    def _replace_in_place(self, queue: DownloadQueue, title_id: int, candidate: _Candidate) -> None:
        """Queue the candidate; when it is the title's AniLibria torrent updated in place (a new
        info-hash over the same files), it takes the old download's place in the same folder:
        libtorrent checks the files there and keeps every piece it has."""
        selected = set(candidate.selected or ())
        folder: str | None = None
        if candidate.source == "anilibria":
            paths = {f.path: f.index for f in candidate.spec.files}
            for item in queue.items():
                if item.title_id != title_id or item.source != "anilibria":
                    continue
                kept = [paths[f.path] for f in _chosen(queue, item.id, item.selected)]
                if not kept or not all(f.path in paths for f in queue.files(item.id)):
                    continue
                selected.update(kept)
                folder = item.folder
                queue.remove(item.id, delete_files=False)
                break
        queue.add(
            candidate.spec,
            source=candidate.source,
            title_id=title_id,
            title_name=candidate.name,
            episodes=candidate.episodes,
            selected=sorted(selected) if selected else None,
            folder=folder,
        )

    # download missing ----------------------------------------------------------------------

    async def missing_download(self, title_id: int) -> MissingDownload:
        """The best AniLibria torrent of the title for its missing episodes (those out but
        neither on disk nor in the queue), by `[follow] quality`; NothingMissingError when
        there is nothing to queue."""
        title = (await self._catalog.title(title_id)).value
        queue = await self._queue()
        series = self._library.by_title(title_id)
        on_disk = set(series.episodes_on_disk) if series is not None else set()
        queued = _queued_episodes(queue, title_id) if queue is not None else set()
        missing = tuple(e for e in episodes_out(title) if e not in on_disk and e not in queued)
        if not missing:
            raise NothingMissingError("Every episode out is on disk or in the queue.")
        holding = [
            t
            for t in (title.torrents.list if title.torrents else ())
            if any(_holds(t, e) for e in missing)
        ]
        if not holding:
            raise NothingMissingError("No torrent of this title holds its missing episodes.")
        best = min(
            holding,
            key=lambda t: (
                -sum(_holds(t, e) for e in missing),
                preferred_order(t.quality.resolution, self._lines),
                -t.seeders,
            ),
        )
        from app.services.torrent_search import release_name

        spec = await asyncio.to_thread(parse_torrent, await self._catalog.torrent_file(best))
        existing = queue.find(spec.info_hash) if queue is not None else None
        wanted = set(missing)
        selected: tuple[int, ...] | None = tuple(
            f.index for f in spec.files if episode_from_name(f.path) in wanted
        )
        if not on_disk and not queued:
            selected = None  # the whole season, specials and extras included
        elif not selected:
            raise NothingMissingError("No file of the torrent names a missing episode.")
        return MissingDownload(
            spec,
            release_name(title, best),
            best.series.string,
            missing,
            selected,
            existing.id if existing is not None else None,
        )

    # finding -------------------------------------------------------------------------------

    async def _find(self, source: str, title: Title, episode: Number) -> _Candidate | None:
        if source == "anilibria":
            return await self._from_anilibria(title, episode)
        return await self._from_nekobt(title, episode)

    async def _from_anilibria(self, title: Title, episode: Number) -> _Candidate | None:
        from app.services.torrent_search import release_name

        holding = [t for t in (title.torrents.list if title.torrents else ()) if _holds(t, episode)]
        if not holding:
            return None
        best = min(
            holding,
            key=lambda t: (preferred_order(t.quality.resolution, self._lines), -t.seeders),
        )
        spec = await asyncio.to_thread(parse_torrent, await self._catalog.torrent_file(best))
        return _Candidate(
            "anilibria",
            spec,
            release_name(title, best),
            best.series.string,
            _episode_files(spec, episode),
        )

    async def _from_nekobt(self, title: Title, episode: Number) -> _Candidate | None:
        if self._nekobt is None:
            return None
        media_id = await self._media_id(title)
        if media_id is None:
            return None
        media = (await self._nekobt.media(media_id, force=True)).value
        episode_ids = [e.id for e in media.episodes if e.id is not None and e.episode == episode]
        if not episode_ids:
            return None
        found = await self._nekobt.search_torrents(media_id=media_id, episode_ids=episode_ids)
        # Never another media's torrent, whatever the search let through.
        usable = [t for t in found.results if t.media_id == media_id and t.id and not t.deleted]
        if not usable:
            return None
        best = min(
            usable,
            key=lambda t: (preferred_order(resolution_of(t.title), self._lines), -t.seeders),
        )
        spec = await self._nekobt_spec(best)
        return _Candidate(
            "nekobt", spec, best.title or spec.name, f"{episode:g}", _episode_files(spec, episode)
        )

    async def _nekobt_spec(self, torrent: NekoTorrent) -> TorrentSpec:
        assert self._nekobt is not None and torrent.id is not None
        # Without a key, the public file: no passkey to leak, trackers anyone may use.
        data = await self._nekobt.download_torrent(
            torrent.id, public=not self._nekobt.authenticated
        )
        return await asyncio.to_thread(parse_torrent, data)

    async def _media_id(self, title: Title) -> str | None:
        """The nekoBT media of the title: remembered, else searched by name and matched by
        year (a search's best guess of another year is another show)."""
        assert self._nekobt is not None
        followed = self._store.get(title.id)
        if followed is not None and followed.nekobt_media:
            return followed.nekobt_media
        year = title.season.year if title.season else None
        for name in (title.names.en, title.names.alternative, title.names.ru):
            if not name:
                continue
            for media in (await self._nekobt.search_media(name, limit=5)).results:
                if media.id and (year is None or media.year is None or media.year == year):
                    self._store.remember_media(title.id, media.id)
                    return media.id
        return None

    # the record ----------------------------------------------------------------------------

    def _record(
        self, title_id: int, episode: Number, outcome: Outcome, source: str | None, detail: str
    ) -> Outcome:
        at = self._clock()
        self._store.record(title_id, episode, outcome, source=source, detail=detail, at=at)
        self._publish(title_id, episode, outcome, source, detail, at)
        return outcome

    def _publish(
        self,
        title_id: int,
        episode: Number,
        outcome: Outcome,
        source: str | None,
        detail: str | None,
        at: float,
    ) -> None:
        log.info(
            "follow: title %d episode %s: %s (%s) %s", title_id, episode, outcome, source, detail
        )
        self._bus.publish(
            FollowDecided(FollowEntry(title_id, episode, outcome, source, detail, at))
        )


def _holds(torrent: AniLibriaTorrent, episode: Number) -> bool:
    first, last = torrent.series.first, torrent.series.last
    return first is not None and last is not None and first <= episode <= last


def _episode_files(spec: TorrentSpec, episode: Number) -> tuple[int, ...] | None:
    """The files of `spec` that hold `episode`; None (all) for a single file or none named."""
    chosen = tuple(f.index for f in spec.files if episode_from_name(f.path) == episode)
    return chosen if chosen and len(spec.files) > 1 else None


def _covers(selected: tuple[int, ...] | None, wanted: tuple[int, ...] | None) -> bool:
    """Whether a download choosing `selected` (None: all) already gets the `wanted` files."""
    if selected is None:
        return True
    return wanted is not None and set(wanted) <= set(selected)


def _chosen(
    queue: DownloadQueue, download_id: str, selected: tuple[int, ...] | None
) -> list[TorrentFile]:
    """The files a queued download gets."""
    return [f for f in queue.files(download_id) if selected is None or f.index in selected]


def _queued_episodes(queue: DownloadQueue, title_id: int) -> set[Number]:
    """The episodes the queue's downloads of the title get, by their files' names."""
    episodes: set[Number] = set()
    for item in queue.items():
        if item.title_id == title_id:
            for file in _chosen(queue, item.id, item.selected):
                number = episode_from_name(file.path)
                if number is not None:
                    episodes.add(number)
    return episodes


def _released_since(title: Title, since: float) -> frozenset[Number]:
    """The episodes of `title` that came out after `since` (Unix seconds), by their release
    time; an episode with no time counts when the title changed after `since`."""
    player = title.player
    if player is None:
        return frozenset()
    changed_after = (title.updated or 0) > since
    return frozenset(
        e.serie
        for e in player.episodes
        if (e.created_timestamp > since if e.created_timestamp is not None else changed_after)
    )

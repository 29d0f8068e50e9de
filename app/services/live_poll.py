"""Live updates from AniLiberty API v1, which has no push: what is new is polled.

`PollingLive` has `LiveService`'s surface (`run()`, `resubscribe()`, `state`) and publishes the
same bus events, so the app cannot tell the two apart; `Runtime.live` picks it when the catalog
speaks v1. Its state is POLLING while it follows anything (`retry_in`: the wait before the next
poll), IDLE otherwise.

Every `poll_interval`, and at once when what to follow changed (`resubscribe()`), it reads
(`ReleaseNews`, each trimmed with `include=`):

- `/anime/releases/latest` (`poll_page` releases): the freshest releases, each with its newest
  episode;
- `/anime/schedule/now`: yesterday's, today's and tomorrow's releases with their newest published
  episode, so a favorite on air stays in sight even when more than a page of releases were raised
  since the last poll;
- `/anime/torrents`, newest first, `poll_page` a page (50 at most), page after page until a page
  holds nothing newer than the mark.

It compares them with three marks, the newest server timestamps seen (never the local clock),
kept in the key-value store (`live.v1.since`, apart from v2's marks, whose timestamps mean nothing
here) so a restart catches up on what happened while anitui was closed:

- `updates`, a release's `fresh_at` (its newest episode): a release raised after the mark
  announces its newest episode, `EpisodeReleased` under v2's playlist_update key
  `(id, episode, reupload=False)`, so the latest list and the schedule announce it once;
- `changes`, a release's `updated_at`: a release changed after it is a `TitleChanged` (v2's
  `(id, last_change)` key);
- `torrents`, a torrent's `updated_at`: a new torrent, or one updated in place (an ongoing
  release's torrent keeps its id and gets a new `updated_at` and info-hash with each episode), is
  a `TorrentsChanged` of its release (one a poll for all of them), keyed by each torrent's
  `(torrent id, updated_at)`.

With no mark stored, a poll sets the marks from what it read and announces nothing: nothing older
than the first baseline is ever announced (a list that came back empty sets no mark; the next
poll tries again). A poll that fails leaves every mark alone (the three reads come first, then
the marks move) and the next interval tries again; nothing here raises for network trouble.

Limits of what v1 offers: the latest list has no paging, so after more than `poll_page` releases
were raised between two polls (a long time closed) only the freshest and the schedule's are seen;
and it carries a release's newest episode alone, so two episodes of one release between two
polls announce the newer one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable

from app.services.events import EventBus
from app.services.live import (
    MAX_TITLE_ID,
    LiveSettings,
    LiveState,
    LiveUpdates,
    TorrentsChanged,
    server_timestamp,
)
from app.sources.anilibria.models import Title
from app.sources.errors import SourceError
from app.sources.release_news import (
    LATEST_NEWS_FIELDS,
    SCHEDULE_NEWS_FIELDS,
    TORRENT_NEWS_FIELDS,
    ReleaseNews,
    ReleaseTorrent,
)
from app.store.kv import KeyValueStore

__all__ = ["V1_SINCE_KEY", "PollingLive"]

log = logging.getLogger("anitui.live")

V1_SINCE_KEY = "live.v1.since"
"""Key-value store key of v1's poll marks: JSON `{"updates", "changes", "torrents"}`."""
NO_PUSH = "API v1 has no push: polling"
"""Why v1 is always POLLING (the state's reason)."""

_MAX_TORRENT_PAGES = 20
"""A poll reads at most this many torrent pages (a server that ignores `page`)."""


class PollingLive(LiveUpdates):
    """Follows AniLiberty API v1 by polling `news`; see the module docstring."""

    MARKS_KEY = V1_SINCE_KEY
    MARK_NAMES = ("updates", "changes", "torrents")

    def __init__(
        self,
        news: ReleaseNews,
        bus: EventBus,
        kv: KeyValueStore,
        *,
        follow: Callable[[], frozenset[int] | None],
        settings: LiveSettings,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Poll `news` every `settings.poll_interval` seconds (through `sleep`)."""
        super().__init__(bus, kv, follow=follow, settings=settings, sleep=sleep)
        self._news = news

    async def _follow_titles(self) -> None:
        """One poll, then the wait until the next (cut short by `resubscribe()`)."""
        interval = self._settings.poll_interval
        self._set_state(LiveState.POLLING, retry_in=interval, reason=NO_PUSH)
        await self._poll()
        await self._wait(interval)

    async def _poll(self) -> None:
        """Read what is new and announce it; when the API fails, the marks stay as they were."""
        following = self._following
        try:
            titles = await self._releases()
            torrents = await self._torrents(self._marks["torrents"])
            since = self._marks["updates"]
            if since is None:
                self._advance({"updates": _newest(t.updated for t in titles)}, start=True)
            else:
                self._released(titles, since, following)
            since = self._marks["changes"]
            if since is None:
                self._advance({"changes": _newest(t.last_change for t in titles)}, start=True)
            else:
                self._changed(titles, since, following)
            since = self._marks["torrents"]
            if since is None:
                newest = _newest(t.torrent.uploaded_timestamp for t in torrents)
                self._advance({"torrents": newest}, start=True)
            else:
                self._torrents_changed(torrents, since)
        except SourceError as exc:
            log.info("live: poll failed, trying again later: %s", exc)
        except Exception:  # a bug here must not end live updates
            log.exception("live: poll failed")

    async def _releases(self) -> list[Title]:
        """The latest releases and those scheduled around today, each with its newest episode."""
        latest = await self._news.latest(
            limit=max(1, self._settings.poll_page), include=LATEST_NEWS_FIELDS
        )
        now = (await self._news.schedule_now(include=SCHEDULE_NEWS_FIELDS)).value
        scheduled = (
            entry.with_episodes_out() for entry in (*now.yesterday, *now.today, *now.tomorrow)
        )
        return [*latest.value, *scheduled]

    async def _torrents(self, since: int | None) -> list[ReleaseTorrent]:
        """The newest torrents, page after page while a page holds one updated after `since`
        (the first page alone for a baseline)."""
        found: list[ReleaseTorrent] = []
        for page in range(1, _MAX_TORRENT_PAGES + 1):
            fetched = await self._news.torrents(
                page=page, limit=max(1, self._settings.poll_page), include=TORRENT_NEWS_FIELDS
            )
            items = fetched.value.items
            found.extend(items)
            if since is None or not fetched.value.page.has_next:
                break
            if not any(_after(t.torrent.uploaded_timestamp, since) for t in items):
                break
        else:
            log.warning("live: a torrent poll stopped after %d pages", _MAX_TORRENT_PAGES)
        return found

    def _torrents_changed(self, torrents: list[ReleaseTorrent], since: int) -> None:
        """One `TorrentsChanged` per release whose torrents were updated after `since`."""
        newest = since
        updated_by_title: dict[int, list[Hashable]] = {}
        for item in sorted(torrents, key=lambda t: t.torrent.uploaded_timestamp or 0):
            updated = server_timestamp(item.torrent.uploaded_timestamp)
            if updated is None or updated <= since:
                continue
            newest = max(newest, updated)
            title_id = item.title.id if item.title is not None else 0
            if 0 < title_id <= MAX_TITLE_ID:
                key = ("torrent", item.torrent.torrent_id, updated)
                updated_by_title.setdefault(title_id, []).append(key)
        for title_id, keys in updated_by_title.items():
            self._publish(TorrentsChanged(title_id), tuple(keys))
        self._advance({"torrents": newest})


def _after(value: int | None, since: int) -> bool:
    stamp = server_timestamp(value)
    return stamp is not None and stamp > since


def _newest(values: Iterable[int | None]) -> int | None:
    """The newest usable timestamp; None when there is none (no baseline from an empty list)."""
    return max((s for s in map(server_timestamp, values) if s is not None), default=None)

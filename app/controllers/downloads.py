"""Adding downloads (with the file picker for a batch, from a title's torrent or one episode of
it) and telling the user what the queue did."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from app.controllers.base import Controller
from app.i18n import t, tn
from app.plaintext import one_line
from app.services.events import DownloadEvent
from app.sources.anilibria.models import Title, Torrent
from app.sources.errors import SourceError
from app.widgets.status_line import describe_error

if TYPE_CHECKING:
    from textual.app import App

    from app.services.downloads import DownloadPriority, DownloadQueue
    from app.services.torrent_meta import TorrentSpec


log = logging.getLogger("anitui.downloads")


class DownloadsController(Controller):
    """Queues what the screens ask for; announces finished and failed downloads."""

    def __init__(self, app: App[None]) -> None:
        super().__init__(app)
        self.failure_told = False

    def on_event(self, event: DownloadEvent) -> None:
        """Queue events reach every open Downloads screen; a finished or failed one is told."""
        from app.services.downloads import DownloadCompleted, DownloadFailed

        if isinstance(event, DownloadCompleted):
            self.tell(t("Downloaded: {name}", name=one_line(event.item.label)))
        elif isinstance(event, DownloadFailed):
            self.tell(
                t(
                    "Download failed: {name}: {error}",
                    name=one_line(event.item.label),
                    # Engine errors are libtorrent's English; the queue's own are msgids.
                    error=one_line(t(event.item.error or "")),
                ),
                severity="error",
                timeout=10,
            )
        self.shell.download_events.publish(event)

    async def queue(self) -> DownloadQueue | None:
        """The download queue (opened on first use); None when downloads cannot run, said once."""
        queue = await self.runtime.downloads()
        if queue is None and not self.runtime.browse_only and not self.failure_told:
            self.failure_told = True
            self.tell(
                t("Downloads are unavailable: libtorrent could not start (see the log)."),
                severity="error",
            )
        return queue

    def resume(self) -> None:
        """Open the queue at start-up when saved downloads wait to go on."""
        if self.runtime.has_unfinished_downloads():
            self.run(self.queue(), "downloads")

    def running(self) -> bool:
        """Whether a download is running now (never opens the queue)."""
        queue = self.runtime.opened_downloads
        return queue is not None and queue.statistics().active_count > 0

    # requests ------------------------------------------------------------------------------

    def add(
        self,
        spec: TorrentSpec,
        *,
        source: str,
        title_id: int | None = None,
        title_name: str | None = None,
        episodes: str | None = None,
        priority: DownloadPriority = "NORMAL",
    ) -> None:
        """Queue `spec` with `priority`: the user picks its files (and may change the priority)
        first when it has several."""
        self.run(
            self._add(spec, source, title_id, title_name, episodes, priority=priority),
            "add-download",
        )

    def add_title_torrent(self, title: Title, torrent: Torrent) -> None:
        """Queue one of `title`'s torrents, its .torrent fetched and checked first."""
        self.run(self._add_title_torrent(title, torrent), "add-download")

    def download_missing(self, title_id: int) -> None:
        """Queue the title's missing episodes from its best torrent, the file picker opening
        with only their files chosen."""
        self.run(self._download_missing(title_id), "add-download")

    def download_episode(self, title: Title, episode: int | float) -> None:
        """Queue only `episode` from the first of the title's torrents that holds it."""
        self.run(self._download_episode(title, episode), "add-download")

    async def _add_title_torrent(self, title: Title, torrent: Torrent) -> None:
        spec = await self._read_title_torrent(torrent)
        if spec is not None:
            await self._add_from_title(title, torrent, spec)

    async def _add_from_title(
        self,
        title: Title,
        torrent: Torrent,
        spec: TorrentSpec,
        selected: tuple[int, ...] | None = None,
    ) -> None:
        """Queue `spec`, the .torrent of one of `title`'s torrents, named as the Torrents screen
        names it."""
        from app.services.torrent_search import release_name

        await self._add(
            spec,
            "anilibria",
            title.id,
            release_name(title, torrent),
            torrent.series.string,
            selected=selected,
        )

    async def _add(
        self,
        spec: TorrentSpec,
        source: str,
        title_id: int | None,
        title_name: str | None,
        episodes: str | None,
        *,
        selected: tuple[int, ...] | None = None,
        preselected: tuple[int, ...] | None = None,
        priority: DownloadPriority = "NORMAL",
    ) -> None:
        """Add `spec` to the queue; without `selected`, a batch opens the file picker first
        (with `preselected` chosen, else every file)."""
        from app.screens.file_picker import FilePickerScreen
        from app.services.downloads import DownloadError, DuplicateDownloadError

        if self.runtime.browse_only:
            self.tell(t("Downloads are off: another anitui owns the download queue."))
            return
        queue = await self.queue()
        if queue is None:
            return
        existing = queue.find(spec.info_hash)
        if existing is not None:
            # Before the file picker: choosing files for a refused download would be wasted.
            self.tell(describe_error(DuplicateDownloadError(existing)), severity="warning")
            return
        if selected is None and len(spec.files) > 1:
            picked = await self.app.push_screen_wait(
                FilePickerScreen(
                    spec.name,
                    spec.files,
                    selected=preselected,
                    free_space=queue.free_space(),
                    priority=priority,
                )
            )
            if picked is None:
                return
            priority = picked.priority
            if len(picked.selected) < len(spec.files):
                selected = picked.selected
        if title_id is not None and self.runtime.settings.library.organize:
            await self._prepare_series(title_id)
        try:
            item = queue.add(
                spec,
                title_id=title_id,
                title_name=title_name,
                episodes=episodes,
                source=source,
                selected=selected,
                priority=priority,
            )
        except DownloadError as error:
            self.tell(describe_error(error), severity="warning", timeout=8)
            return
        self.tell(t("Added to downloads: {name} (6 opens Downloads)", name=one_line(item.label)))

    async def _prepare_series(self, title_id: int) -> None:
        """Make the title's series folder, which the queue saves its download in; when it
        cannot be made, the download goes to the download folder as before (logged)."""
        from app.services.errors import ExplainedError

        try:
            await self.runtime.library.ensure_series(title_id)
        except (ExplainedError, SourceError) as error:
            log.info("no series folder for title %d: %s", title_id, error)

    async def _read_title_torrent(self, torrent: Torrent) -> TorrentSpec | None:
        """The checked .torrent of one of a title's torrents; None (and a message) when it
        cannot be had or is refused."""
        from app.services.torrent_meta import TorrentInputError, parse_torrent

        try:
            data = await self.runtime.catalog.torrent_file(
                torrent, session=self.runtime.favorites.session
            )
            return await asyncio.to_thread(parse_torrent, data)
        except (SourceError, TorrentInputError) as error:
            self.tell(
                t("Cannot download this torrent: {reason}", reason=describe_error(error)),
                severity="error",
            )
            return None

    async def _download_episode(self, title: Title, episode: int | float) -> None:
        from app.services.episode_numbers import episode_from_name

        torrents = title.torrents.list if title.torrents else ()
        torrent = next(
            (
                tr
                for tr in torrents
                if tr.series.first is not None
                and tr.series.last is not None
                and tr.series.first <= episode <= tr.series.last
            ),
            None,
        )
        if torrent is None:
            self.tell(
                t("No torrent of this title holds episode {episode}.", episode=episode),
                severity="warning",
            )
            return
        spec = await self._read_title_torrent(torrent)
        if spec is None:
            return
        chosen = tuple(f.index for f in spec.files if episode_from_name(f.path) == episode)
        await self._add_from_title(
            title, torrent, spec, chosen if chosen and len(spec.files) > 1 else None
        )

    async def _download_missing(self, title_id: int) -> None:
        from app.services.errors import ExplainedError

        if self.runtime.browse_only:
            self.tell(t("Downloads are off: another anitui owns the download queue."))
            return
        try:
            plan = await self.runtime.follow.missing_download(title_id)
        except (ExplainedError, SourceError) as error:
            self.tell(describe_error(error), severity="warning", timeout=8)
            return
        queue = await self.queue()
        if queue is None:
            return
        if plan.queued_id is not None and plan.selected is not None:
            # The torrent is queued for other episodes: it gets the missing ones too.
            item = queue.get(plan.queued_id)
            chosen = set(plan.selected) | set(item.selected or ()) if item else set(plan.selected)
            queue.set_selected_files(plan.queued_id, sorted(chosen))
            self.tell(
                tn(
                    "{count} missing episode added to {name}",
                    "{count} missing episodes added to {name}",
                    len(plan.missing),
                    name=one_line(plan.name),
                )
            )
            return
        await self._add(
            plan.spec,
            "anilibria",
            title_id,
            plan.name,
            plan.episodes,
            preselected=plan.selected,
        )

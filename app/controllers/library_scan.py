"""The local library in the background: a scan after start-up and every
`[library] rescan_interval` seconds (0: only on demand), one more when a download of a series
finishes, the NFO of a series that grew written (`[library] nfo`), and a scan that cannot read
the library's folder said to the user."""

from __future__ import annotations

import contextlib
import logging

from app.controllers.base import Controller
from app.i18n import t
from app.services.events import DownloadEvent, LocalLibraryEvent
from app.sources.anilibria.models import Title
from app.widgets.status_line import describe_error

log = logging.getLogger("anitui.library")


class LibraryScanController(Controller):
    """Starts the library's scheduler, keeps the library in step with finished downloads and
    reports failed scans."""

    def start(self) -> None:
        """After the first paint: the scheduler, when `[library] rescan_interval` is set."""
        interval = self.runtime.settings.library.rescan_interval
        if interval > 0:
            self.run(self.runtime.library.keep_scanned(interval), "library-scan", exclusive=True)

    def add_series(self, title: Title) -> None:
        """Add `title` to the library (its folder and marker, then a scan of it), and say where
        it went."""
        self.run(self._add_series(title), "library-add")

    async def _add_series(self, title: Title) -> None:
        runtime = self.runtime
        series = await runtime.library.add_series(title)
        self.tell(t("In the library: {folder}", folder=str(series.folder)), timeout=6)
        # With `[library] nfo`, Kodi and Jellyfin find the new series described at once.
        await runtime.nfo.write_automatically(runtime.library.nfo_folder(series.id, title))

    def on_download_event(self, event: DownloadEvent) -> None:
        """A finished download of a series' title: a scan finds its episodes (the Library shows
        them present, and the series' NFO follows with `[library] nfo`)."""
        from app.services.downloads import DownloadCompleted
        from app.services.library import LibraryRootError

        if not isinstance(event, DownloadCompleted) or event.item.title_id is None:
            return
        library = self.runtime.library
        if library.by_title(event.item.title_id) is not None:

            async def scan() -> None:
                with contextlib.suppress(LibraryRootError):  # Told by its own event.
                    await library.scan()

            self.run(scan(), "library-scan-download")

    def on_event(self, event: LocalLibraryEvent) -> None:
        from app.services.library import LibraryScanFailed, LibraryScanFinished

        self.shell.local_library_events.publish(event)
        if isinstance(event, LibraryScanFailed):
            self.tell(describe_error(event.error), severity="warning", timeout=8)
        elif isinstance(event, LibraryScanFinished) and event.result.grown:
            self.run(self._describe_grown(event.result.grown), "library-nfo")

    async def _describe_grown(self, series_ids: tuple[int, ...]) -> None:
        """With `[library] nfo`: the NFO and artwork a grown series lacks, and an NFO for each
        new episode with `[library] episode_nfo`; a series that fails is logged, the others go
        on (the user asked for none of it)."""
        from app.services.errors import ExplainedError
        from app.services.library import SeriesFilesChanged
        from app.sources.errors import SourceError

        runtime = self.runtime
        if not runtime.settings.library.nfo:
            return
        written = []
        for series_id in series_ids:
            series = runtime.library.get(series_id)
            if series is None or series.title_id is None:
                continue
            try:
                title = (await runtime.catalog.title(series.title_id)).value
                await runtime.nfo.write_automatically(runtime.library.nfo_folder(series_id, title))
            except (ExplainedError, SourceError) as error:
                log.warning("no NFO for %s: %s", series.folder_name, error)
                continue
            written.append(series_id)
        if written:
            self.shell.local_library_events.publish(SeriesFilesChanged(tuple(written)))

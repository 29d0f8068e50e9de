"""The local library in the background: a scan after start-up and every
`[library] rescan_interval` seconds (0: only on demand), and a scan that cannot read the
library's folder said to the user."""

from __future__ import annotations

from app.controllers.base import Controller
from app.i18n import t
from app.services.events import LocalLibraryEvent
from app.sources.anilibria.models import Title
from app.widgets.status_line import describe_error


class LibraryScanController(Controller):
    """Starts the library's scheduler and reports failed scans."""

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
        from app.services.nfo import EpisodeFile, SeriesFolder

        runtime = self.runtime
        series = await runtime.library.add_series(title)
        self.tell(t("In the library: {folder}", folder=str(series.folder)), timeout=6)
        episodes = tuple(
            EpisodeFile(e.path, e.episode)
            for e in runtime.library.episodes(series.id)
            if e.episode is not None
        )
        # With `[library] nfo`, Kodi and Jellyfin find the new series described at once.
        await runtime.nfo.write_automatically(SeriesFolder(series.folder, title, episodes))

    def on_event(self, event: LocalLibraryEvent) -> None:
        from app.services.library import LibraryScanFailed

        self.shell.local_library_events.publish(event)
        if isinstance(event, LibraryScanFailed):
            self.tell(describe_error(event.error), severity="warning", timeout=8)

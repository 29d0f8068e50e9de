"""The local library in the background: a scan after start-up and every
`[library] rescan_interval` seconds (0: only on demand), one more when a download of a series
finishes or has moved into its folder, the NFO of a series that grew written
(`[library] nfo`), the downloads saved outside their series folders offered to move there, and
a scan that cannot read the library's folder said to the user."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from textual.app import App

from app.controllers.base import Controller
from app.i18n import t, tn
from app.services.events import DownloadEvent, LocalLibraryEvent
from app.widgets.status_line import describe_error

if TYPE_CHECKING:
    # The library service loads after the first paint, with its first scan.
    from app.services.library import Stray
    from app.sources.anilibria.models import Title

log = logging.getLogger("anitui.library")


class LibraryScanController(Controller):
    """Starts the library's scheduler, keeps the library in step with finished downloads,
    offers to move downloads into their series folders and reports failed scans."""

    def __init__(self, app: App[None]) -> None:
        super().__init__(app)
        self.offered: set[str] = set()
        """Downloads this run offered to move: asked once (the answer holds for the run)."""
        self.moving: dict[str, str] = {}
        """Downloads whose files move now, with the folder they leave: once they have left
        it, a scan finds them."""

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
        self.offer_moves()

    def offer_moves(self) -> None:
        """Offer to move the downloads of the library's titles saved outside their series
        folders (downloads made before the series had one); nothing moves unless the user
        says so, and each is offered once a run."""
        if self.runtime.browse_only:
            return
        strays = [s for s in self.runtime.library.strays() if s.download_id not in self.offered]
        if strays:
            self.offered.update(s.download_id for s in strays)
            self.run(self._ask_to_move(strays), "library-move")

    async def _ask_to_move(self, strays: list[Stray]) -> None:
        from app.screens.choice import Choice, ChoiceScreen
        from app.services.downloads import DownloadError

        names = sorted({s.series.display_name for s in strays})
        answer = await self.app.push_screen_wait(
            ChoiceScreen(
                tn(
                    "{count} download of your library's titles lies outside its series folder."
                    " Move it there?",
                    "{count} downloads of your library's titles lie outside their series"
                    " folders. Move them there?",
                    len(strays),
                ),
                [Choice("move", t("Move them")), Choice("leave", t("Leave them where they are"))],
                subject=", ".join(names),
            )
        )
        queue = await self.runtime.downloads() if answer == "move" else None
        if queue is None:
            return
        for stray in strays:
            item = queue.get(stray.download_id)
            if item is None:
                continue  # removed while the user chose
            try:
                queue.relocate(item.id, str(stray.series.folder))
            except DownloadError as error:
                self.tell(f"{stray.name}: {describe_error(error)}", severity="warning")
            else:
                self.moving[item.id] = item.folder

    def on_download_event(self, event: DownloadEvent) -> None:
        """A finished download of a series' title, or one moved into its series folder: a
        scan finds its episodes (the Library shows them present, and the series' NFO follows
        with `[library] nfo`). A move that failed is told."""
        from app.services.downloads import DownloadChanged, DownloadCompleted, DownloadMoveFailed
        from app.services.library import LibraryRootError

        if isinstance(event, DownloadMoveFailed):
            self.moving.pop(event.item.id, None)
            self.tell(
                t("{name} was not moved: {reason}", name=event.item.label, reason=event.reason),
                severity="warning",
                timeout=10,
            )
            return
        if not isinstance(event, DownloadCompleted | DownloadChanged):
            return
        item = event.item
        left = self.moving.get(item.id, item.folder) != item.folder
        if not (isinstance(event, DownloadCompleted) or left) or item.title_id is None:
            return
        self.moving.pop(item.id, None)
        library = self.runtime.library
        if library.by_title(item.title_id) is not None:

            async def scan() -> None:
                with contextlib.suppress(LibraryRootError):  # Told by its own event.
                    await library.scan()

            self.run(scan(), "library-scan-download")

    def on_event(self, event: LocalLibraryEvent) -> None:
        from app.services.library import LibraryScanFailed, LibraryScanFinished

        self.shell.local_library_events.publish(event)
        if isinstance(event, LibraryScanFailed):
            self.tell(describe_error(event.error), severity="warning", timeout=8)
        elif isinstance(event, LibraryScanFinished):
            self.offer_moves()
            if event.result.grown:
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

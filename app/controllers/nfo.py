"""The NFO actions the Library asks for (`N`, Aniworld's NFO endpoints as a TUI): the state of
a series' NFO and artwork, create (asking before it replaces one), update from AniLibria, view
the NFO, download missing artwork, create for many series, list the series without NFO."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.controllers.base import Controller
from app.i18n import t
from app.messages import NfoAction

if TYPE_CHECKING:
    # The library and NFO services load after the first paint, when first used.
    from app.services.library import Series
    from app.services.nfo import SeriesFolder


class NfoController(Controller):
    """Runs the NFO actions on library series and shows their results."""

    def act(self, action: NfoAction, series_ids: Sequence[int]) -> None:
        """Run `action` on the series `series_ids` (one for the single-series actions; for
        `batch` several, or none for every series)."""
        library = self.runtime.library
        chosen = [s for s in map(library.get, series_ids) if s is not None]
        self.run(self._act(action, chosen), "nfo", exclusive=True)

    async def _act(self, action: NfoAction, chosen: list[Series]) -> None:
        from app.screens.library import TextScreen, state_text
        from app.services.nfo import NfoExistsError

        nfo = self.runtime.nfo
        library = self.runtime.library
        if action == "without":
            lacking = [s.display_name for s in library.series() if not nfo.state(s.folder).has_nfo]
            text = "\n".join(lacking) if lacking else t("Every series has its NFO.")
            self.app.push_screen(TextScreen(t("Series without NFO"), text))
            return
        if action == "batch":
            await self._batch(chosen if len(chosen) > 1 else library.series())
            return
        if not chosen:
            return  # The series left the library while the user chose.
        series = chosen[0]
        if action == "state":
            title = (await self.folder(series)).title if series.title_id is not None else None
            state = nfo.state(series.folder, title)
            self.app.push_screen(TextScreen(series.display_name, state_text(state)))
        elif action == "view":
            content = await asyncio.to_thread(nfo.read, series.folder)
            self.app.push_screen(TextScreen(str(content.path.name), content.text))
        elif action == "create":
            folder = await self.folder(series)
            try:
                await nfo.create(folder)
            except NfoExistsError:
                await self._ask_overwrite(series, folder)
                return
            self._done(series, t("NFO created: {folder}", folder=series.folder_name))
        elif action == "update":
            await nfo.update(await self.folder(series))
            self._done(series, t("NFO updated: {folder}", folder=series.folder_name))
        elif action == "media":
            state = await nfo.download_missing_media(await self.folder(series))
            self._done(series, state_text(state))

    async def folder(self, series: Series) -> SeriesFolder:
        """What the NFO service needs of a series: its folder, title and episode files."""
        from app.services.library import LibraryError

        if series.title_id is None:
            raise LibraryError(
                "{folder} is not matched to an AniLibria title.", folder=series.folder_name
            )
        title = (await self.runtime.catalog.title(series.title_id)).value
        return self.runtime.library.nfo_folder(series.id, title)

    async def _batch(self, targets: Sequence[Series]) -> None:
        from app.screens.library import TextScreen, summary_text

        folders: list[SeriesFolder] = []
        unmatched: list[str] = []
        for series in targets:
            if series.title_id is None:
                unmatched.append(series.display_name)
            else:
                folders.append(await self.folder(series))
        summary = await self.runtime.nfo.create_many(folders)
        text = summary_text(summary)
        if unmatched:
            text += "\n" + t(
                "Not matched to a title, left alone: {names}", names=", ".join(unmatched)
            )
        self._changed([s.id for s in targets])
        self.app.push_screen(TextScreen(t("NFO and artwork"), text))

    async def _ask_overwrite(self, series: Series, folder: SeriesFolder) -> None:
        from app.screens.choice import Choice, ChoiceScreen

        answer = await self.app.push_screen_wait(
            ChoiceScreen(
                t("This series already has a tvshow.nfo. Replace it?"),
                [Choice("overwrite", t("Replace it")), Choice("keep", t("Keep it"))],
                subject=folder.folder.name,
                tone="warning",
            )
        )
        if answer == "overwrite":
            await self.runtime.nfo.create(folder, overwrite=True)
            self._done(series, t("NFO replaced: {folder}", folder=folder.folder.name))

    def _done(self, series: Series, message: str) -> None:
        self._changed([series.id])
        self.tell(message, timeout=4)

    def _changed(self, series_ids: Sequence[int]) -> None:
        """The screens showing these series show their files again."""
        from app.services.library import SeriesFilesChanged

        self.shell.local_library_events.publish(SeriesFilesChanged(tuple(series_ids)))

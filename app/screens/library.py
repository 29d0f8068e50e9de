"""The local library: the series folders under `[library] root`, what each has on disk and
what is missing, their NFO and artwork; a series' episodes, played from disk; the NFO actions
(`N`) on one series or the marked ones (`t`)."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import ClassVar, get_args

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from app.formatting import human_size
from app.i18n import t, tn
from app.messages import (
    LocalFilePlayRequested,
    MissingDownloadRequested,
    NfoAction,
    NfoActionRequested,
)
from app.screens.base import AniScreen
from app.screens.favorites import FOLLOWED_MARK
from app.services.events import Event
from app.services.library import (
    LibraryScanFailed,
    LibraryScanFinished,
    LibraryScanProgressed,
    LibraryScanStarted,
    LocalEpisode,
    Number,
    Series,
    SeriesFilesChanged,
    SeriesSort,
)
from app.services.nfo import (
    ArtworkStatus,
    BatchOutcome,
    BatchSummary,
    NfoState,
)
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine, describe_error
from app.widgets.title_table import KeyTable, RowItems, cell

NFO_ACTIONS: dict[str, NfoAction] = {action: action for action in get_args(NfoAction)}
"""The NFO choice's answers, each the action it asks for."""
SORT_NAMES: dict[SeriesSort, str] = {"name": "by name", "missing": "by missing episodes"}
MARK = "●"


def number_text(number: Number) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def on_disk_text(series: Series) -> str:
    """ "on disk / out": episodes found in files, over the episodes out (`?` until asked)."""
    out = "?" if series.episodes_out is None else str(len(series.episodes_out))
    return f"{len(series.episodes_on_disk)} / {out}"


def missing_cell(series: Series) -> Text:
    missing = series.missing
    if series.title_id is None:
        return cell("—", "dim")
    if missing is None:
        return cell("?", "dim")
    return cell(str(len(missing)), "bold yellow" if missing else "green")


def nfo_cell(state: NfoState) -> Text:
    return cell("✓", "green") if state.has_nfo else cell("—", "dim")


def artwork_cell(state: NfoState) -> Text:
    """Poster and fanart: P and F when present, lower case when missing, · when the source
    has none."""
    signs = []
    for letter, artwork in (("P", state.poster), ("F", state.fanart)):
        if artwork.status is ArtworkStatus.PRESENT:
            signs.append(letter)
        elif artwork.status is ArtworkStatus.NONE_AT_SOURCE:
            signs.append("·")
        else:
            signs.append(letter.lower())
    return cell("".join(signs), "green" if state.has_media else "dim")


def summary_text(summary: BatchSummary) -> str:
    lines = [
        t(
            "NFO: {created} created, {skipped} skipped, {failed} failed.",
            created=summary.created,
            skipped=summary.skipped,
            failed=summary.failed,
        )
    ]
    for item in summary.items:
        if item.outcome is BatchOutcome.FAILED and item.error is not None:
            lines.append(f"{item.series.folder.name}: {describe_error(item.error)}")
    return "\n".join(lines)


def state_text(state: NfoState) -> str:
    def artwork(status: ArtworkStatus) -> str:
        return t(
            {
                ArtworkStatus.PRESENT: "present",
                ArtworkStatus.MISSING: "missing",
                ArtworkStatus.NONE_AT_SOURCE: "none at source",
                ArtworkStatus.FAILED: "failed",
            }[status]
        )

    return "\n".join(
        (
            t("tvshow.nfo: {state}", state=t("present") if state.has_nfo else t("missing")),
            t("poster.jpg: {state}", state=artwork(state.poster.status)),
            t("fanart.jpg: {state}", state=artwork(state.fanart.status)),
        )
    )


class TextScreen(ModalScreen[None]):
    """Plain text over the screen (an NFO, a summary): it may hold anything, so no markup."""

    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll {
        width: 90%; height: 80%; border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, heading: str, text: str) -> None:
        super().__init__()
        self.heading = heading
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = self.heading
            yield Static(self.text, markup=False, id="text-view")


class SeriesActions(AniScreen):
    """What a screen that shows series does with them: the NFO actions (`N`), download the
    missing episodes (`M`), the follow history (`H`); `chosen_series()` says on which."""

    def chosen_series(self) -> list[Series]:
        """The series the actions work on: the marked ones, else the one under the cursor."""
        raise NotImplementedError

    def action_nfo(self) -> None:
        from app.screens.choice import Choice, ChoiceScreen

        chosen = self.chosen_series()
        if not chosen:
            tell(self, t("No series to work on."), timeout=3)
            return
        one = len(chosen) == 1
        choices = [
            Choice("state", t("Show the NFO and artwork state"), disabled=not one),
            Choice("create", t("Create the NFO and artwork"), disabled=not one),
            Choice("update", t("Update from AniLibria (NFO and artwork)"), disabled=not one),
            Choice("view", t("View tvshow.nfo"), disabled=not one),
            Choice("media", t("Download missing artwork"), disabled=not one),
            Choice(
                "batch",
                tn(
                    "Create for the {count} marked series",
                    "Create for the {count} marked series",
                    len(chosen),
                )
                if not one
                else t("Create for every series"),
            ),
            Choice("without", t("List the series without NFO")),
        ]
        subject = (
            chosen[0].display_name if one else tn("{count} series", "{count} series", len(chosen))
        )
        ids = tuple(s.id for s in chosen)

        def act(answer: str | None) -> None:
            if answer in NFO_ACTIONS:
                self.post_message(NfoActionRequested(NFO_ACTIONS[answer], ids))

        self.app.push_screen(ChoiceScreen(t("NFO and artwork"), choices, subject=subject), act)

    def action_download_missing(self) -> None:
        """`M`: queue the missing episodes of the series (each marked one, else the one under
        the cursor) from its best torrent; a series without a title is said, not guessed."""
        chosen = self.chosen_series()
        if not chosen:
            tell(self, t("No series to work on."), timeout=3)
            return
        unmatched = [s.display_name for s in chosen if s.title_id is None]
        for series in chosen:
            if series.title_id is not None:
                self.post_message(MissingDownloadRequested(series.title_id))
        if unmatched:
            tell(
                self,
                t("Not matched to a title, left alone: {names}", names=", ".join(unmatched)),
                severity="warning",
                timeout=6,
            )

    def action_follow_history(self) -> None:
        """`H`: what following the series' title decided, episode by episode."""
        from app.screens.follow_history import FollowHistoryScreen

        series = self.series_at_cursor()
        if series is None:
            tell(self, t("No series to work on."), timeout=3)
        elif series.title_id is None:
            tell(
                self,
                t("{folder} is not matched to an AniLibria title.", folder=series.folder_name),
                timeout=4,
            )
        else:
            self.app.push_screen(FollowHistoryScreen(series.title_id, series.display_name))

    def series_at_cursor(self) -> Series | None:
        """The one series the screen is about, or the one under the cursor."""
        chosen = self.chosen_series()
        return chosen[0] if chosen else None


class LibraryScreen(SeriesActions):
    """Every series of the local library, with what it misses."""

    MODE = "library"
    SCREEN_NAME = "Library"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "cycle_sort", "Sort"),
        Binding("e", "toggle_empty", "No episodes"),
        Binding("t", "toggle_mark", "Mark"),
        Binding("N", "nfo", "NFO"),
        Binding("M", "download_missing", "Download missing"),
        Binding("H", "follow_history", "Follow history", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort: SeriesSort = "name"
        self.no_episodes = False
        """Only the series without a video file (Aniworld's `no_episodes`)."""
        self.marked: set[int] = set()
        self.row_series: RowItems[Series] = RowItems()
        self.stale = False
        """Shown before the screen was last left: its rows are filled again on return."""

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        yield StatusLine(id="library-status")
        table = KeyTable(id="library-table", flexible=("name",))
        table.add_column(" ", key="mark")
        table.add_column(t("Series"), key="name")
        table.add_column(t("On disk / out"), key="disk")
        table.add_column(t("Missing"), key="missing")
        table.add_column(t("NFO"), key="nfo")
        table.add_column(t("Art"), key="art")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.shell.local_library_events.subscribe(self, self.library_event)
        self.shell.follows_changed.subscribe(self, lambda _ids: self.fill())
        self.start()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.fill()
        # After the first paint: the rows on disk come first, AniLibria's counts follow.
        self.call_after_refresh(self.ask_missing)

    def on_screen_suspend(self) -> None:
        self.stale = True

    def on_screen_resume(self) -> None:
        # Back from elsewhere (files may have changed without a scan). Not as the screen first
        # opens, which Textual resumes twice: one fill is what a 300-series library can
        # afford in its paint budget (`make bench`).
        if self.stale:
            self.stale = False
            self.fill()

    def action_refresh_screen(self) -> None:
        """Rescan the library (`ctrl+r`), then ask AniLibria what is out again."""
        self.run_worker(self._rescan(), group="library-rescan", exclusive=True, exit_on_error=False)

    async def _rescan(self) -> None:
        from app.services.library import LibraryRootError

        try:
            await self.runtime.library.scan()
        except LibraryRootError:
            return  # Said on the status line by the scan's event.
        await self._ask_missing(everyone=True)

    def ask_missing(self, again: Collection[int] = ()) -> None:
        """Ask AniLibria which episodes are out for the series not asked yet, and again for
        the series `again` (grown on disk: a new episode came out, most likely)."""
        self.run_worker(
            self._ask_missing(everyone=False, again=again),
            group="library-missing",
            exit_on_error=False,
        )

    async def _ask_missing(self, *, everyone: bool, again: Collection[int] = ()) -> None:
        library = self.runtime.library
        from app.services.library import LibraryError
        from app.sources.errors import SourceError

        failures = asked = 0
        for series in library.series():
            known = series.episodes_out is not None and series.id not in again
            if series.title_id is None or (known and not everyone):
                continue
            asked += 1
            try:
                await library.missing(series.id)
            except (LibraryError, SourceError):
                failures += 1
        if asked:
            self.fill()
        if failures:
            self.query_one(StatusLine).problem(
                tn(
                    "AniLibria did not say what is out for {count} series.",
                    "AniLibria did not say what is out for {count} series.",
                    failures,
                )
            )

    def library_event(self, event: Event) -> None:
        status = self.query_one(StatusLine)
        match event:
            case LibraryScanStarted(root=root):
                status.info(t("Scanning {root}…", root=str(root)))
            case LibraryScanProgressed(done=done, total=total):
                status.info(t("Scanning the library: {done} / {total}", done=done, total=total))
            case LibraryScanFinished(result=result):
                self.fill()
                self.ask_missing(again=result.grown)
                notes = len(result.notes)
                text = tn(
                    "{count} series in {root}.",
                    "{count} series in {root}.",
                    result.series,
                    root=str(result.root),
                )
                if notes:
                    text += " " + tn("{count} note in the log.", "{count} notes in the log.", notes)
                status.info(text)
            case LibraryScanFailed(error=error):
                status.problem(describe_error(error) + " " + t("The last scan is kept."))
            case SeriesFilesChanged():
                self.fill()

    def fill(self) -> None:
        library = self.runtime.library
        nfo = self.runtime.nfo
        found = library.series(sort=self.sort, no_episodes=self.no_episodes)
        followed = self.runtime.follow.followed_ids()
        table = self.query_one(KeyTable)
        cursor = table.cursor_row
        table.clear()
        self.row_series.clear()
        keys = table.add_keyed_rows(
            (
                str(series.id),
                self.row_cells(series, nfo.state(series.folder), followed),
            )
            for series in found
        )
        self.row_series.add(keys, found)
        status = self.query_one(StatusLine)
        if found:
            table.move_cursor(row=min(cursor, len(found) - 1))
        elif self.no_episodes:
            status.info(t("Every series has episodes on disk."))
        else:
            status.info(
                t(
                    "No series in {root} yet: `a` on a title adds one.",
                    root=str(library.root),
                )
            )

    def row_cells(self, series: Series, state: NfoState, followed: frozenset[int]) -> list[Text]:
        mark = cell(MARK, "bold magenta") if series.id in self.marked else cell(" ")
        name = cell(series.display_name, "bold")
        if series.title_id in followed:
            name = Text.assemble((FOLLOWED_MARK, "bold cyan"), name)
        return [
            mark,
            name,
            cell(on_disk_text(series)),
            missing_cell(series),
            nfo_cell(state),
            artwork_cell(state),
        ]

    def chosen_series(self) -> list[Series]:
        marked = [s for _key, s in self.row_series.items() if s.id in self.marked]
        if marked:
            return marked
        current = self.series_at_cursor()
        return [] if current is None else [current]

    def series_at_cursor(self) -> Series | None:
        return self.row_series.at_cursor(self.query_one(KeyTable))

    def action_cycle_sort(self) -> None:
        self.sort = "missing" if self.sort == "name" else "name"
        self.fill()
        tell(self, t("Sorted {how}.", how=t(SORT_NAMES[self.sort])), timeout=2)

    def action_toggle_empty(self) -> None:
        self.no_episodes = not self.no_episodes
        self.fill()
        shown = (
            t("Only series with no episodes on disk.") if self.no_episodes else t("Every series.")
        )
        tell(self, shown, timeout=2)

    def action_toggle_mark(self) -> None:
        table = self.query_one(KeyTable)
        series = self.row_series.at_cursor(table)
        if series is None:
            return
        self.marked ^= {series.id}
        table.update_cell(
            str(series.id),
            "mark",
            cell(MARK, "bold magenta") if series.id in self.marked else cell(" "),
        )
        table.action_cursor_down()

    @on(DataTable.RowSelected, "#library-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        series = self.row_series.get(event.row_key)
        if series is not None:
            self.app.push_screen(SeriesScreen(series.id))


class SeriesScreen(SeriesActions):
    """One series: its episode files, and the episodes out that no file has."""

    MODE = "library"
    SCREEN_NAME = "Series"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("N", "nfo", "NFO"),
        Binding("M", "download_missing", "Download missing"),
        Binding("H", "follow_history", "Follow history", show=False),
    ]

    def __init__(self, series_id: int) -> None:
        super().__init__()
        self.series_id = series_id
        self.row_files: RowItems[LocalEpisode] = RowItems()

    def compose(self) -> ComposeResult:
        series = self.runtime.library.get(self.series_id)
        yield self.top_bar(series.display_name if series else t("Series"))
        yield StatusLine(id="series-status")
        table = KeyTable(id="series-table", flexible=("file",))
        table.add_column(t("Episode"), key="episode")
        table.add_column(t("File"), key="file")
        table.add_column(t("Size"), key="size")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        # A scan (after a download into the series) or an NFO written: the files again.
        self.shell.local_library_events.subscribe(self, self.library_event)
        self.start()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.fill()
        self.run_worker(self._ask_missing(), group="series-missing", exit_on_error=False)

    def library_event(self, event: Event) -> None:
        if isinstance(event, LibraryScanFinished | SeriesFilesChanged):
            self.fill()
        if isinstance(event, LibraryScanFinished) and self.series_id in event.result.grown:
            # A new episode on disk: most likely a new one out, too.
            self.action_refresh_screen()

    def action_refresh_screen(self) -> None:
        self.run_worker(self._ask_missing(), group="series-missing", exit_on_error=False)

    async def _ask_missing(self) -> None:
        series = self.runtime.library.get(self.series_id)
        if series is None or series.title_id is None:
            return
        await self.runtime.library.missing(self.series_id)
        self.fill()

    def chosen_series(self) -> list[Series]:
        series = self.runtime.library.get(self.series_id)
        return [] if series is None else [series]

    def fill(self) -> None:
        library = self.runtime.library
        series = library.get(self.series_id)
        table = self.query_one(KeyTable)
        table.clear()
        self.row_files.clear()
        status = self.query_one(StatusLine)
        if series is None:
            status.problem(t("This series is no longer in the library."))
            return
        files = library.episodes(self.series_id)
        missing = series.missing or ()
        # In episode order, a missing one where it belongs; files without a number last.
        rows: list[tuple[float, str, list[Text], LocalEpisode | None]] = [
            (
                math.inf if f.episode is None else f.episode,
                f"file-{index}",
                [
                    cell("?" if f.episode is None else number_text(f.episode)),
                    cell(f.shown),
                    cell(human_size(f.size), "dim"),
                ],
                f,
            )
            for index, f in enumerate(files)
        ]
        rows += [
            (
                number,
                f"missing-{number_text(number)}",
                [
                    cell(number_text(number), "yellow"),
                    cell(t("missing"), "yellow italic"),
                    cell(""),
                ],
                None,
            )
            for number in missing
        ]
        rows.sort(key=lambda row: row[0])
        keys = table.add_keyed_rows((key, cells) for _episode, key, cells, _file in rows)
        shown = [(key, row[3]) for key, row in zip(keys, rows, strict=True) if row[3] is not None]
        self.row_files.add([key for key, _file in shown], [file for _key, file in shown])
        where = str(series.folder)
        if series.title_id is None:
            status.info(t("{folder} · not matched to an AniLibria title", folder=where))
        elif series.missing is None:
            status.info(where)
        else:
            status.info(
                where
                + " · "
                + tn("{count} episode missing", "{count} episodes missing", len(missing))
            )

    @on(DataTable.RowSelected, "#series-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        episode = self.row_files.get(event.row_key)
        if episode is None:
            return
        series = self.runtime.library.get(self.series_id)
        self.post_message(
            LocalFilePlayRequested(
                episode.path,
                title_id=None if series is None else series.title_id,
                episode=episode.episode,
            )
        )

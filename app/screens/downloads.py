"""Downloads: the queue of torrents, their progress, and every queue operation on a key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowKey

from app.formatting import date_text, human_size
from app.i18n import t, tn
from app.messages import DownloadPlayRequested, DownloadRequested
from app.plaintext import one_line
from app.screens.base import AniScreen
from app.screens.file_picker import CHECKED, UNCHECKED
from app.screens.prompt import PromptScreen
from app.services.downloads import (
    DownloadItem,
    DownloadPriority,
    DownloadQueue,
    DownloadStatus,
    QueueStatistics,
)
from app.services.errors import ExplainedError
from app.services.events import Event
from app.services.torrent_meta import TorrentSpec, parse_user_input
from app.services.torrents import TrackerSummary
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar, clock
from app.widgets.priority import PriorityChoice
from app.widgets.status_line import StatusLine, describe_error
from app.widgets.title_table import KeyTable, MiddleCut, SideColumn, cell, columns_for_width

BAR_WIDTH = 10
DETAIL_REFRESH_SECONDS = 1.0

STATUS_STYLES: dict[DownloadStatus, str] = {
    "pending": "",
    "downloading": "bold cyan",
    "paused": "yellow",
    "seeding": "green",
    "completed": "bold green",
    "failed": "bold red",
    "cancelled": "dim",
}
PRIORITY_STYLES: dict[DownloadPriority, str] = {"HIGH": "bold magenta", "NORMAL": "", "LOW": "dim"}


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> Text:
    """A text progress bar with the percentage, e.g. "█████░░░░░  50%"."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = int(fraction * width)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {fraction * 100:3.0f}%")
    return bar


def rate_text(rate: int) -> str:
    return f"{human_size(rate)}/s" if rate > 0 else "—"


def eta_text(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return "—"
    return clock(seconds)


MARK = "◆ "
"""Before the name of a row marked with `t` (not ✓: the Title's "watched")."""


def name_cell(item: DownloadItem, marked: bool) -> Text:
    label = one_line(item.label)
    name = Text.assemble((MARK, "bold yellow") if marked else "", (label, "bold"))
    # "title · quality · episodes": a narrow column cuts the title, not what tells rows apart.
    rest = label.find(" · ")
    return MiddleCut(name, keep=len(label) - rest if rest > 0 else 0)


def done_fraction(item: DownloadItem) -> float:
    return item.done / item.wanted if item.wanted else 0.0


def is_downloading(item: DownloadItem) -> bool:
    return item.status == "downloading"


PROGRESS: SideColumn[DownloadItem] = SideColumn(
    "progress", "Progress", lambda item: progress_bar(done_fraction(item)), room=17
)
SHORT_PROGRESS: SideColumn[DownloadItem] = SideColumn(
    "progress", "Progress", lambda item: progress_bar(done_fraction(item), width=5), room=12
)
SIZE: SideColumn[DownloadItem] = SideColumn(
    "size", "Size", lambda item: cell(human_size(item.wanted) if item.wanted else "—"), room=9
)
SPEED: SideColumn[DownloadItem] = SideColumn(
    "speed",
    "Speed",
    lambda item: cell(rate_text(item.download_rate) if is_downloading(item) else "—", "cyan"),
    room=11,
)
ETA: SideColumn[DownloadItem] = SideColumn(
    "eta", "ETA", lambda item: cell(eta_text(item.eta) if is_downloading(item) else "—"), room=10
)
PEERS: SideColumn[DownloadItem] = SideColumn(
    "peers",
    "Peers",
    lambda item: cell(f"{item.peers}" if is_downloading(item) or item.status == "seeding" else "—"),
    room=7,
)
STATUS: SideColumn[DownloadItem] = SideColumn(
    "status",
    "Status",
    lambda item: cell(t(item.status), STATUS_STYLES.get(item.status, "")),
    room=13,
)
PRIORITY: SideColumn[DownloadItem] = SideColumn(
    "priority",
    "Priority",
    lambda item: cell(t(item.priority), PRIORITY_STYLES.get(item.priority, "")),
    room=11,
)
# "Приоритет" is longer than any priority's name.
SHORT_PRIORITY: SideColumn[DownloadItem] = SideColumn("priority", "Prio.", PRIORITY.cell, room=9)

DOWNLOAD_LAYOUTS: tuple[tuple[SideColumn[DownloadItem], ...], ...] = (
    (PROGRESS, SIZE, SPEED, ETA, PEERS, STATUS, PRIORITY),
    (PROGRESS, SIZE, SPEED, STATUS, PRIORITY),
    # The summary line above has the queue's size and ETA.
    (SHORT_PROGRESS, SPEED, STATUS, SHORT_PRIORITY),
)
"""The columns beside the name, from the widest screen's to the narrowest's."""

NAME_SPACE = 34
"""What the name column needs at least to tell downloads apart: 30 cells, its padding and
the table's scrollbar."""


def item_cells(
    item: DownloadItem, layout: tuple[SideColumn[DownloadItem], ...], marked: bool = False
) -> list[Text]:
    """The row of one download: its name, then the `layout` columns."""
    return [name_cell(item, marked), *(column.cell(item) for column in layout)]


TRACKER_STATES: dict[str, tuple[str, str]] = {
    "working": ("working", "green"),
    "updating": ("updating…", "cyan"),
    "not contacted": ("not contacted yet", "dim"),
    "error": ("error", "bold red"),
}


def tracker_line(tracker: TrackerSummary, now: float) -> Text:
    """One tracker as qBittorrent lists it: URL, state (an error with its message), the
    swarm it reports and when it is asked next."""
    label, style = TRACKER_STATES.get(tracker.status, (tracker.status, ""))
    line = Text(one_line(tracker.url))
    line.append("  ")
    line.append(t(label), style=style)
    if tracker.message:
        line.append(
            ": " + one_line(tracker.message), style=style if tracker.status == "error" else "dim"
        )
    if tracker.seeds is not None:
        line.append(" · " + tn("{count} seed", "{count} seeds", tracker.seeds))
    if tracker.peers is not None:
        line.append(" · " + tn("{count} peer", "{count} peers", tracker.peers))
    if tracker.next_announce is not None:
        wait = clock(max(0.0, tracker.next_announce - now))
        line.append(" · " + t("next announce in {time}", time=wait), style="dim")
    return line


def inside_torrent(path: str) -> str:
    """A file's path without the torrent's own folder, which every file of it shares."""
    return path.split("/", 1)[1] if "/" in path else path


class AddDownloadPrompt(PromptScreen[tuple[TorrentSpec, DownloadPriority]]):
    """Asks for a magnet link, an info-hash or a .torrent file's path, and the priority."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus", "priority(1)", "Priority +"),
        Binding("minus", "priority(-1)", "Priority −"),
    ]

    def __init__(self) -> None:
        super().__init__(
            t("Add a download: a magnet link, an info-hash or a .torrent file path"),
            self.read,
            placeholder="magnet:?xt=urn:btih:…  ·  ~/file.torrent",
        )

    async def read(self, text: str) -> tuple[TorrentSpec, DownloadPriority]:
        # A path means reading a file: off the event loop. Bad input raises
        # TorrentInputError (a ValueError), which the prompt shows.
        spec = await asyncio.to_thread(parse_user_input, text)
        return spec, self.query_one(PriorityChoice).priority

    def compose_extra(self) -> ComposeResult:
        yield PriorityChoice()

    def action_priority(self, delta: int) -> None:
        self.query_one(PriorityChoice).step(delta)


class DownloadsScreen(AniScreen):
    """The download queue; Enter shows a download's files, trackers, peers and error."""

    MODE = "downloads"
    SCREEN_NAME = "Downloads"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause / resume"),
        Binding("s", "toggle_queue", "Start / stop queue"),
        Binding("plus", "priority(1)", "Priority +"),
        Binding("minus", "priority(-1)", "Priority −", show=False),
        Binding("K", "move(-1)", "Move up", show=False),
        Binding("J", "move(1)", "Move down", show=False),
        Binding("r", "retry", "Retry"),
        Binding("t", "mark", "Mark", show=False),
        Binding("D", "remove", "Remove"),
        Binding("X", "clear_pending", "Clear waiting", show=False),
        Binding("C", "clear_completed", "Clear done (seeding too)", show=False),
        Binding("F", "clear_failed", "Clear failed", show=False),
        Binding("P", "play", "Play while downloading"),
        Binding("a", "add", "Add torrent"),
        Binding("e", "choose_files", "Files", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: DownloadQueue | None = None
        self.items: list[DownloadItem] = []
        self.detail_id: str | None = None
        self.marked: set[str] = set()
        """Ids of the rows marked with `t`, for `D`."""
        self.item_columns: tuple[SideColumn[DownloadItem], ...] = DOWNLOAD_LAYOUTS[0]
        """The columns beside the name, for the screen's width."""

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        yield StatusLine(id="downloads-status")
        yield Static(id="downloads-summary")
        table = KeyTable(id="downloads-table", flexible=("name",))
        self.item_columns = columns_for_width(DOWNLOAD_LAYOUTS, self.app.size.width, NAME_SPACE)
        self.add_columns(table)
        yield table
        with Vertical(id="downloads-detail", classes="-hidden"):
            yield Static(id="detail-facts")
            files = DataTable[Text](id="detail-files", cursor_type="row", zebra_stripes=True)
            files.add_column(" ", key="chosen", width=2)
            files.add_column(t("File"), key="file")
            files.add_column(t("Size"), key="size")
            files.add_column(t("Done"), key="done")
            yield files
            yield Static(id="detail-network")
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.shell.download_events.subscribe(self, self.on_download_event)
        self.start()

    def add_columns(self, table: KeyTable) -> None:
        table.add_column(t("Name"), key="name")
        for column in self.item_columns:
            table.add_column(t(column.label), key=column.key, width=column.width)

    def on_resize(self, event: events.Resize) -> None:
        """Another width may fit other columns: the queue is shown again in them, the cursor
        on the same row."""
        layout = columns_for_width(DOWNLOAD_LAYOUTS, event.size.width, NAME_SPACE)
        if layout == self.item_columns:
            return
        self.item_columns = layout
        table = self.query_one(KeyTable)
        position = table.position()
        table.clear(columns=True)
        self.add_columns(table)
        table.keep_position(position)
        if self.queue is not None:
            self.fill()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.connect()

    @work(exclusive=True, group="downloads-open", exit_on_error=False)
    async def connect(self) -> None:
        status = self.query_one(StatusLine)
        if self.runtime.browse_only:
            status.problem(t("Downloads are off: another anitui owns the download queue."))
            return
        status.show_loading()
        queue = await self.runtime.downloads()
        if queue is None:
            status.problem(t("Downloads are unavailable: libtorrent could not start."))
            return
        status.clear()
        self.queue = queue
        self.fill()

    def on_screen_resume(self) -> None:
        if self.queue is not None:
            self.fill()

    def action_refresh_screen(self) -> None:
        if self.queue is not None:
            self.fill()

    # events ---------------------------------------------------------------------------------

    def on_download_event(self, event: Event) -> None:
        """Progress updates rows in place, queue-level news only the summary line (it follows
        every operation), a change to a download refills the list."""
        from app.services.downloads import (
            DownloadProgress,
            QueueStarted,
            QueueStatusChanged,
            QueueStopped,
        )

        if self.queue is None or not self.is_mounted:
            return
        if isinstance(event, DownloadProgress):
            self.update_rows(event.items)
        elif isinstance(event, (QueueStatusChanged, QueueStarted, QueueStopped)):
            self.show_summary()
        else:
            self.fill()

    def update_rows(self, items: tuple[DownloadItem, ...]) -> None:
        table = self.query_one(KeyTable)
        known = {item.id for item in self.items}
        for item in items:
            if item.id not in known:
                self.fill()
                return
        by_id = {item.id: item for item in items}
        self.items = [by_id.get(item.id, item) for item in self.items]
        for item in items:
            table.update_row(item.id, item_cells(item, self.item_columns, item.id in self.marked))
        self.show_summary()
        if self.detail_id in by_id:
            self.show_facts(by_id[self.detail_id])

    def fill(self) -> None:
        assert self.queue is not None
        table = self.query_one(KeyTable)
        current = self.current_item()
        self.items = list(self.queue.items())
        self.marked &= {item.id for item in self.items}
        table.clear()
        table.add_keyed_rows(
            (item.id, item_cells(item, self.item_columns, item.id in self.marked))
            for item in self.items
        )
        if current is not None:
            self.select(current.id)
        self.show_summary()
        if not self.items:
            self.query_one(StatusLine).info(
                t("No downloads yet: press d on a title's torrent, or a to add a magnet or file.")
            )
        else:
            self.query_one(StatusLine).clear()
        if self.detail_id is not None:
            detail = next((i for i in self.items if i.id == self.detail_id), None)
            if detail is None:
                self.hide_detail()
            else:
                self.show_facts(detail)

    def select(self, item_id: str) -> None:
        for row, item in enumerate(self.items):
            if item.id == item_id:
                self.query_one(KeyTable).move_cursor(row=row)
                return

    def show_summary(self) -> None:
        assert self.queue is not None
        stats: QueueStatistics = self.queue.statistics()
        state = t("running") if self.queue.is_running else t("stopped")
        summary = Text(t("Queue {state}", state=state), style="bold")
        summary.append(
            " · "
            + t(
                "{active} downloading · {pending} waiting · {completed} done · {failed} failed",
                active=str(stats.active_count),
                pending=str(stats.pending_count),
                completed=str(stats.completed_count),
                failed=str(stats.failed_count),
            )
        )
        if stats.average_speed:
            summary.append(" · ↓ " + rate_text(int(stats.average_speed)), style="cyan")
        if stats.estimated_time_remaining:
            summary.append(" · " + t("ETA {eta}", eta=eta_text(stats.estimated_time_remaining)))
        self.query_one("#downloads-summary", Static).update(summary)

    # the current item ---------------------------------------------------------------------

    def current_item(self) -> DownloadItem | None:
        return self.item_of(self.query_one(KeyTable).cursor_key())

    def item_of(self, key: RowKey | None) -> DownloadItem | None:
        """The download a row shows: its key is the download's id."""
        if key is None:
            return None
        return next((item for item in self.items if item.id == key.value), None)

    def _with_item(self) -> tuple[DownloadQueue, DownloadItem] | None:
        item = self.current_item()
        if self.queue is None or item is None:
            return None
        return self.queue, item

    def _attempt(self, operation: Callable[[], object]) -> None:
        """Run a queue operation; its refusal (ValueError etc.) becomes a message."""
        try:
            operation()
        except ExplainedError as error:
            tell(self, describe_error(error), severity="warning")
        except (ValueError, KeyError, OSError) as error:
            tell(self, one_line(str(error)), severity="warning")

    def action_toggle_pause(self) -> None:
        if (found := self._with_item()) is not None:
            queue, item = found
            self._attempt(lambda: queue.toggle_pause(item.id))

    def action_toggle_queue(self) -> None:
        if self.queue is None:
            return
        if self.queue.is_running:
            self.queue.stop_queue()
            tell(self, t("Queue stopped: running downloads finish, no new ones start."))
        else:
            self.queue.start_queue()
            tell(self, t("Queue started."))

    def action_priority(self, delta: int) -> None:
        if (found := self._with_item()) is not None:
            queue, item = found
            self._attempt(lambda: queue.bump_priority(item.id, delta))

    def action_move(self, delta: int) -> None:
        if (found := self._with_item()) is not None:
            queue, item = found
            self._attempt(lambda: queue.move(item.id, delta))
            self.select(item.id)

    def action_retry(self) -> None:
        found = self._with_item()
        if found is None:
            return
        queue, item = found
        if item.status == "failed":
            queue.retry([item.id])
        elif any(i.status == "failed" for i in self.items):
            count = len(queue.retry(None))
            tell(
                self,
                tn(
                    "Retrying {count} failed download.", "Retrying {count} failed downloads.", count
                ),
            )
        else:
            tell(self, t("Nothing failed to retry."))

    def action_mark(self) -> None:
        """Mark or unmark the row under the cursor for `D`, then go to the next row."""
        item = self.current_item()
        if item is None:
            return
        self.marked ^= {item.id}
        table = self.query_one(KeyTable)
        table.update_cell(item.id, "name", name_cell(item, item.id in self.marked))
        table.action_cursor_down()

    def action_remove(self) -> None:
        """Remove the marked downloads, or the one under the cursor when none is marked."""
        from app.screens.choice import Choice, ChoiceScreen

        queue = self.queue
        current = self.current_item()
        targets = [i for i in self.items if i.id in self.marked] or (
            [current] if current is not None else []
        )
        if queue is None or not targets:
            return

        def removed(choice: str | None) -> None:
            if choice is not None:
                ids = [item.id for item in targets]
                self._attempt(lambda: queue.remove_many(ids, delete_files=choice == "delete"))

        question = (
            t("Remove this download?")
            if len(targets) == 1
            else tn(
                "Remove {count} marked download?", "Remove {count} marked downloads?", len(targets)
            )
        )
        names = " · ".join(item.label for item in targets[:3])
        self.app.push_screen(
            ChoiceScreen(
                question,
                [
                    Choice("keep", t("Remove, keep the files")),
                    Choice("delete", t("Remove and delete the files")),
                ],
                subject=names + (" …" if len(targets) > 3 else ""),
                tone="error",
            ),
            removed,
        )

    def action_clear_pending(self) -> None:
        """Forget every waiting download, after asking."""
        from app.screens.choice import Choice, ChoiceScreen

        queue = self.queue
        if queue is None:
            return
        waiting = queue.statistics().pending_count
        if not waiting:
            tell(self, t("Nothing is waiting."))
            return

        def cleared(choice: str | None) -> None:
            if choice is not None:
                count = queue.clear_pending()
                tell(self, t("Cleared {count} waiting.", count=str(count)))

        self.app.push_screen(
            ChoiceScreen(
                tn(
                    "Clear the {count} waiting download?",
                    "Clear all {count} waiting downloads?",
                    waiting,
                ),
                [Choice("clear", t("Clear the waiting downloads"))],
                tone="error",
            ),
            cleared,
        )

    def action_clear_completed(self) -> None:
        if self.queue is not None:
            count = self.queue.clear_completed()
            tell(self, t("Cleared {count} done (seeding stopped, files kept).", count=str(count)))

    def action_clear_failed(self) -> None:
        if self.queue is not None:
            count = self.queue.clear_failed()
            tell(self, t("Cleared {count} failed.", count=str(count)))

    def action_play(self) -> None:
        if (found := self._with_item()) is not None:
            self.post_message(DownloadPlayRequested(found[1]))

    def action_add(self) -> None:
        """Add a download by hand: a magnet link, a bare info-hash or a .torrent file's path."""

        def add(request: tuple[TorrentSpec, DownloadPriority] | None) -> None:
            if request is not None:
                spec, priority = request
                source = "file" if spec.torrent is not None else "magnet"
                self.post_message(DownloadRequested(spec, source=source, priority=priority))

        if self.queue is not None:
            self.app.push_screen(AddDownloadPrompt(), add)

    def action_choose_files(self) -> None:
        """Change which files of the download under the cursor are wanted."""
        from app.screens.file_picker import FilePickerScreen, Picked

        found = self._with_item()
        if found is None:
            return
        queue, item = found
        files = queue.files(item.id)
        if not files:
            tell(self, t("The file list is not known yet (waiting for metadata)."))
            return

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self._attempt(lambda: queue.set_selected_files(item.id, picked.selected))
                self._attempt(lambda: queue.set_priority(item.id, picked.priority))
                if self.detail_id == item.id:
                    self.refresh_detail()

        self.app.push_screen(
            FilePickerScreen(
                item.name,
                files,
                selected=item.selected,
                confirm_label="Apply",
                priority=item.priority,
            ),
            chosen,
        )

    # detail pane ------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#downloads-table")
    def toggle_detail(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.item_of(event.row_key)
        if item is None or self.detail_id == item.id:
            self.hide_detail()
            return
        self.detail_id = item.id
        self.query_one("#downloads-detail").remove_class("-hidden")
        self.show_facts(item)
        self.refresh_detail()

    def hide_detail(self) -> None:
        self.detail_id = None
        self.query_one("#downloads-detail").add_class("-hidden")
        self.workers.cancel_group(self, "downloads-detail")

    def show_facts(self, item: DownloadItem) -> None:
        facts = Text()
        facts.append(one_line(item.name), style="bold")
        lines = [
            (t("Folder"), str(self.queue.save_path(item.id)) if self.queue else item.folder),
            (t("Info-hash"), item.info_hash),
            (t("Added"), date_text(item.added_at)),
            (t("Done"), f"{human_size(item.done)} / {human_size(item.wanted)}"),
            (t("Upload"), rate_text(item.upload_rate)),
            (t("Retries"), str(item.retry_count)),
        ]
        if item.completed_at:
            lines.insert(3, (t("Completed"), date_text(item.completed_at)))
        for label, value in lines:
            facts.append(f"\n{label}: ", style="bold")
            facts.append(one_line(value))
        if item.error:
            facts.append(f"\n{t('Error')}: ", style="bold red")
            facts.append(one_line(t(item.error)), style="red")
        self.query_one("#detail-facts", Static).update(facts)

    @work(exclusive=True, group="downloads-detail", exit_on_error=False)
    async def refresh_detail(self) -> None:
        """Files, trackers and peers of the shown download, every second while it is shown."""
        while self.detail_id is not None and self.queue is not None:
            item_id = self.detail_id
            details = await asyncio.to_thread(self.queue.details, item_id)
            if self.detail_id != item_id:
                continue
            if details is not None:
                self.show_details(details)
            await asyncio.sleep(DETAIL_REFRESH_SECONDS)

    def show_details(self, details: object) -> None:
        from app.services.downloads import DownloadDetails

        assert isinstance(details, DownloadDetails)
        files = self.query_one("#detail-files", DataTable)
        cursor = files.cursor_row
        files.clear()
        for entry in details.files:
            done = details.file_progress.get(entry.index, 0)
            files.add_row(
                # The file picker's marks: ✓ is what the Title screen says of a watched episode.
                Text(CHECKED if entry.index in details.selected else UNCHECKED),
                cell(inside_torrent(entry.path)),
                cell(human_size(entry.size)),
                progress_bar(done / entry.size if entry.size else 1.0, width=6),
            )
        if details.files:
            files.move_cursor(row=min(cursor, len(details.files) - 1))
        network = Text()
        network.append(t("Trackers"), style="bold underline")
        for tracker in details.trackers:
            network.append("\n")
            network.append_text(tracker_line(tracker, time.time()))
        if not details.trackers:
            network.append("\n—")
        network.append("\n")
        network.append(t("Peers ({count})", count=str(len(details.peers))), style="bold underline")
        for peer in details.peers[:20]:
            network.append(
                f"\n{one_line(peer.address):<22} {one_line(peer.client)[:20]:<20}"
                f" ↓ {rate_text(peer.download_rate):>11} ↑ {rate_text(peer.upload_rate):>11}"
                f" {peer.progress * 100:3.0f}%"
            )
        if not details.peers:
            network.append("\n—")
        self.query_one("#detail-network", Static).update(network)

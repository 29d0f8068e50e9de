"""A virtualised, keyboard-first table of titles (thousands of rows stay fast)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.text import Text, TextType
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset
from textual.widgets import DataTable
from textual.widgets.data_table import Column, ColumnKey, RowKey

from app.formatting import date_text
from app.plaintext import one_line
from app.sources.anilibria.models import Title
from app.widgets.localized import localize_bindings

T = TypeVar("T")


def cell(text: str | None, style: str = "") -> Text:
    """API text as a table cell: plain text, never markup, one line."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis")


class MiddleCut(Text):
    """A one-line cell that, when its column is too narrow, loses its middle rather than its
    end: the end tells rows apart (a download's quality and episodes), so up to `keep` cells of
    it stay, and the start keeps at least a third of the column."""

    def __init__(self, text: Text, keep: int) -> None:
        super().__init__(
            text.plain, style=text.style, spans=text.spans, no_wrap=True, overflow="ellipsis"
        )
        self.keep = keep

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        width = options.max_width
        if self.cell_len <= width:
            yield from super().__rich_console__(console, options)
            return
        tail = max(min(self.keep, width - max(width // 3, 2)), 0)
        head = width - tail - 1
        cut = Text.assemble(
            self[:head], "…", self[len(self) - tail :] if tail else "", no_wrap=True
        )
        cut.truncate(width, overflow="ellipsis")
        yield from cut.__rich_console__(console, options)


def episodes_text(title: Title) -> str:
    """ "out / planned" episodes, e.g. "7 / 12", "7 / ?", "? / 12" or "—". Without its
    episodes (a v1 list leaves them out) how many are out is unknown, not zero."""
    out = title.player.series.last if title.player and title.player.series else None
    planned = title.type.series if title.type else None
    if out is None and not planned:
        return "—"
    shown_out = "?" if title.player is None else (out or 0)
    return f"{shown_out} / {planned or '?'}"


def status_cell(title: Title) -> Text:
    code = title.status.code if title.status else None
    style = {1: "green", 2: "cyan", 3: "dim", 4: "yellow"}.get(code or 0, "")
    return cell(title.status.string if title.status else None, style)


def name_cell(title: Title, *, favorite: bool = False) -> Text:
    """The title's name, starred when it is a favorite."""
    name = cell(title.names.ru or title.display_name, "bold")
    if favorite:
        return Text.assemble(("★ ", "bold yellow"), name, no_wrap=True, overflow="ellipsis")
    return name


def title_row(title: Title, *, with_status: bool = True, favorite: bool = False) -> list[Text]:
    """The cells lists of titles share: name, English name, episodes, [status,] last update."""
    cells = [
        name_cell(title, favorite=favorite),
        cell(title.names.en),
        cell(episodes_text(title)),
    ]
    if with_status:
        cells.append(status_cell(title))
    cells.append(cell(date_text(title.updated)))
    return cells


@dataclass(frozen=True)
class SideColumn(Generic[T]):
    """A column beside a table's name, showing something of each row's `T`."""

    key: str
    label: str
    """The header, an English msgid."""
    cell: Callable[[T], Text]
    room: int
    """The cells it takes on screen, padding included: which columns fit is decided by these."""
    width: int | None = None
    """Fixed content width; None: as wide as its cells."""


def columns_for_width(
    layouts: Sequence[tuple[SideColumn[T], ...]], width: int, name_space: int
) -> tuple[SideColumn[T], ...]:
    """Of `layouts` (the columns beside the name, from the widest screen's to the narrowest's),
    the first that leaves the name `name_space` cells of a table `width` wide; else the last."""
    for layout in layouts:
        if sum(column.room for column in layout) + name_space <= width:
            return layout
    return layouts[-1]


FLEXIBLE_MINIMUM = 8
"""Cells a flexible column keeps however narrow the table (fewer if it needs fewer)."""


def flexible_widths(needs: Sequence[int], room: int) -> list[int]:
    """The widths of flexible columns that need `needs` cells and share `room` (padding
    excluded): what they need when it fits; else shares of `room` in proportion to the need,
    none below `FLEXIBLE_MINIMUM` (or its need, when smaller), together never wider than
    `room`. Only when even those minimums do not fit do the columns get just them (the table
    then scrolls sideways: a fixed column is never cut)."""
    if sum(needs) <= room:
        return list(needs)
    floors = [min(need, FLEXIBLE_MINIMUM) for need in needs]
    if sum(floors) >= room:
        return floors
    widths = list(floors)
    # A column whose share would fall below its floor is held there, and the others share
    # what is left: a fixed floor on top of a proportional share overflowed the room.
    sharing = set(range(len(needs)))
    left = room
    while sharing:
        total = sum(needs[i] for i in sharing)
        starved = {i for i in sharing if left * needs[i] // total < floors[i]}
        if not starved:
            for i in sharing:
                widths[i] = min(needs[i], left * needs[i] // total)
            break
        sharing -= starved
        left -= sum(floors[i] for i in starved)
    # Shares are rounded down: the cells that leaves go to the columns missing the most.
    for _ in range(room - sum(widths)):
        shortest = max(range(len(needs)), key=lambda i: needs[i] - widths[i])
        widths[shortest] += 1
    return widths


@dataclass(frozen=True)
class TablePosition:
    """Where a table's cursor and scroll were, to put them back once its rows are refilled."""

    row_key: str
    """The key of the row under the cursor."""
    scroll: Offset


class KeyTable(DataTable[Text]):
    """A row-cursor DataTable with vi keys: j/k, g/G; Enter selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(
        self,
        *,
        id: str | None = None,
        classes: str | None = None,
        flexible: tuple[str, ...] = (),
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.flexible = flexible
        """Column keys that shrink (ellipsis) so the other columns stay on a narrow screen."""
        self._rows_pending = False
        """`rows_added` is scheduled for after the next refresh."""
        self._full_labels: dict[ColumnKey, Text] = {}
        """The headers of flexible columns as given, before `label_to_width` cut them."""
        self.kept_position: TablePosition | None = None
        """Where the cursor and scroll go back to whenever rows are added, until the user moves
        them or the rows no longer include that one (`keep_position`)."""
        localize_bindings(self)

    def on_resize(self) -> None:
        self.fit_columns()

    def cursor_key(self) -> RowKey | None:
        """The key of the row under the cursor, None when the table is empty."""
        if not self.is_valid_coordinate(self.cursor_coordinate):
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key

    def position(self) -> TablePosition | None:
        """Where the cursor and scroll are; None when no keyed row is under the cursor."""
        key = self.cursor_key()
        if key is None or key.value is None:
            return None
        return TablePosition(key.value, self.scroll_offset)

    def keep_position(self, position: TablePosition | None) -> None:
        """Put the cursor back on `position`'s row and the scroll where it was, as soon as that
        row is listed, and after each refill until the user moves: a screen shown again fills
        its table more than once (the cached copy, then the network's). Rows without that one
        (another search, another day) end it."""
        self.kept_position = position
        self.call_after_refresh(self.restore_position)

    def restore_position(self) -> None:
        kept = self.kept_position
        if kept is None or not self.row_count:
            return
        if kept.row_key not in self.rows:
            self.kept_position = None
            return
        self.move_cursor(row=self.get_row_index(kept.row_key), scroll=False)
        # Moving the cursor scrolls it into view, at once or after the next refresh: the kept
        # scroll must come after that.
        self.call_after_refresh(self.scroll_back, kept)

    def scroll_back(self, kept: TablePosition) -> None:
        if self.kept_position is not kept:
            return  # the user moved meanwhile
        # Rows are one line high: should the view have shrunk, the cursor's row stays in it.
        rows_shown = self.scrollable_content_region.height - self.header_height
        y = min(max(kept.scroll.y, self.cursor_row - rows_shown + 1), self.cursor_row)
        self.scroll_to(kept.scroll.x, y, animate=False, immediate=True)

    def on_key(self, event: events.Key) -> None:
        self.kept_position = None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.kept_position = None

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.kept_position = None

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.kept_position = None

    def fit_columns(self) -> None:
        """Share the width left by the fixed columns among the flexible ones, by their need."""
        if not self.flexible or not self.size.width:
            return
        padding = 2 * self.cell_padding
        columns = [c for key, c in self.columns.items() if key.value in self.flexible]
        fixed = sum(
            c.get_render_width(self)
            for key, c in self.columns.items()
            if key.value not in self.flexible
        )
        available = self.size.width - fixed - self.styles.scrollbar_size_vertical
        needed = [max(c.content_width, 1) for c in columns]
        widths = flexible_widths(needed, available - padding * len(columns))
        before = [(c.auto_width, c.width) for c in columns]
        if widths == needed:
            for column in columns:
                column.auto_width = True
                self.label_to_width(column, None)
        else:
            for column, width in zip(columns, widths, strict=True):
                column.auto_width = False
                column.width = width
                self.label_to_width(column, width)
        if before == [(c.auto_width, c.width) for c in columns]:
            return
        # DataTable has no public way to re-lay columns out; its caches hold the old widths.
        self._clear_caches()
        self._require_update_dimensions = True
        self.refresh()

    def label_to_width(self, column: Column, width: int | None) -> None:
        """Cut the header of a shrunk column with "…" as its cells are (DataTable cuts it
        mid-word); `width` None gives it back whole."""
        full = self._full_labels.setdefault(column.key, column.label)
        label = full.copy()
        if width is not None:
            label.truncate(width, overflow="ellipsis")
        column.label = label

    def add_row(
        self,
        *cells: Text,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        # Every row comes through here (add_rows too): a long name added one row at a time
        # must shrink its column as well. Once per refresh however many rows came.
        row_key = super().add_row(*cells, height=height, key=key, label=label)
        if (self.flexible or self.kept_position is not None) and not self._rows_pending:
            self._rows_pending = True
            self.call_after_refresh(self.rows_added)
        return row_key

    def rows_added(self) -> None:
        """Fit the columns to the new rows, and put back a kept position once they are laid
        out (the scroll needs their height)."""
        self._rows_pending = False
        self.fit_columns()
        self.restore_position()

    def add_keyed_rows(self, rows: Iterable[tuple[str, Sequence[Text]]]) -> list[RowKey]:
        """Add rows under keys that say what they show (a title's id…): the same row is found
        again in a refilled table. A key repeated in `rows` or already in the table (an API
        may list an entry twice) gets a suffix."""
        keys = []
        for key, cells in rows:
            unique, repeat = key, 1
            while unique in self.rows:
                repeat += 1
                unique = f"{key}~{repeat}"
            keys.append(self.add_row(*cells, key=unique))
        return keys


class RowItems(Generic[T]):
    """The item each row of a table shows, found by the row's key: an item looked up by its
    key cannot drift from a list that was refilled or sorted differently, as one looked up by
    the cursor's position into a parallel list can."""

    def __init__(self) -> None:
        self._items: dict[RowKey, T] = {}

    def clear(self) -> None:
        self._items.clear()

    def add(self, keys: Sequence[RowKey], items: Sequence[T]) -> None:
        """Remember that the rows `keys` show `items`, one for one."""
        self._items.update(zip(keys, items, strict=True))

    def get(self, key: RowKey | None) -> T | None:
        return None if key is None else self._items.get(key)

    def at_cursor(self, table: KeyTable) -> T | None:
        """The item of the row under `table`'s cursor, None when there is none."""
        return self.get(table.cursor_key())

    def items(self) -> Iterator[tuple[RowKey, T]]:
        return iter(self._items.items())

    def __len__(self) -> int:
        return len(self._items)

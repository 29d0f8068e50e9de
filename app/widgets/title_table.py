"""A virtualised, keyboard-first table of titles (thousands of rows stay fast)."""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Sequence, ValuesView
from dataclasses import dataclass
from functools import partial
from itertools import zip_longest
from typing import ClassVar, Generic, NamedTuple, TypeVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual import events
from textual._types import SegmentLines
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Offset, Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import Column, ColumnKey, Row, RowKey

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


def same_cell(shown: object, new: Text) -> bool:
    """Whether `new` would look exactly like `shown` (Text's own == ignores the style)."""
    return type(shown) is type(new) and cell_look(new) == cell_look(shown)


def cell_look(cell: object) -> tuple[object, ...]:
    """What a Text cell shows: its text, styles and how it is cut."""
    assert isinstance(cell, Text)
    return (
        cell.plain,
        cell.style,
        cell.spans,
        cell.overflow,
        cell.no_wrap,
        cell.justify,
        getattr(cell, "keep", None),  # a MiddleCut's
    )


def text_width(cell: object) -> int | None:
    """The cells `cell` takes on one line, as DataTable would measure it; None when only the
    console can tell (not a `Text`). An empty cell takes none."""
    if cell is None:
        return 0
    if not isinstance(cell, Text):
        return None
    lines = cell.plain.splitlines()
    return max(map(cell_len, lines)) if lines else 0


def one_line_segments(console: Console, cell: Text, width: int, padding: int) -> list[Segment]:
    """`cell` (one line, no tabs) cut or padded to `width` cells as Rich's `Text` renders it
    (overflow "fold" unless it says otherwise), with `padding` blank cells either side
    (unstyled, as Rich's `Padding` leaves them)."""
    pad_style = console.get_style("none")
    # What `Text.wrap` and `Segment.split_and_crop_lines` come to for one line without
    # wrapping (~3 times quicker): a line too long cut as its overflow says, the styles
    # joined into spans, and the rest of the width padded.
    line = cell
    if cell_len(cell.plain) > width:
        line = cell.copy()
        line.truncate(width, overflow=cell.overflow or "fold")
    segments = list(Text("\n").join((line,)).render(console))
    content = Segment.adjust_line_length(segments, width, pad_style)
    if not padding:
        return content
    gap = Segment(" " * padding, pad_style)
    return [gap, *content, gap]


SAMPLE_ROWS = 50
"""Rows of each batch `KeyTable.add_items` makes (and measures) as they are added: the columns
get their widths from them, and every other row is made when it first comes into view."""


class LazyCells(dict[ColumnKey, Text]):
    """A row's cells, made by `make` the first time anything reads or changes them: a page of
    a thousand titles costs its `Text` cells only for the rows someone looks at."""

    __slots__ = ("make", "measured")

    def __init__(self, make: Callable[[], dict[ColumnKey, Text]]) -> None:
        super().__init__()
        self.make: Callable[[], dict[ColumnKey, Text]] | None = make
        self.measured = False
        """The table has widened its columns to these cells (`KeyTable.make_rows_in_view`);
        cells made because something read them are measured once they come into view."""

    def make_now(self) -> None:
        """Make the cells unless they were already."""
        make, self.make = self.make, None
        if make is not None:
            super().update(make())

    # Every way DataTable reads or changes a row's cells goes through the made cells.
    def __getitem__(self, key: ColumnKey) -> Text:
        self.make_now()
        return super().__getitem__(key)

    def get(self, key: ColumnKey, default: Text | None = None) -> Text | None:  # type: ignore[override]
        self.make_now()
        return super().get(key, default)

    def __setitem__(self, key: ColumnKey, value: Text) -> None:
        self.make_now()
        super().__setitem__(key, value)

    def __delitem__(self, key: ColumnKey) -> None:
        self.make_now()
        super().__delitem__(key)

    def __iter__(self) -> Iterator[ColumnKey]:
        self.make_now()
        return super().__iter__()

    def __len__(self) -> int:
        self.make_now()
        return super().__len__()

    def __contains__(self, key: object) -> bool:
        self.make_now()
        return super().__contains__(key)

    def keys(self) -> KeysView[ColumnKey]:  # type: ignore[override]
        self.make_now()
        return super().keys()

    def values(self) -> ValuesView[Text]:  # type: ignore[override]
        self.make_now()
        return super().values()

    def items(self) -> ItemsView[ColumnKey, Text]:  # type: ignore[override]
        self.make_now()
        return super().items()


def cells_by_column(columns: Sequence[ColumnKey], cells: Sequence[Text]) -> dict[ColumnKey, Text]:
    """A row's cells as DataTable stores them (a column without a cell holds None)."""
    if len(cells) > len(columns):
        raise ValueError("More values provided than there are columns.")
    return dict(zip_longest(columns, cells))


class CellLook(NamedTuple):
    """The table's settings a cell is drawn with (`KeyTable.cell_look`)."""

    console: Console
    padding: int
    fixed_rows: int
    fixed_columns: int
    show_cursor: bool
    show_hover_cursor: bool
    css_foreground: bool
    """The cursor's CSS colour wins over the cell's own (`cursor_foreground_priority`)."""
    css_background: bool


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
        self.drawn_width = 0
        """The width the cached lines were drawn for (`on_resize`)."""
        self._frame_styles: dict[str | None, Style] | None = None
        """Styles looked up while one frame is drawn (`frame_style`); None between frames."""
        self._frame_look: CellLook | None = None
        """What every cell of one frame is drawn with (`cell_look`); None between frames."""
        self.kept_position: TablePosition | None = None
        """Where the cursor and scroll go back to whenever rows are added, until the user moves
        them or the rows no longer include that one (`keep_position`)."""
        localize_bindings(self)

    def on_resize(self, event: events.Resize) -> None:
        # DataTable's own handler drops every drawn line on each Resize, which also comes
        # when only the virtual size grew (rows added below) or the height changed (a status
        # line above came or went, as it does for each page Updates waits for): a line is
        # drawn as wide as the table, so only a new width changes lines.
        if event.size.width == self.drawn_width:
            event.prevent_default()
        self.drawn_width = event.size.width
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

    def render_lines(self, crop: Region) -> list[Strip]:
        # Component styles are computed afresh on every call (from the CSS of every ancestor,
        # ~0.1 ms each) and DataTable asks for two or three of them per line drawn: they
        # cannot change while one frame is drawn, so they are looked up once per frame.
        self.make_rows_in_view()
        self._frame_styles = {}
        self._frame_look = self.cell_look()
        try:
            return super().render_lines(crop)
        finally:
            self._frame_styles = None
            self._frame_look = None

    def make_rows_in_view(self) -> None:
        """Make the cells of the rows in view that wait for it (`add_items`), and widen the
        columns they need more room in before anything is drawn with the old widths."""
        top = self.scroll_offset.y
        columns = self.ordered_columns
        widths = [column.content_width for column in columns]
        for row_key, _line in self._y_offsets[top : top + self.size.height]:
            cells = self._data.get(row_key)
            if isinstance(cells, LazyCells) and not cells.measured:
                cells.measured = True
                widths = [
                    max(width, text_width(cell) or 0)
                    for width, cell in zip(widths, cells.values(), strict=False)
                ]
        if widths == [column.content_width for column in columns]:
            return
        drawn_widths = [column.get_render_width(self) for column in columns]
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        self.fit_columns()
        # A shrunk flexible column keeps its width however long its new cells: only when a
        # column is drawn wider are the lines drawn before stale.
        if drawn_widths != [column.get_render_width(self) for column in columns]:
            self._update_count += 1
            self._require_update_dimensions = True  # the virtual width follows the columns
            self.check_idle()

    def frame_style(self, component: str | None) -> Style:
        """The widget's Rich style (`component` None) or a component's, once per frame."""
        if self._frame_styles is None:
            return self.rich_style if component is None else self.component_style(component)
        style = self._frame_styles.get(component)
        if style is None:
            style = self.rich_style if component is None else self.component_style(component)
            self._frame_styles[component] = style
        return style

    def cell_look(self) -> CellLook:
        """The settings every cell is drawn with, read once per frame: most are reactives,
        each a few µs to read, and a frame of new rows read them ~60 times a row."""
        if self._frame_look is not None:
            return self._frame_look
        return CellLook(
            console=self.app.console,
            padding=self.cell_padding,
            fixed_rows=self.fixed_rows,
            fixed_columns=self.fixed_columns,
            show_cursor=self.show_cursor,
            show_hover_cursor=self._show_hover_cursor,
            css_foreground=self.cursor_foreground_priority == "css",
            css_background=self.cursor_background_priority == "css",
        )

    def component_style(self, component: str) -> Style:
        # As DataTable reads them (not `get_component_rich_style`, which adds text opacity).
        return self.get_component_styles(component).rich_style

    def render_line(self, y: int) -> Strip:
        # DataTable.render_line, with the widget's style looked up once per frame.
        scroll_x, scroll_y = self.scroll_offset
        fixed_height = sum(row.height for row in self.ordered_rows[: self.fixed_rows])
        if self.show_header:
            fixed_height += self.header_height
        if y >= fixed_height:
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, self.frame_style(None))

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        if row_index == -1:
            return self.frame_style("datatable--header")
        if row_index < self.fixed_rows:
            return self.frame_style("datatable--fixed")
        if self.zebra_stripes:
            return self.frame_style(
                "datatable--odd-row" if row_index % 2 else "datatable--even-row"
            )
        return base_style

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        # DataTable's, for a row cursor without row labels or fixed columns (how every
        # KeyTable is used), minus the header style it computes for every line and needs
        # only for those. Cached as DataTable caches it.
        if self.cursor_type != "row" or self._should_render_row_labels or self.fixed_columns:
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        located = self._row_locations.get(row_key)
        row_index = -1 if located is None else located  # the header's key is not located
        cursor = row_index == cursor_location.row
        hover = row_index == hover_location.row
        row_style = self._get_row_style(row_index, base_style)
        widths = [column.get_render_width(self) for column in self.ordered_columns]
        cells = [
            self._render_cell(row_index, column_index, row_style, width, cursor, hover)[line_no]
            for column_index, width in enumerate(widths)
        ]
        # The rest of the line, as wide as the widget, in the row's style.
        table_width = sum(widths)
        extend_style, _ = self._get_styles_to_render_cell(
            row_index == -1,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            False,
            False,
        )
        extend_style = row_style + extend_style
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        cells.append([Segment(" " * max(0, self.size.width - table_width), extend_style)])
        row_pair: tuple[SegmentLines, SegmentLines] = ([], cells)
        self._row_render_cache[cache_key] = row_pair
        return row_pair

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        # DataTable renders every cell through Rich's console (Styled(Padding(cell)), two
        # passes of line splitting): ~0.1 ms a cell, and every visible cell again after each
        # added page. A one-line Text cell is rendered here by the same Rich steps without
        # the layers around them — the same segments (tests/test_key_table.py compares them)
        # at a fraction of the cost. Anything else goes DataTable's way.
        look = self.cell_look()
        found = self._one_line_cell(row_index, column_index)
        content_width = width - 2 * look.padding
        if found is None or content_width < 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key, column_key, cell = found
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            look.show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        is_header = row_index == -1
        component_style, post_style = self._get_styles_to_render_cell(
            is_header,
            False,
            not is_header and (row_index < look.fixed_rows or column_index < look.fixed_columns),
            hover,
            cursor,
            look.show_cursor,
            look.show_hover_cursor,
            look.css_foreground,
            look.css_background,
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        line = one_line_segments(look.console, cell, content_width, look.padding)
        styled = list(Segment.apply_style(line, pre_style + component_style, post_style))
        lines = [Segment.adjust_line_length(styled, width)]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _one_line_cell(
        self, row_index: int, column_index: int
    ) -> tuple[RowKey, ColumnKey, Text] | None:
        """The cell's keys and the cell, when it is a plain one-line `Text` that
        `one_line_segments` renders as DataTable would; None when it is anything else (a
        `MiddleCut`, a label, a wrapped cell…)."""
        column_key = self._column_locations.get_key(column_index)
        if column_key is None:
            return None
        if row_index == -1:
            if self.header_height != 1:
                return None
            row_key = self._header_row_key
            cell: object = self.columns[column_key].label
        else:
            located = self._row_locations.get_key(row_index)
            if located is None:
                return None
            row_key = located
            row = self.rows.get(row_key)
            if row is None or row.height != 1 or row.label is not None:
                return None
            cell = self._data[row_key].get(column_key)
        if type(cell) is not Text or cell.no_wrap is False or cell.justify not in (None, "default"):
            return None
        if "\n" in cell.plain or "\t" in cell.plain:
            return None
        return row_key, column_key, cell

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
        # A long name added one row at a time (or by DataTable's add_rows) must shrink its
        # column as well. Once per refresh however many rows came.
        row_key = super().add_row(*cells, height=height, key=key, label=label)
        self.schedule_rows_added()
        return row_key

    def schedule_rows_added(self) -> None:
        if (self.flexible or self.kept_position is not None) and not self._rows_pending:
            self._rows_pending = True
            self.call_after_refresh(self.rows_added)

    def rows_added(self) -> None:
        """Fit the columns to the new rows, and put back a kept position once they are laid
        out (the scroll needs their height)."""
        self._rows_pending = False
        self.fit_columns()
        self.restore_position()

    def update_row(self, row_key: RowKey | str, cells: Sequence[Text]) -> None:
        """Show `cells` in the row `row_key`, column by column; a cell that shows the same
        as before is left alone (every changed cell makes DataTable draw every line again)."""
        for column_key, value in zip(self.columns, cells, strict=True):
            if not same_cell(self.get_cell(row_key, column_key), value):
                self.update_cell(row_key, column_key, value)

    def add_keyed_rows(self, rows: Iterable[tuple[str, Sequence[Text]]]) -> list[RowKey]:
        """Add rows under keys that say what they show (a title's id…): the same row is found
        again in a refilled table. A key repeated in `rows` or already in the table (an API
        may list an entry twice) gets a suffix.

        The rows go in as one batch: DataTable's `add_row` re-validates the cursor (a reactive
        with watchers) for every row, which cost more than the row itself on a 1,000-title
        page. What it stores is stored here the same way (Textual is pinned: `pyproject.toml`),
        and the cursor is validated once."""
        columns = [column.key for column in self.ordered_columns]
        return self.add_row_cells((key, cells_by_column(columns, cells)) for key, cells in rows)

    def add_items(
        self, items: Iterable[tuple[str, T]], cells: Callable[[T], Sequence[Text]]
    ) -> list[RowKey]:
        """Add a row for each item under its key, as `add_keyed_rows` does, its cells made by
        `cells(item)` only when the row first comes into view (or is read): of each batch only
        the first `SAMPLE_ROWS` are made at once, and the columns are measured from them; a
        row made later widens the columns it needs more room in."""
        columns = [column.key for column in self.ordered_columns]

        def made(item: T) -> dict[ColumnKey, Text]:
            return cells_by_column(columns, cells(item))

        return self.add_row_cells(
            (key, made(item) if number < SAMPLE_ROWS else LazyCells(partial(made, item)))
            for number, (key, item) in enumerate(items)
        )

    def add_row_cells(self, rows: Iterable[tuple[str, dict[ColumnKey, Text]]]) -> list[RowKey]:
        """Add rows of cells stored by column, in one batch (`add_keyed_rows`)."""
        was_empty = not self.row_count
        keys = []
        for key, cells in rows:
            unique, repeat = key, 1
            while unique in self.rows:
                repeat += 1
                unique = f"{key}~{repeat}"
            row_key = RowKey(unique)
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = cells
            self.rows[row_key] = Row(row_key, 1)
            self._new_rows.add(row_key)
            keys.append(row_key)
        if not keys:
            return keys
        self._require_update_dimensions = True
        # DataTable counts every change (`_update_count`) and drops every cached line with
        # it; rows added at the end change none of the lines already drawn, so those stay
        # cached (unless the columns widen: `_update_dimensions`), and only the line index
        # learns the new rows.
        offsets = self._offset_cache.get(self._update_count)
        if offsets is not None:
            offsets.extend((row_key, 0) for row_key in keys)
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and self.columns and self.show_cursor:
            self._highlight_cursor()  # a row is under the cursor now: RowHighlighted
        self.check_idle()
        self.schedule_rows_added()
        return keys

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures each new cell through the console (~20 µs: options, terminal
        # size); a one-line Text cell's width is the width of its longest line, as Rich's
        # `Text.__rich_measure__` says, so those are measured here directly (~1 µs). Rows
        # with labels, auto height or other renderables still go DataTable's way.
        columns = self.ordered_columns
        widths = [column.content_width for column in columns]
        slow: list[RowKey] = []
        for row_key in new_rows:
            row = self.rows.get(row_key)
            cells = self._data.get(row_key)
            if row is None or cells is None:
                continue  # removed before the table was idle
            if isinstance(cells, LazyCells):
                continue  # measured when it comes into view (`make_rows_in_view`)
            measured = [text_width(cell) for cell in cells.values()]
            known = [width for width in measured if width is not None]
            if row.label is not None or row.auto_height or len(known) < len(measured):
                slow.append(row_key)
                continue
            widths = [max(width, cell) for width, cell in zip(widths, known, strict=False)]
        before = [column.get_render_width(self) for column in columns]
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        super()._update_dimensions(slow)
        if before != [column.get_render_width(self) for column in columns]:
            self._update_count += 1  # the lines drawn with the old widths are stale


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

"""KeyTable: the rule that fits its flexible (long-name) columns to its width, and the cursor
and scroll it keeps across refills."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable, Static

from app.widgets.title_table import (
    FLEXIBLE_MINIMUM,
    SAMPLE_ROWS,
    KeyTable,
    MiddleCut,
    cell,
    flexible_widths,
)
from tests.support import wait_for

NEEDS = (1, 5, FLEXIBLE_MINIMUM, 13, 40, 230)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_flexible_columns_share_the_room_and_keep_their_minimum(count: int) -> None:
    for needs in itertools.product(NEEDS, repeat=count):
        floors = [min(need, FLEXIBLE_MINIMUM) for need in needs]
        for room in range(sum(needs) + 2):
            widths = flexible_widths(needs, room)
            where = f"needs {needs} in {room}"
            if sum(needs) <= room:
                assert widths == list(needs), where
            elif sum(floors) <= room:
                assert sum(widths) == room, where  # within the room, and none of it wasted
                assert all(
                    floor <= width <= need
                    for floor, width, need in zip(floors, widths, needs, strict=True)
                ), where
            else:
                assert widths == floors, where  # too narrow for even the minimums


def test_a_longer_name_gets_the_larger_share() -> None:
    assert flexible_widths([230, 40], 60) == [52, 8]
    assert flexible_widths([100, 100], 60) == [30, 30]


class TwoNames(App[None]):
    """A table with two flexible name columns between fixed ones."""

    def compose(self) -> ComposeResult:
        table = KeyTable(flexible=("name", "en"))
        table.add_column("Name", key="name")
        table.add_column("English name", key="en")
        table.add_column("Episodes", key="episodes")
        table.add_column("Updated", key="updated")
        yield table


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_two_flexible_columns_fit_the_table_and_the_fixed_ones_stay_whole(
    width: int,
) -> None:
    app = TwoNames()
    async with app.run_test(size=(width, 10)) as pilot:
        table = app.query_one(KeyTable)
        table.add_row(
            Text("Очень длинное название " * 10), Text("Courier"), Text("12 / 12"), Text("—")
        )
        table.add_row(Text("Короткое"), Text("Short"), Text("1 / ?"), Text("2026-11-20"))
        await wait_for(pilot, lambda: not table.columns[table.ordered_columns[0].key].auto_width)
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths) <= table.scrollable_content_region.width
        header = table.render_line(0).text
        assert "Episodes" in header and "Updated" in header
        assert "2026-11-20" in table.render_line(2).text


class Numbers(App[None]):
    def compose(self) -> ComposeResult:
        table = KeyTable()
        table.add_column("Number", key="number")
        yield table


def fill(table: KeyTable, numbers: range) -> None:
    table.clear()
    table.add_keyed_rows((str(number), [Text(str(number))]) for number in numbers)


async def test_a_kept_position_comes_back_after_each_refill_until_the_user_moves() -> None:
    app = Numbers()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyTable)
        fill(table, range(60))
        table.focus()
        await pilot.press(*"j" * 30, *"k" * 4)
        kept = table.position()
        assert kept is not None and kept.scroll.y > 0
        table.keep_position(kept)
        for _refill in range(2):
            fill(table, range(60))
            assert table.position() != kept
            await wait_for(pilot, lambda: table.position() == kept)
        await pilot.press("j")
        fill(table, range(60))
        await pilot.pause()
        await wait_for(pilot, lambda: table.row_count == 60)
        assert table.kept_position is None and table.cursor_row == 0


async def test_rows_without_the_kept_one_end_it() -> None:
    app = Numbers()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyTable)
        fill(table, range(60))
        table.move_cursor(row=30)
        await pilot.pause()
        kept = table.position()
        table.keep_position(kept)
        fill(table, range(100, 160))
        await wait_for(pilot, lambda: table.kept_position is None)
        fill(table, range(60))
        await pilot.pause()
        assert table.cursor_row == 0


async def test_a_shrunk_column_cuts_its_header_with_an_ellipsis_and_gives_it_back() -> None:
    app = TwoNames()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyTable)
        table.add_row(
            Text("Очень длинное название " * 4),
            Text("A very long English name indeed"),
            Text("12 / 12"),
            Text("—"),
        )
        await wait_for(pilot, lambda: not table.columns[table.ordered_columns[1].key].auto_width)
        await pilot.pause()
        header = table.render_line(0).text
        # DataTable alone would cut "English name" mid-word, with nothing to say so.
        assert "English name" not in header and re.search(r"Engl\w*…", header), header
        await pilot.resize_terminal(200, 10)
        await wait_for(pilot, lambda: "English name" in table.render_line(0).text)


def twin_rows() -> list[tuple[str, list[Text]]]:
    """Rows with what KeyTable draws its own way (one-line Text: styled, spans, cut with "…"
    or cropped, wide characters, empty) and what it leaves to DataTable (a MiddleCut)."""
    return [
        (
            str(number),
            [
                Text.assemble(
                    ("★ " if number % 5 == 0 else "", "bold yellow"),
                    cell("Очень длинное название " * (number % 3), "bold"),
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                MiddleCut(cell(f"[Group] Show - {number:02d} [1080p].mkv"), 4),
                Text(str(number), style="green"),
                Text("日本語のタイトル" * (number % 3), overflow="crop"),
            ],
        )
        for number in range(40)
    ]


class Twins(App[None]):
    """A DataTable and a KeyTable side by side, with the same columns."""

    CSS = "DataTable { width: 1fr; height: 12; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            tables: list[DataTable[Text]] = [
                DataTable(cursor_type="row", zebra_stripes=True, id="data-table"),
                KeyTable(id="key-table"),
            ]
            for table in tables:
                table.add_column("Name", key="name")
                table.add_column("File", key="file", width=9)
                table.add_column("N", key="n")
                table.add_column("日本", key="ja")
                yield table


async def test_a_key_table_draws_exactly_what_a_data_table_draws() -> None:
    # KeyTable renders its cells and rows by a quicker path than DataTable's (the Updates
    # list of 3,000 titles): every segment, style and mouse meta must come out the same.
    app = Twins()
    async with app.run_test(size=(100, 14)) as pilot:
        twin = app.query_one("#data-table", DataTable)
        table = app.query_one(KeyTable)
        twin.add_rows([cells for _key, cells in twin_rows()])
        table.add_keyed_rows(twin_rows())
        await pilot.pause()
        states = itertools.product([True, False], [0, 3, 39], [None, 1, 3], [0, 6])
        for focused, cursor, hover, scroll_x in states:
            lines = []
            for each in (twin, table):
                each.move_cursor(row=cursor)
                each._show_hover_cursor = hover is not None
                each.hover_coordinate = Coordinate(hover or 0, 0)
                each.scroll_to(scroll_x, None, animate=False, immediate=True)
                if focused:
                    each.focus()
                else:
                    app.set_focus(None)
                await pilot.pause()
                lines.append([list(each.render_lines(Region(0, y, 50, 1))[0]) for y in range(12)])
            assert lines[0] == lines[1], (focused, cursor, hover, scroll_x)


class CountingTable(KeyTable):
    """A KeyTable that counts the cells it renders."""

    rendered = 0

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        self.rendered += 1
        return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)


async def laid_out(pilot: Any, table: KeyTable) -> None:
    """Until the table is laid out (its height follows its rows) and drawn at that size."""
    await wait_for(pilot, lambda: table.size.height > 1 and table.size.width == table.drawn_width)


async def drawn_and_counting(pilot: Any, table: CountingTable) -> None:
    """The table laid out and every visible line drawn into its caches, the count at zero."""
    await laid_out(pilot, table)
    table.refresh()
    await pilot.pause()
    table.rendered = 0


class Counting(App[None]):
    AUTO_FOCUS = None  # a focus change restyles the table: every line is drawn again

    def compose(self) -> ComposeResult:
        table = CountingTable()
        table.add_column("Number", key="number", width=6)
        yield table


async def test_rows_added_below_leave_the_drawn_lines_alone() -> None:
    # DataTable draws every visible line again after any change; a page of titles added at
    # the end of the Updates list changes none of them.
    app = Counting()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CountingTable)
        fill(table, range(100))
        await drawn_and_counting(pilot, table)
        table.add_keyed_rows((str(number), [Text(str(number))]) for number in range(100, 200))
        await wait_for(pilot, lambda: table.virtual_size.height > 100)
        await pilot.pause()
        assert table.rendered == 0
        table.move_cursor(row=150)
        await wait_for(pilot, lambda: table.rendered > 0)  # rows that come into view are drawn


class CountingWithNote(App[None]):
    """A CountingTable under a one-line note that comes and goes, as a status line does."""

    AUTO_FOCUS = None
    CSS = "CountingTable { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="note")
        table = CountingTable()
        table.add_column("Number", key="number", width=6)
        yield table


async def test_a_table_only_taller_or_shorter_keeps_its_drawn_lines() -> None:
    # Updates shows "Loading…" above its list while it waits for each page and hides it after:
    # the table's height changes twice a page, and each line is drawn as wide as before.
    app = CountingWithNote()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CountingTable)
        fill(table, range(100))
        await drawn_and_counting(pilot, table)
        shorter = table.size.height
        app.query_one("#note").display = False
        await wait_for(pilot, lambda: table.size.height == shorter + 1)
        await pilot.pause()
        assert 0 < table.rendered <= 1  # the one line that came into view
        table.rendered = 0
        app.query_one("#note").display = True
        await wait_for(pilot, lambda: table.size.height == shorter)
        await pilot.pause()
        assert table.rendered == 0


async def test_a_row_updated_with_what_it_shows_is_not_drawn_again() -> None:
    # The Downloads screen updates its running rows every status tick: cells that did not
    # change must not make the table draw every line again.
    app = Counting()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CountingTable)
        fill(table, range(20))
        await drawn_and_counting(pilot, table)
        table.update_row("3", [Text("3")])
        table.refresh()
        await pilot.pause()
        assert table.rendered == 0
        table.update_row("3", [Text("3", style="red")])  # the same text in another style
        await wait_for(pilot, lambda: table.rendered > 0)
        assert table.get_cell("3", "number").style == "red"


class Items(App[None]):
    """A KeyTable of numbered names, each row made from its item when first needed."""

    def __init__(self, names: dict[int, str]) -> None:
        super().__init__()
        self.names = names
        self.made: list[int] = []

    def compose(self) -> ComposeResult:
        table = CountingTable(flexible=("name",))
        table.add_column("Name", key="name")
        table.add_column("Episodes", key="episodes")
        yield table

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_items(((str(n), n) for n in self.names), self.cells)

    def cells(self, number: int) -> list[Text]:
        self.made.append(number)
        return [cell(self.names[number]), cell(f"{number} / 500")]


async def test_rows_of_items_are_made_only_when_they_come_into_view() -> None:
    app = Items({number: f"Title {number}" for number in range(500)})
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyTable)
        await laid_out(pilot, table)
        assert sorted(app.made) == list(range(SAMPLE_ROWS))  # measured as they came
        assert "Title 0" in table.render_line(1).text
        await pilot.press("G")
        await wait_for(pilot, lambda: 499 in app.made)
        assert "Title 499" in "".join(strip.text for strip in table.render_lines(table.region))
        assert 250 not in app.made and len(app.made) < SAMPLE_ROWS + 12
        assert table.get_row("250")[0].plain == "Title 250"  # read, it is made too
        assert len(app.made) == len(set(app.made))  # each row once


async def test_a_longer_cell_in_a_shrunk_column_draws_no_line_again() -> None:
    # A name longer than the sample's in a flexible column already cut to its share leaves
    # every column as wide as it was: the lines drawn stay (every page of Updates brings one).
    names = {number: "A long name that does not fit" for number in range(300)}
    app = Items(names)
    async with app.run_test(size=(30, 12)) as pilot:
        table = app.query_one(CountingTable)
        name = table.columns[table.ordered_columns[0].key]
        await laid_out(pilot, table)
        table.move_cursor(row=199)
        await pilot.pause()
        table.refresh()
        await pilot.pause()
        assert not name.auto_width  # cut to its share
        later = max(app.made) + 1  # the first row not made yet: a longer name
        names[later] = names[later] * 2
        table.rendered = 0
        # Scrolled into view (a moving cursor draws every row again: DataTable keys its lines
        # by the cursor's place).
        table.scroll_relative(y=later - 199, animate=False, immediate=True)
        await wait_for(pilot, lambda: name.content_width == len(names[later]))
        table.refresh()
        await pilot.pause()
        assert 0 < table.rendered <= (later - 199) * 2  # the rows that came into view


@pytest.mark.parametrize(("width", "whole"), [(80, True), (40, False)])
async def test_a_row_made_later_widens_its_column_within_the_table(width: int, whole: bool) -> None:
    long_name = "A much longer name than the sample had"
    names = {number: "Short" for number in range(300)} | {200: long_name}
    app = Items(names)
    async with app.run_test(size=(width, 12)) as pilot:
        table = app.query_one(KeyTable)
        name = table.columns[table.ordered_columns[0].key]
        await laid_out(pilot, table)
        assert name.content_width == len("Short")
        assert table.get_row("200")[0].plain == long_name  # made by reading, measured in view
        table.move_cursor(row=200)
        await wait_for(pilot, lambda: name.content_width == len(long_name))
        await pilot.pause()
        shown = "".join(strip.text for strip in table.render_lines(table.region))
        if whole:
            assert long_name in shown
        else:  # the flexible rule: cut with "…", the fixed column whole beside it
            assert re.search(r" A much longer[^…]*…  200 / 500 ", shown)
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths) <= table.scrollable_content_region.width

"""Layout at every size and in both languages (issue 12 §2): the footer never overflows; a
long name is cut in its own column and never pushes the others off."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from app import i18n
from app.messages import TitleOpened
from app.screens.title import TitleScreen
from app.services.torrent_meta import parse_torrent
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.test_downloads import downloads_screen
from tests.screens.test_favorites import favorites_screen
from tests.support import screen_of, wait_for


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("width", [80, 120])
async def test_the_footer_shows_whole_keys_only_and_always_help(
    app_factory: AppFactory, language: str, width: int
) -> None:
    app = app_factory()
    async with app.run_test(size=(width, 30)) as pilot:
        if i18n.language() != language:
            await app.action_switch_language()
        for key in [*"12345678", "title"]:
            if key == "title":
                app.post_message(TitleOpened(9001))
                await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
                title = screen_of(app, TitleScreen)
                await wait_for(pilot, title.rest_joined.is_set)  # the key line among them
            else:
                await pilot.press("escape", key)  # escape: out of a query box first
            where = f"{type(app.screen).__name__} {width} {language}"
            # The footer refits after the screen's first layout: wait for it (a busy machine
            # may take more than a frame), then say what is wrong if it never settles.
            await wait_for(pilot, lambda: not footer_problems(app), timeout=5)
            assert footer_problems(app) == [], where


def footer_problems(app: App[None]) -> list[str]:
    """What is wrong with the footer on screen: Help missing where `?` works, a key cut or
    under the palette key, or a footer that scrolls."""
    footer = app.screen.query_one(Footer)
    palettes = footer.query(".-command-palette").results(FooterKey)
    palette = next(iter(palettes), None)
    if palette is None:
        return ["no palette key (yet)"]
    shown = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
    help_works = "question_mark" in app.screen.active_bindings  # not while typing
    problems = []
    if any(k.action == "help" for k in shown) != help_works:
        problems.append("Help shown where it does not work, or missing where it does")
    problems += [
        f"{k.key} cut or under the palette key"
        for k in shown
        if not (k.region.width > 0 and k.region.right < palette.region.x)
    ]
    if footer.virtual_size.width > footer.size.width:
        problems.append("the footer scrolls")
    return problems


LONG_NAME = "Очень длинное название " * 10  # 230 characters


def header_and_rows(table: KeyTable) -> list[str]:
    """The table's lines as drawn: the header, then the rows."""
    return [table.render_line(y).text for y in range(table.row_count + 1)]


def fits(table: KeyTable) -> bool:
    widths = [column.get_render_width(table) for column in table.columns.values()]
    return sum(widths) <= table.scrollable_content_region.width


@pytest.mark.parametrize("width", [80, 120])
async def test_a_long_favorite_name_is_cut_in_its_column_and_the_others_stay(
    app_factory: AppFactory, fresh_devserver: Any, width: int
) -> None:
    data = fresh_devserver.catalog.title(9001)
    data["names"]["ru"] = LONG_NAME
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(width, 24)) as pilot:
        for title_id in (9001, 9002):
            app.runtime.favorites.add(title_id)
        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: len(favorites.titles) == 2)
        table = favorites.query_one(KeyTable)
        await wait_for(pilot, lambda: fits(table))
        header, *rows = header_and_rows(table)
        for column in ("Episodes", "New", "Updated", "Weekday"):
            assert column in header
        assert any("Очень длинное" in row and "…" in row for row in rows)
        assert all("Thursday" in row or "Friday" in row for row in rows)  # the last column


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("width", [80, 120])
async def test_a_long_download_name_keeps_priority_and_loses_its_middle(
    app_factory: AppFactory, fresh_devserver: Any, width: int, language: str
) -> None:
    catalog = fresh_devserver.catalog
    app = app_factory(server=fresh_devserver, lang=language)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await downloads_screen(pilot)
        queue = screen.queue
        assert queue is not None
        await pilot.press("s")
        await wait_for(pilot, lambda: not queue.is_running)
        entry = catalog.titles[0]["torrents"]["list"][0]
        queue.add(
            parse_torrent(catalog.torrent_file(entry["torrent_id"], [])),
            title_id=catalog.titles[0]["id"],
            title_name=f"{LONG_NAME} · WEBRip 1080p · 1-12",
            source="anilibria",
        )
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        await wait_for(pilot, lambda: fits(table))
        header, row = header_and_rows(table)
        # Every header whole, in either language; the name gets the room the others leave.
        assert all(f" {column.label} " in header for column in table.ordered_columns)
        assert table.ordered_columns[0].width >= 30
        assert i18n.t("NORMAL") in row
        assert row.startswith(" Оче") and "… · WEBRip 1080p · 1-12 " in row
        # The other width has the other columns.
        shown = len(table.ordered_columns)
        await pilot.resize_terminal(200 - width, 24)
        await wait_for(pilot, lambda: len(table.ordered_columns) != shown)
        await wait_for(pilot, lambda: fits(table))
        assert table.row_count == 1

"""SVG snapshots of every screen at 120x40 and at 80x24 (SSH users), in English and in Russian;
fixed clock and data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.widgets import Input

from app.i18n import t
from app.messages import TitleOpened
from app.screens.help import HelpScreen
from app.screens.title import TitleScreen
from app.sources.search_filters import FilterKey
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.test_search import open_search, option_by_label, tick, workers_busy
from tests.support import wait_for


async def rows_loaded(pilot: Any) -> None:
    await wait_for(pilot, lambda: pilot.app.screen.query_one(KeyTable).row_count > 0)
    await pilot.pause()


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_schedule(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=rows_loaded)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_title(
    snap_compare: Any, app_factory: AppFactory, devserver: Any, size: tuple[int, int], lang: str
) -> None:
    title_id = devserver.catalog.titles[0]["id"]

    async def open_title(pilot: Any) -> None:
        await rows_loaded(pilot)
        pilot.app.post_message(TitleOpened(title_id))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TitleScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.title_data is not None)
        # The poster and the rest join a frame after the episodes.
        await wait_for(pilot, screen.rest_joined.is_set)
        await wait_for(
            pilot,
            lambda: (
                not screen.query("#poster-text")
                or t("Loading…") not in str(screen.query_one("#poster-text").render())
            ),
        )
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=open_title)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_updates(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def open_updates(pilot: Any) -> None:
        await rows_loaded(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: pilot.app.current_mode == "updates")
        await rows_loaded(pilot)

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=open_updates)


def search_for(word: str) -> Callable[[Any], Awaitable[None]]:
    async def search(pilot: Any) -> None:
        await rows_loaded(pilot)
        await pilot.press("3")
        await wait_for(pilot, lambda: pilot.app.current_mode == "search")
        screen = pilot.app.screen
        screen.query_one("#search-query", Input).value = word
        await pilot.press("enter")
        await rows_loaded(pilot)
        # Every filter's values have arrived (a drop-down's width does not depend on them, but
        # the picture must not depend on a race either).
        await wait_for(
            pilot,
            lambda: all(w.is_finished for w in screen.workers if w.group == "search-filters"),
        )

    return search


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_search(
    snap_compare: Any, app_factory: AppFactory, devserver: Any, size: tuple[int, int], lang: str
) -> None:
    word = devserver.catalog.titles[0]["names"]["en"].split()[0]
    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=search_for(word))


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_search_on_api_v1(
    snap_compare: Any, app_factory: AppFactory, devserver: Any, size: tuple[int, int], lang: str
) -> None:
    """v1 offers its catalog's own filters (in the panel, hidden until `F`)."""
    word = devserver.catalog.titles[0]["names"]["en"].split()[0]
    app = app_factory(lang=lang, api="v1")
    assert snap_compare(app, terminal_size=size, run_before=search_for(word))


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_search_filter_panel(
    snap_compare: Any,
    app_factory: AppFactory,
    devserver: Any,
    api: str,
    size: tuple[int, int],
    lang: str,
) -> None:
    """`F`'s panel with two genres and two seasons ticked, summarised above the results."""

    async def run(pilot: Any) -> None:
        await rows_loaded(pilot)
        screen = await open_search(pilot)
        await pilot.press("escape", "F")
        # The first title's season and two of its genres, and another season: rows to show.
        title = devserver.catalog.titles[0]
        await tick(pilot, screen, FilterKey.SEASON, sorted({str(title["season"]["code"]), "4"}))
        # The seasons' own results first: the table's columns keep the widths its widest rows
        # asked for (DataTable does not narrow them on `clear`), so the genres' search must not
        # cancel them in some runs and not in others.
        await wait_for(pilot, lambda: not workers_busy(screen, "search"))
        genres = [option_by_label(screen, FilterKey.GENRE, g) for g in title["genres"][:2]]
        await tick(pilot, screen, FilterKey.GENRE, genres)
        await wait_for(pilot, lambda: screen.query_one(KeyTable).row_count > 0)
        await wait_for(pilot, lambda: not workers_busy(screen, "search"))
        await pilot.pause()

    app = app_factory(lang=lang, api=api)
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_help(snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str) -> None:
    async def help_(pilot: Any) -> None:
        await rows_loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=help_)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_history(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    app = app_factory(lang=lang)
    history = app.runtime.history
    history.record_position(9001, 3, 512.0, 1440.0, at=1795392000.0, title_name="Звёздный курьер")
    history.mark_watched(9002, 1, at=1795305600.0)
    history.record_position(
        9002, 1, 1400.0, 1440.0, at=1795305600.0, title_name="Звёздный курьер 2"
    )

    async def open_history(pilot: Any) -> None:
        await rows_loaded(pilot)
        await pilot.press("7")
        await wait_for(pilot, lambda: pilot.app.current_mode == "history")
        await rows_loaded(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_history)

"""Search (`3`) on both AniLibria APIs: results past the first page, with the count; a title
opened by its code or its page's URL from the palette."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Static

from app.screens.prompt import PromptScreen
from app.screens.search import SearchScreen
from app.screens.title import TitleScreen
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.support import wait_for

QUERY = "и"
"""Matches 30 of the demo catalog's 50 titles on both APIs."""


async def test_results_page_past_the_first_with_the_total(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    app = app_factory(api=api, **{"ui.page_size": 5})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*QUERY)
        status = screen.query_one(StatusLine)
        table = screen.query_one(KeyTable)
        # A first page of 5, then one four times larger while the cursor is near the end.
        await wait_for(pilot, lambda: table.row_count == 25)
        await wait_for(pilot, lambda: not workers_busy(screen, "search-more"))
        # v1 counts the matches; v2 does not, and says more may follow.
        assert str(status.render()) == ("25 of 30 titles" if api == "v1" else "25+ titles")
        await pilot.press("enter", "G")  # Enter in the query box goes to the results
        await wait_for(pilot, lambda: table.row_count == 30)
        await wait_for(pilot, lambda: str(status.render()) == "30 titles")
        assert len({t.id for t in screen.listed_titles()}) == 30


def workers_busy(screen: SearchScreen, group: str) -> bool:
    return any(not w.is_finished for w in screen.workers if w.group == group)


async def run_palette_command(pilot: Any, name: str) -> None:
    """ctrl+p, the command's name, Enter: as a user runs it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*name)
    commands = app.screen.query_one(CommandList)
    await wait_for(
        pilot,
        lambda: (
            commands.highlighted is not None
            and name in str(commands.get_option_at_index(commands.highlighted).prompt)
        ),
    )
    await pilot.press("enter")


@pytest.mark.parametrize(
    "shape",
    [
        "{code}",
        "https://www.anilibria.tv/release/{code}.html",
        "anilibria.top/anime/releases/release/{code}/",
    ],
    ids=["code", "v2-site-url", "v1-site-url"],
)
async def test_open_a_title_by_code_or_url_from_the_palette(
    app_factory: AppFactory, devserver: Any, api: str, shape: str
) -> None:
    title = devserver.catalog.titles[7]
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_palette_command(pilot, "Open a title by code")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        # Not a code: the prompt stays open and says why.
        await pilot.press(*"no such thing?", "enter")
        problem = prompt.query_one("#prompt-problem", Static)
        await wait_for(pilot, lambda: "no such thing?" in str(problem.render()))
        prompt.query_one(Input).value = shape.format(code=title["code"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        assert isinstance(app.screen, TitleScreen) and app.screen.title_id == title["id"]


async def test_an_unknown_code_keeps_the_prompt_open_with_the_api_s_answer(
    app_factory: AppFactory, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_palette_command(pilot, "Open a title by code")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        await pilot.press(*"no-title-has-this-code", "enter")
        problem = prompt.query_one("#prompt-problem", Static)
        await wait_for(pilot, lambda: bool(str(problem.render()).strip()))
        assert app.screen is prompt

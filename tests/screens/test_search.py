"""Search (`3`) on both AniLibria APIs: results past the first page, with the count."""

from __future__ import annotations

from typing import Any

from app.screens.search import SearchScreen
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

"""Search (`3`) on both AniLibria APIs: results past the first page, with the count; a title
opened by its code or its page's URL from the palette; the filter panel (`F`), several values
per filter, cleared with `X` and summarised in one line."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, OptionList, Select, SelectionList, Static

from app.screens.prompt import PromptScreen
from app.screens.search import SearchScreen
from app.screens.title import TitleScreen
from app.sources.search_filters import FilterKey
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


# the filter panel ------------------------------------------------------------------------


async def open_search(pilot: Any) -> SearchScreen:
    await pilot.press("3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    await wait_for(pilot, lambda: not workers_busy(screen, "search-filters"))
    return screen


def option_by_label(screen: SearchScreen, key: FilterKey, label: str) -> str:
    """The value the API reads for the option it labels `label`."""
    return next(o.value for o in screen.options[key] if o.label == label)


async def tick(pilot: Any, screen: SearchScreen, key: FilterKey, values: list[str]) -> None:
    """Highlight `key` in the panel and tick `values` in its list, as the keys would."""
    keys = screen.query_one("#search-filter-keys", OptionList)
    keys.highlighted = screen.multi_filters().index(key)
    values_list: SelectionList[str] = screen.query_one("#search-filter-values", SelectionList)
    await wait_for(pilot, lambda: screen.shown_filter is key and values_list.option_count > 0)
    for value in values:
        values_list.select(value)
    await wait_for(pilot, lambda: screen.current_request().query.chosen(key) == tuple(values))


def last_request(devserver: Any, api: str) -> Any:
    path = "/searchTitles" if api == "v2" else "/catalog/releases"
    return [r for r in devserver.requests if r.path.endswith(path)][-1]


async def test_several_values_of_each_filter_reach_the_api_and_the_rows(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    titles = devserver.catalog.titles
    # A title with two genres, and one from another year and season, to choose both.
    first = next(t for t in titles if len(t["genres"]) >= 2)
    other = next(
        t
        for t in titles
        if t["season"]["year"] != first["season"]["year"]
        and t["season"]["code"] != first["season"]["code"]
    )
    genres = first["genres"][:2]
    years = sorted({first["season"]["year"], other["season"]["year"]})
    seasons = sorted({first["season"]["code"], other["season"]["code"]})
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(pilot)
        await pilot.press("escape", "F")
        genre_values = [option_by_label(screen, FilterKey.GENRE, g) for g in genres]
        await tick(pilot, screen, FilterKey.GENRE, genre_values)
        await tick(pilot, screen, FilterKey.SEASON, [str(code) for code in seasons])
        if api == "v2":
            await tick(pilot, screen, FilterKey.YEAR, [str(year) for year in years])
        else:
            types = sorted({first["type"]["string"], other["type"]["string"], "MOVIE"})
            await tick(pilot, screen, FilterKey.TYPE, types)
        table = screen.query_one(KeyTable)
        # Genres: every one chosen (AND); years, seasons and types: any one chosen (OR).
        expected = {
            t["id"]
            for t in titles
            if set(genres) <= set(t["genres"])
            and t["season"]["code"] in seasons
            and (
                t["season"]["year"] in years
                if api == "v2"
                else (t["type"]["string"] if t["type"]["string"] in types else "TV") in types
            )
        }
        assert expected
        await wait_for(pilot, lambda: {t.id for t in screen.listed_titles()} == expected)
        assert table.row_count == len(expected)
        sent = last_request(devserver, api)
        if api == "v2":
            assert set(sent.query["genres"].split(",")) == set(genres)
            assert sent.query["year"].split(",") == [str(year) for year in years]
            assert sent.query["season_code"].split(",") == [str(code) for code in seasons]
        else:
            assert set(sent.query["f[genres]"].split(",")) == set(genre_values)
            assert sorted(sent.values("f[types][]")) == types
            season_names = {1: "winter", 2: "spring", 3: "summer", 4: "autumn"}
            assert sorted(sent.values("f[seasons][]")) == sorted(season_names[c] for c in seasons)


async def test_f_shows_the_panel_x_clears_it_and_the_summary_says_what_is_set(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(pilot)
        panel = screen.query_one("#search-panel")
        summary = screen.query_one("#search-summary", Static)
        assert panel.has_class("-hidden") and summary.has_class("-hidden")
        await pilot.press("escape", "F")  # out of the query box, then the panel
        keys = screen.query_one("#search-filter-keys", OptionList)
        assert not panel.has_class("-hidden") and screen.focused is keys
        genre_row = screen.multi_filters().index(FilterKey.GENRE)
        await pilot.press(*["down"] * (genre_row - (keys.highlighted or 0)), "enter")
        values_list = screen.query_one("#search-filter-values", SelectionList)
        assert screen.focused is values_list and screen.shown_filter is FilterKey.GENRE
        await pilot.press("space", "down", "space")
        genres = [o.label for o in screen.options[FilterKey.GENRE][:2]]
        expected = f"Filters: Genres: {genres[0]}, {genres[1]}"
        if api == "v1":
            year_from = screen.query_one("#filter-year-from", Select)
            year_from.value = "2020"
            expected += " · from 2020"
        await wait_for(pilot, lambda: str(summary.render()) == expected)
        assert not summary.has_class("-hidden")
        assert str(keys.get_option(FilterKey.GENRE.value).prompt) == "Genres (2)"
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: "genre" in str(last_request(devserver, api).query))
        await wait_for(pilot, lambda: not workers_busy(screen, "search"))
        asked = len(devserver.requests)
        table.focus()
        await pilot.press("X")
        await wait_for(pilot, lambda: summary.has_class("-hidden"))
        assert screen.current_request().query.is_empty
        assert str(keys.get_option(FilterKey.GENRE.value).prompt) == "Genres"
        assert not values_list.selected
        # Nothing left to search for: no request is made.
        await wait_for(pilot, lambda: not workers_busy(screen, "search"))
        assert len(devserver.requests) == asked
        await pilot.press("F")
        assert panel.has_class("-hidden") and table.has_focus

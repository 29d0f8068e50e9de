"""The Torrents filter panel's uploader by name: nekoBT's user search (exact usernames, API key)
resolves it to the id the torrent search takes; several users of one name are picked from with
the keyboard; no key is said in the panel, and an id typed directly works without one."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, OptionList, Select, Static

from app.devserver import nekobt_data
from app.screens.choice import ChoiceScreen
from app.screens.torrents import TorrentsScreen
from app.services.torrent_search import Source
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.test_torrent_filters import EVERYTHING, neko, searched
from tests.screens.test_torrents import open_torrents, search_requests, torrents_css
from tests.support import wait_for

__all__ = ["torrents_css"]

RYOKA = nekobt_data.USER_NAMES.index("ryoka")
OTHER_RYOKA = len(nekobt_data.USER_NAMES)
"""The demo user named `AMBIGUOUS_USERNAME`, added after the others."""


def user_searches(server: Any) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/users/search")]


def note(screen: TorrentsScreen) -> str:
    line = screen.query_one("#filter-uploader-note", Static)
    return "" if line.has_class("-hidden") else str(line.render())


def problems(screen: TorrentsScreen) -> str:
    return str(screen.query_one("#torrents-problems", Static).render())


async def nekobt_only(pilot: Any) -> TorrentsScreen:
    screen = await open_torrents(pilot)
    screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
    await searched(pilot, screen, EVERYTHING)
    return screen


async def show_panel(pilot: Any, screen: TorrentsScreen) -> None:
    screen.query_one("#torrents-results").focus()
    await pilot.press("F")
    assert not screen.query_one("#torrents-panel").has_class("-hidden")


async def type_uploader(pilot: Any, screen: TorrentsScreen, text: str) -> None:
    """Type `text` in the uploader box and press Enter, as a user would."""
    await show_panel(pilot, screen)
    box = screen.query_one("#filter-uploader", Input)
    box.focus()
    await pilot.press(*text, "enter")


async def settled(pilot: Any, screen: TorrentsScreen, uploader_id: str) -> None:
    """Wait for the search with `uploader_id` to be on screen."""
    await wait_for(pilot, lambda: screen.current_request().filters.uploader == uploader_id)
    await searched(pilot, screen, EVERYTHING)


async def test_a_name_becomes_the_id_the_search_takes(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        everything = len(screen.results)
        devserver.requests.clear()
        await type_uploader(pilot, screen, "kisaragi")
        await settled(pilot, screen, nekobt_data.user_id(0))
        assert user_searches(devserver)[-1].query == {"query": "kisaragi"}
        assert search_requests(devserver)[-1].query["uploader_id"] == nekobt_data.user_id(0)
        torrents = {t.id: t for t in neko(devserver).torrents}
        assert 0 < len(screen.results) < everything
        assert all(torrents[str(hit.nekobt_id)].uploader == 0 for hit in screen.results)
        assert note(screen) == f"Uploader: Kisaragi (kisaragi) · id\u00a0{nekobt_data.user_id(0)}"
        summary = str(screen.query_one("#torrents-summary", Static).render())
        assert summary == "Filters: uploader kisaragi"


async def test_several_users_of_one_name_are_picked_from_with_the_keyboard(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        await type_uploader(pilot, screen, "ryoka")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        uploads = sum(1 for t in neko(devserver).torrents if t.uploader == RYOKA)
        assert labels == [
            f"Ryoka (ryoka) · id\u00a0{nekobt_data.user_id(RYOKA)} · {uploads} torrents",
            f"Ryoka · id\u00a0{nekobt_data.user_id(OTHER_RYOKA)} · 0 torrents",
            "Cancel",
        ]
        await pilot.press("down", "enter")
        await settled(pilot, screen, nekobt_data.user_id(OTHER_RYOKA))
        assert search_requests(devserver)[-1].query["uploader_id"] == nekobt_data.user_id(
            OTHER_RYOKA
        )
        assert screen.results == []
        # Chosen once, the name stands for that user: typed again, nobody is asked.
        asked = len(user_searches(devserver))
        box = screen.query_one("#filter-uploader", Input)
        box.value = ""
        box.focus()
        await pilot.press(*"ryoka", "enter")
        await pilot.pause()
        assert "ryoka" not in [r.query["query"] for r in user_searches(devserver)[asked:]]
        assert screen.current_request().filters.uploader == nekobt_data.user_id(OTHER_RYOKA)


async def test_a_cancelled_choice_is_said_and_enter_offers_it_again(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        await type_uploader(pilot, screen, "ryoka")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: "No uploader chosen" in note(screen))
        await searched(pilot, screen, EVERYTHING)
        # An unresolved name never searches everybody's torrents.
        assert screen.results == []
        assert problems(screen).startswith("No uploader found or picked for “ryoka”")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await settled(pilot, screen, nekobt_data.user_id(RYOKA))
        assert screen.results


async def test_an_unknown_name_is_said_so(app_factory: AppFactory, devserver: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        await type_uploader(pilot, screen, "kisa")
        await wait_for(pilot, lambda: "No nekoBT user is named exactly" in note(screen))
        await searched(pilot, screen, EVERYTHING)
        assert note(screen) == "No nekoBT user is named exactly “kisa”."
        assert screen.results == []
        assert problems(screen).startswith("No uploader found or picked for “kisa”")


async def test_without_a_key_the_panel_says_so_and_an_id_still_works(
    app_factory: AppFactory, devserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANITUI_NEKOBT__API_KEY")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        assert "needs a nekoBT API key" in note(screen)
        devserver.requests.clear()
        await type_uploader(pilot, screen, nekobt_data.user_id(0))
        await settled(pilot, screen, nekobt_data.user_id(0))
        assert search_requests(devserver)[-1].query["uploader_id"] == nekobt_data.user_id(0)
        assert screen.results
        box = screen.query_one("#filter-uploader", Input)
        box.value = ""
        await pilot.press(*"kisaragi", "enter")
        await wait_for(pilot, lambda: screen.current_request().filters.uploader_name == "kisaragi")
        await searched(pilot, screen, EVERYTHING)
        assert problems(screen) == (
            "nekoBT finds an uploader by name only with an API key: type the id of “kisaragi”."
        )
        assert not user_searches(devserver)


async def test_the_found_uploader_comes_back_after_a_restart(
    app_factory: AppFactory, devserver: Any
) -> None:
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        await type_uploader(pilot, screen, "kisaragi")
        await settled(pilot, screen, nekobt_data.user_id(0))
    devserver.requests.clear()
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await nekobt_only(pilot)
        assert screen.query_one("#filter-uploader", Input).value == "kisaragi"
        assert search_requests(devserver)[-1].query["uploader_id"] == nekobt_data.user_id(0)
        # The id was kept with the name: nekoBT's user search is not asked again.
        assert not user_searches(devserver)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_uploader_picker_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def run(pilot: Any) -> None:
        screen = await nekobt_only(pilot)
        await show_panel(pilot, screen)
        box = screen.query_one("#filter-uploader", Input)
        # Pasted and entered at once: no pause in typing looks the name up (and searches)
        # first, however slow the machine running the test.
        with screen.prevent(Input.Changed):
            box.value = "ryoka"
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=run)

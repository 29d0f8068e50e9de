"""The Torrents filters kept between runs: the ones in use come back when the screen opens, named
presets are saved, applied and deleted from `P`, and an unreadable stored value is set aside
with a note."""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, Input, OptionList, Select

from app.screens.choice import ChoiceScreen
from app.screens.language_filter import LanguageFilter
from app.screens.prompt import PromptScreen
from app.services.torrent_search import Source, TorrentFilters
from app.store.db import Database
from app.store.torrent_filters import TorrentFilterStore
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_torrents import open_torrents, search, search_requests
from tests.services.test_torrent_filters_json import TODAYS_SHAPE
from tests.support import wait_for


def set_some_filters(screen: Any) -> None:
    screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
    screen.query_one("#codec-2", Checkbox).value = True
    screen.query_one("#filter-mtl", Select).value = False
    screen.query_one("#filter-group", Input).value = "frostbyte"
    screen.query_one("#filter-before", Input).value = "2026-11-20"
    languages = screen.query_one(LanguageFilter)
    languages.picked("audio", ("ja",))
    languages.picked("fansub", ("ru", "en"))


async def choose(pilot: Any, option_id: str) -> None:
    """Pick `option_id` in the choice modal on top."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
    options = pilot.app.screen.query_one(OptionList)
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")
    await pilot.pause()


async def test_the_filters_come_back_after_a_restart(
    app_factory: AppFactory, devserver: Any
) -> None:
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        set_some_filters(screen)
        await pilot.pause()
        chosen = screen.current_request().filters
        assert chosen.narrows
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        assert screen.current_request().filters == chosen
        assert "group frostbyte" in str(screen.query_one("#torrents-summary").render())
        screen.query_one("#torrents-results").focus()
        await pilot.press("X")
        await pilot.pause()
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        # Cleared, the sources stay as they were.
        assert screen.current_request().filters == TorrentFilters(sources=chosen.sources)


async def test_presets_are_saved_applied_deleted_and_kept(
    app_factory: AppFactory, devserver: Any
) -> None:
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        set_some_filters(screen)
        await pilot.pause()
        saved = screen.current_request().filters
        screen.query_one("#torrents-results").focus()
        await pilot.press("P")
        await choose(pilot, "save")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
        pilot.app.screen.query_one(Input).value = "[b]HEVC[/] frost"
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert notices(pilot.app)[-1].message == "Filters saved as the preset “[b]HEVC[/] frost”."
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-results").focus()
        await pilot.press("X")
        await pilot.pause()
        assert not screen.current_request().filters.narrows
        await pilot.press("P")
        await choose(pilot, "apply:[b]HEVC[/] frost")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert screen.current_request().filters == saved
        await pilot.press("P")
        await choose(pilot, "delete")
        await choose(pilot, "delete:[b]HEVC[/] frost")
        assert notices(pilot.app)[-1].message == "Preset “[b]HEVC[/] frost” deleted."
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        assert screen.memory.preset_names() == []


async def test_unreadable_stored_filters_are_ignored_with_a_note(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_torrents(pilot)
    db = Database.open(app.runtime.paths.database)
    try:
        TorrentFilterStore(db).set_current('{"mtl": "maybe", "group": "frost"}')
        TorrentFilterStore(db).save_preset("broken", "{[")
    finally:
        db.close()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        assert screen.current_request().filters == TorrentFilters()
        assert [n.severity for n in notices(app)] == ["warning"]
        assert "could not be read" in notices(app)[0].message
        screen.query_one("#torrents-results").focus()
        await pilot.press("P")
        await choose(pilot, "apply:broken")
        assert screen.current_request().filters == TorrentFilters()
        assert notices(app)[-1].message.startswith("The preset “broken” could not be read")


async def test_filters_saved_with_one_language_field_search_the_same(
    app_factory: AppFactory, devserver: Any
) -> None:
    # What the version that filtered one language field at a time stored: audio, then fansubs.
    last = TODAYS_SHAPE % "audio"
    preset = TODAYS_SHAPE % "fansub"
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_torrents(pilot)
    db = Database.open(app.runtime.paths.database)
    try:
        TorrentFilterStore(db).set_current(last)
        TorrentFilterStore(db).save_preset("old", preset)
    finally:
        db.close()
    async with app_factory().run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        await search(pilot, screen, "1080")
        assert search_requests(devserver)[-1].query.items() >= {"audio_lang": "ja,en"}.items()
        assert not {"sub_lang", "fansub_lang"} & set(search_requests(devserver)[-1].query)
        assert "Audio: ja, en" in str(screen.query_one("#torrents-summary").render())
        screen.query_one("#torrents-results").focus()
        await pilot.press("P")
        await choose(pilot, "apply:old")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        await search(pilot, screen, "1080")
        assert screen.current_request().filters == TorrentFilters(
            sources=frozenset({Source.NEKOBT}), hardsub=False, fansub_languages=("ja", "en")
        )
        assert search_requests(devserver)[-1].query.items() >= {"fansub_lang": "ja,en"}.items()
        assert "audio_lang" not in search_requests(devserver)[-1].query

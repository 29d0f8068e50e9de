"""The Torrents screen's filter panel: every nekoBT search parameter, reached through the
screen, sent to the local nekoBT and shown in the rows; F shows the panel, X clears it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static

from app.devserver import nekobt_data
from app.devserver.nekobt_data import DemoTorrent
from app.screens.language_filter import LanguageFilter, LanguagePicker, field_label
from app.screens.torrents import TorrentsScreen
from app.services.torrent_search import Source
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.test_torrents import apis, open_torrents, search_requests, torrents_css
from tests.support import wait_for

__all__ = ["torrents_css"]

EVERYTHING = "["
"""A query every demo torrent's title matches (they all end in tags)."""

Setter = Callable[[TorrentsScreen, Any], None]
Keep = Callable[[DemoTorrent, Any], bool]


def tick(selector: str) -> Setter:
    def set_it(screen: TorrentsScreen, _server: Any) -> None:
        box = screen.query_one(selector, Checkbox)
        box.value = not box.value

    return set_it


def choose(selector: str, value: object) -> Setter:
    def set_it(screen: TorrentsScreen, _server: Any) -> None:
        screen.query_one(selector, Select).value = value

    return set_it


def type_in(selector: str, text: Callable[[Any], str]) -> Setter:
    def set_it(screen: TorrentsScreen, server: Any) -> None:
        screen.query_one(selector, Input).value = text(server)

    return set_it


def neko(server: Any) -> Any:
    return apis(server)[0].data


SINCE = "2026-11-20"
SINCE_MS = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp() * 1000)
UNTIL_MS = int(datetime(2026, 11, 21, tzinfo=UTC).timestamp() * 1000)


def group_of(server: Any) -> int:
    """A group that uploaded some demo torrents."""
    groups = (t.primary_group for t in apis(server)[0].data.torrents)
    return next(g for g in groups if g is not None)


CASES: list[Any] = [
    pytest.param(
        [tick("#level-1"), tick("#level-none")],
        lambda s: {"levels": "-1,1"},
        lambda t, s: t.fields["level"] in (-1, 1),
        id="levels",
    ),
    pytest.param(
        [tick("#codec-2")],
        lambda s: {"video_codec": "2"},
        lambda t, s: t.fields["video_codec"] == 2,
        id="codec",
    ),
    pytest.param(
        [tick("#type-9"), tick("#type-13")],
        lambda s: {"video_type": "9,13"},
        lambda t, s: t.fields["video_type"] in (9, 13),
        id="video-type",
    ),
    pytest.param(
        [choose("#filter-hardsub", False), choose("#filter-mtl", False)],
        lambda s: {"hardsub": "false", "mtl": "false"},
        lambda t, s: not t.fields["hardsub"] and not t.fields["mtl"],
        id="hardsub-and-mtl",
    ),
    pytest.param(
        [choose("#filter-otl", True)],
        lambda s: {"otl": "true"},
        lambda t, s: t.fields["otl"],
        id="otl",
    ),
    pytest.param(
        [type_in("#filter-after", lambda s: SINCE), type_in("#filter-before", lambda s: SINCE)],
        lambda s: {"after": str(SINCE_MS), "before": str(UNTIL_MS)},
        lambda t, s: SINCE_MS < t.uploaded_ms < UNTIL_MS,
        id="date-range",
    ),
    pytest.param(
        [type_in("#filter-group", lambda s: neko(s).groups[group_of(s)]["tag"])],
        lambda s: {
            "group_id": nekobt_data.group_id(group_of(s)),
            "group_primary": "true",
            "group_secondary": "false",
            "group_childs": "true",
            "group_parents": "false",
        },
        lambda t, s: (
            t.primary_group == group_of(s)
            or neko(s).groups[t.primary_group]["parent"] == nekobt_data.group_id(group_of(s))
        ),
        id="release-group",
    ),
    pytest.param(
        [
            type_in("#filter-uploader", lambda s: nekobt_data.user_id(0)),
            tick("#filter-uploader_contributions"),
        ],
        lambda s: {
            "uploader_id": nekobt_data.user_id(0),
            "uploader_uploads": "true",
            "uploader_contributions": "true",
        },
        lambda t, s: t.uploader == 0 or 0 in t.contributors,
        id="uploader",
    ),
    pytest.param(
        [
            type_in("#filter-media", lambda s: nekobt_data.media_id(0)),
            type_in("#filter-episodes", lambda s: "1-2"),
            tick("#filter-episode-any"),
        ],
        lambda s: {
            "media_id": nekobt_data.media_id(0),
            "episode_ids": f"{nekobt_data.episode_id(0, 1)},{nekobt_data.episode_id(0, 2)}",
            "episode_match_any": "true",
        },
        lambda t, s: (
            t.fields["media_id"] == nekobt_data.media_id(0)
            and bool(
                {nekobt_data.episode_id(0, 1), nekobt_data.episode_id(0, 2)}
                & {int(e) for e in t.fields["media_episode_ids"]}
            )
        ),
        id="media-and-episodes",
    ),
]


async def searched(pilot: Any, screen: TorrentsScreen, query: str) -> None:
    screen.query_one("#torrents-query", Input).value = query
    await wait_for(
        pilot,
        lambda: (
            screen.request == screen.current_request()
            and not any(w.group == "torrents" and not w.is_finished for w in screen.app.workers)
        ),
    )
    await pilot.pause()


@pytest.mark.parametrize(("setters", "sent", "keep"), CASES)
async def test_each_filter_reaches_nekobt_and_the_rows(
    app_factory: AppFactory,
    devserver: Any,
    setters: list[Setter],
    sent: Callable[[Any], dict[str, str]],
    keep: Keep,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        await searched(pilot, screen, EVERYTHING)
        everything = len(screen.results)
        for set_filter in setters:
            set_filter(screen, devserver)
        await searched(pilot, screen, EVERYTHING)
        query = search_requests(devserver)[-1].query
        assert sent(devserver).items() <= query.items()
        torrents = {t.id: t for t in neko(devserver).torrents}
        assert 0 < len(screen.results) < everything
        assert all(keep(torrents[str(hit.nekobt_id)], devserver) for hit in screen.results)
        assert screen.query_one(KeyTable).row_count == len(screen.results)


async def pick_languages(
    pilot: Any, screen: TorrentsScreen, field: str, codes: tuple[str, ...]
) -> None:
    """From the keyboard: Enter on the field's button, Space on each of `codes` (and on each
    language ticked that is not among them), Enter."""
    screen.query_one(f"#filter-{field}-languages", Button).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LanguagePicker))
    picker = pilot.app.screen
    assert isinstance(picker, LanguagePicker)
    listed = [language.code for language in picker.languages]
    ticked = set(picker.query_one(SelectionList).selected)
    await pilot.press("home")
    for index, code in enumerate(listed):
        if (code in codes) != (code in ticked):
            await pilot.press("space")
        if index < len(listed) - 1:
            await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


def subtitled_and_fansubbed(server: Any) -> set[str]:
    """Gives the demo torrents with official English subtitles Russian fansubs too (the demo
    has no torrent with both), so that all three language fields can find something; their
    ids."""
    torrents = [t for t in neko(server).torrents if t.fields["sub_lang"] == "en"]
    for torrent in torrents[::2]:
        torrent.fields["fsub_lang"] = "ru"
    return {torrent.id for torrent in torrents[::2]}


async def test_audio_subtitles_and_fansubs_filter_at_once(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    both = subtitled_and_fansubbed(fresh_devserver)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        await searched(pilot, screen, EVERYTHING)
        everything = len(screen.results)
        await pilot.press("F")
        await pick_languages(pilot, screen, "audio", ("ja",))
        await pick_languages(pilot, screen, "sub", ("en",))
        await pick_languages(pilot, screen, "fansub", ("en", "ru"))
        await searched(pilot, screen, EVERYTHING)
        query = search_requests(fresh_devserver)[-1].query
        assert (query["audio_lang"], query["sub_lang"], query["fansub_lang"]) == (
            "ja",
            "en",
            "en,ru",
        )
        torrents = {t.id: t for t in neko(fresh_devserver).torrents}
        assert 0 < len(screen.results) < everything
        assert {str(hit.nekobt_id) for hit in screen.results} <= both
        assert all(
            "ja" in torrents[str(hit.nekobt_id)].fields["audio_lang"].split(",")
            for hit in screen.results
        )
        summary = str(screen.query_one("#torrents-summary", Static).render())
        assert summary == "Filters: Audio: ja · Subtitles: en · Fansubs: en, ru"
        buttons = [str(b.label) for b in screen.query(LanguageFilter).first().query(Button)]
        assert buttons == ["Audio: ja", "Subtitles: en", "Fansubs: en, ru"]
        # Esc leaves a field as it was.
        screen.query_one("#filter-audio-languages", Button).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LanguagePicker))
        await pilot.press("home", "space", "escape")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert screen.current_request().filters.audio_languages == ("ja",)
        # X clears all three.
        screen.query_one("#torrents-results").focus()
        await pilot.press("X")
        await searched(pilot, screen, EVERYTHING)
        assert not {"audio_lang", "sub_lang", "fansub_lang"} & set(
            search_requests(fresh_devserver)[-1].query
        )
        filters = screen.current_request().filters
        assert filters.audio_languages == filters.sub_languages == filters.fansub_languages == ()
        buttons = [str(b.label) for b in screen.query(LanguageFilter).first().query(Button)]
        assert buttons == [
            "Audio: any language",
            "Subtitles: any language",
            "Fansubs: any language",
        ]


async def test_a_language_switch_keeps_every_filter(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        screen.query_one("#codec-2", Checkbox).value = True
        screen.query_one(LanguageFilter).picked("audio", ("ja",))
        screen.query_one(LanguageFilter).picked("fansub", ("en", "ru"))
        await searched(pilot, screen, EVERYTHING)
        before = screen.current_request()
        await app.action_switch_language()
        await searched(pilot, screen, EVERYTHING)
        assert screen.current_request() == before
        assert (
            search_requests(devserver)[-1].query.items()
            >= {
                "audio_lang": "ja",
                "fansub_lang": "en,ru",
                "video_codec": "2",
            }.items()
        )
        buttons = [str(b.label) for b in screen.query_one(LanguageFilter).query(Button)]
        assert buttons == ["Звук: ja", "Субтитры: любой язык", "Фансабы: en, ru"]
        summary = str(screen.query_one("#torrents-summary", Static).render())
        assert summary == "Фильтры: HEVC · Звук: ja · Фансабы: en, ru"


async def test_a_letter_moves_to_the_next_code_starting_with_it(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        languages = screen.query_one(LanguageFilter)
        await wait_for(pilot, lambda: "zh" in {language.code for language in languages.offered})
        await pilot.press("F")
        screen.query_one("#filter-fansub-languages", Button).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LanguagePicker))
        # e: en, e again: enm; z: on to zh.
        await pilot.press("e", "e", "space", "z", "space", "enter")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert screen.current_request().filters.fansub_languages == ("enm", "zh")


def test_a_narrow_button_names_the_codes_that_fit() -> None:
    codes = ("en", "pt-br", "es-419", "fr-fr", "de")
    assert field_label("sub", codes) == "Subtitles: en, pt-br, es-419, fr-fr, de"
    assert field_label("sub", codes, room=24) == "Subtitles: en, pt-br +3"
    assert field_label("sub", codes, room=10) == "Subtitles: +5"
    assert field_label("audio", ()) == "Audio: any language"


async def test_nekobts_no_subs_refusal_is_shown_literally(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    from app.devserver.nekobt import PREFIX

    refusal = 'You have set sub level to "no subs", but you have added fansub languages.'
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        screen.query_one("#level-none", Checkbox).value = True
        screen.query_one(LanguageFilter).picked("fansub", ("en",))
        await pilot.pause()
        # The spec's 400 for this: its message and, literally, its `fails`.
        fresh_devserver.faults.fail_next(
            PREFIX + "/torrents/search",
            400,
            body={
                "error": True,
                "message": "Can't search due to parsing failures.",
                "fails": [refusal],
                "warns": [],
            },
        )
        await searched(pilot, screen, EVERYTHING)
        problems = str(screen.query_one("#torrents-problems", Static).render())
        assert problems == f"nekoBT refused the search: {refusal}"


async def test_every_sort_order(app_factory: AppFactory, devserver: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        sorts = screen.query_one("#filter-sort", Select)
        offered = [value for _label, value in sorts._options if isinstance(value, str)]
        # With "best", the prompt: nekoBT's 14 orders.
        assert len(offered) + 1 == 14 and len(set(offered)) == 13
        for order in offered:
            sorts.value = order
            await searched(pilot, screen, EVERYTHING)
            assert search_requests(devserver)[-1].query["sort_by"] == order


async def test_f_shows_the_panel_x_clears_it_and_the_summary_says_what_is_set(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        panel = screen.query_one("#torrents-panel")
        summary = screen.query_one("#torrents-summary", Static)
        assert panel.has_class("-hidden") and summary.has_class("-hidden")
        screen.query_one("#torrents-results").focus()
        await pilot.press("F")
        assert not panel.has_class("-hidden")
        assert screen.focused is screen.query_one("#filter-sort")
        screen.query_one("#codec-2", Checkbox).value = True
        screen.query_one("#filter-mtl", Select).value = True
        screen.query_one("#filter-group", Input).value = "frostbyte"
        await pilot.pause()
        assert str(summary.render()) == "Filters: HEVC · MTL: yes · group frostbyte"
        screen.query_one("#torrents-results").focus()
        await pilot.press("X")
        await pilot.pause()
        assert summary.has_class("-hidden")
        assert screen.current_request().filters == type(screen.current_request().filters)(
            sources=screen.current_request().filters.sources
        )
        await pilot.press("F")
        assert panel.has_class("-hidden")


async def test_the_recommended_media_becomes_the_media_filter(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        await searched(pilot, screen, "Lantern Street")
        assert screen.recommended is not None
        recommended = screen.recommended.id
        screen.query_one("#torrents-results").focus()
        await pilot.press("M")
        await searched(pilot, screen, "Lantern Street")
        assert search_requests(devserver)[-1].query["media_id"] == recommended


async def test_an_unknown_group_is_said_so(app_factory: AppFactory, devserver: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        screen.query_one("#filter-group", Input).value = "nobody-at-all"
        await searched(pilot, screen, EVERYTHING)
        problems = screen.query_one("#torrents-problems", Static)
        assert str(problems.render()) == "nekoBT knows no release group called “nobody-at-all”."


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_filter_panel_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def run(pilot: Any) -> None:
        screen = await open_torrents(pilot)
        screen.query_one("#torrents-source", Select).value = Source.NEKOBT.value
        screen.query_one("#codec-2", Checkbox).value = True
        screen.query_one("#filter-hardsub", Select).value = False
        languages = screen.query_one(LanguageFilter)
        languages.picked("audio", ("ja",))
        languages.picked("sub", ("en", "pt-br", "es-419"))
        await searched(pilot, screen, "Starlight")
        screen.query_one("#torrents-results").focus()
        await pilot.press("F")
        # The languages' row, the panel's last, scrolled into view.
        screen.query_one("#filter-fansub-languages").focus()
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=run)


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_language_picker_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def run(pilot: Any) -> None:
        screen = await open_torrents(pilot)
        languages = screen.query_one(LanguageFilter)
        await wait_for(pilot, lambda: "zh" in {language.code for language in languages.offered})
        languages.picked("sub", ("en", "de"))
        screen.query_one("#torrents-results").focus()
        await pilot.press("F")
        screen.query_one("#filter-sub-languages", Button).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LanguagePicker))
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=run)

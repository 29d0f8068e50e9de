"""Playing from the Title screen: real libmpv (vo=null, ao=null) against the local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.application import AniApp
from app.messages import TitleOpened
from app.screens.title import TitleScreen
from app.shell import NowPlaying
from app.widgets.now_playing import NowPlayingBar
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.support import screen_of, wait_for

HEADLESS_PLAYER = {"player.vo": "null", "player.ao": "null", "player.mpv_config": "false"}


@pytest.fixture
def player_app(app_factory: AppFactory) -> AniApp:
    return app_factory(**HEADLESS_PLAYER)


async def open_title(app: AniApp, pilot: Any, title_id: int) -> TitleScreen:
    app.post_message(TitleOpened(title_id))
    await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
    screen = screen_of(app, TitleScreen)
    await wait_for(pilot, lambda: screen.title_data is not None)
    await wait_for(pilot, lambda: screen.query_one("#title-episodes", KeyTable).row_count > 0)
    await wait_for(pilot, screen.rest_joined.is_set)  # the poster, buttons, torrents, keys
    return screen


def playing(app: AniApp) -> NowPlaying:
    """What plays now; the test expects something to."""
    state = app.now_playing
    assert state is not None, "nothing is playing"
    return state


def mark(screen: TitleScreen, row: int) -> str:
    return str(screen.query_one("#title-episodes", KeyTable).get_row_at(row)[0])


async def test_the_now_playing_bar_speaks_russian(app_factory: AppFactory) -> None:
    app = app_factory(lang="ru", **HEADLESS_PLAYER)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await pilot.press("m")
        await wait_for(pilot, lambda: playing(app).muted, timeout=10)
        bar = screen.query_one(NowPlayingBar)
        # The bar follows the state through a signal, on the next turn of the loop.
        await wait_for(pilot, lambda: "без звука" in str(bar.render()), timeout=2)
        text = str(bar.render())
        assert "— серия 1" in text
        assert "episode" not in text
        await pilot.press("x")


async def test_play_pause_stop_and_marks(app_factory: AppFactory, api: str) -> None:
    app = app_factory(api=api, **HEADLESS_PLAYER)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        assert not screen.query_one(NowPlayingBar).has_class("-playing")
        await pilot.press("enter")  # episode 1 is under the cursor
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        bar = screen.query_one(NowPlayingBar)
        assert bar.has_class("-playing")
        await wait_for(pilot, lambda: playing(app).position > 0.5, timeout=20)
        assert "episode 1" in str(bar.render())
        await pilot.press("space")
        await wait_for(pilot, lambda: playing(app).paused, timeout=10)
        assert "⏸" in str(bar.render())
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None, timeout=10)
        assert not bar.has_class("-playing")
        await wait_for(pilot, lambda: mark(screen, 0) not in ("", "✓"))  # a resume point
        await pilot.press("w")
        await wait_for(pilot, lambda: mark(screen, 0) == "✓")
        await pilot.press("w")
        await wait_for(pilot, lambda: mark(screen, 0) != "✓")


async def test_quit_while_playing_asks_first(player_app: AniApp) -> None:
    app = player_app
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("p")  # continue: nothing watched yet, so episode 1
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app.is_running
        assert any("press q again" in n.message for n in notices(app))
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=10)


async def test_player_keys_are_hidden_while_idle(player_app: AniApp) -> None:
    app = player_app
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        active = app.screen.active_bindings
        assert "x" not in active or not active["x"].enabled


async def test_history_lists_what_was_played(app_factory: AppFactory, api: str) -> None:
    from app.screens.history import HistoryScreen

    app = app_factory(api=api, **HEADLESS_PLAYER)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        history = app.screen.query_one(KeyTable)
        assert history.row_count == 0
        screen = await open_title(app, pilot, 9001)
        assert screen.title_data is not None
        name = screen.title_data.names.ru
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await wait_for(pilot, lambda: playing(app).position > 0.5, timeout=20)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None, timeout=10)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await wait_for(pilot, lambda: history.row_count == 1)
        assert str(history.get_row_at(0)[0]) == name
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        assert screen_of(app, TitleScreen).title_id == 9001


async def test_watched_counts_on_title_and_schedule(app_factory: AppFactory, api: str) -> None:
    from app.screens.schedule import ScheduleScreen

    app = app_factory(api=api, **HEADLESS_PLAYER)
    async with app.run_test(size=(140, 40)) as pilot:
        schedule = app.screen
        assert isinstance(schedule, ScheduleScreen)
        table = schedule.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        screen = screen_of(app, TitleScreen)
        await wait_for(pilot, lambda: screen.title_data is not None)
        await wait_for(pilot, lambda: screen.query_one("#title-episodes", KeyTable).row_count > 0)
        await pilot.press("w")
        facts = screen.query_one("#title-facts")
        await wait_for(pilot, lambda: "Watched: 1 /" in str(facts.render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: str(table.get_row_at(0)[5]).startswith("1 / "))


async def test_player_keys_reach_the_player(player_app: AniApp) -> None:
    app = player_app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await wait_for(pilot, lambda: playing(app).position > 0.2, timeout=20)
        await pilot.press("space")  # pause, so positions stay put while we seek
        await wait_for(pilot, lambda: playing(app).paused, timeout=10)
        before = playing(app).position
        # Back, not forward: the demo clips last 4 s, and +10 s would end the episode.
        await pilot.press("left_square_bracket")
        await wait_for(
            pilot,
            lambda: app.now_playing is None or playing(app).position != before,
            timeout=10,
        )
        await pilot.press("m")
        await wait_for(pilot, lambda: app.now_playing is not None and playing(app).muted)
        assert "muted" in str(screen.query_one(NowPlayingBar).render())
        await pilot.press("m", "9")
        await wait_for(pilot, lambda: not playing(app).muted and playing(app).volume == 95)
        await pilot.press("0", "0")
        await wait_for(pilot, lambda: playing(app).volume == 105)
        quality = playing(app).quality
        await pilot.press("c")
        await wait_for(pilot, lambda: playing(app).quality != quality, timeout=15)
        await pilot.press("n")
        await wait_for(pilot, lambda: playing(app).episode == 2, timeout=15)
        await pilot.press("b")
        await wait_for(pilot, lambda: playing(app).episode == 1, timeout=15)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None, timeout=10)


async def test_ask_mode_offers_the_skip_and_S_takes_it(
    app_factory: AppFactory, fresh_devserver: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half of the 4 s clip is the opening, played at a quarter speed (an mpv.conf, as a user
    # would write one): a busy machine has seconds to pause inside it, and the skip still lands
    # before the end.
    episode = fresh_devserver.catalog.title(9013)["player"]["playlist"]["1"]
    episode["skips"]["opening"] = [0.5, 2.5]
    mpv_home = tmp_path / "mpv"
    mpv_home.mkdir()
    (mpv_home / "mpv.conf").write_text("speed=0.25\n")
    monkeypatch.setenv("MPV_HOME", str(mpv_home))
    app = app_factory(
        server=fresh_devserver,
        **{**HEADLESS_PLAYER, "player.mpv_config": "true", "player.skips": "ask"},
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9013)
        assert "S" not in screen.active_bindings
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await wait_for(pilot, lambda: playing(app).skip_offer == "opening", timeout=20)
        # The toast lasts as long as the range: look before it goes.
        assert any(n.message == "Opening: press S to skip" for n in notices(app))
        await pilot.press("space")  # hold the playhead inside the range
        await wait_for(pilot, lambda: playing(app).paused, timeout=10)
        assert playing(app).skip_offer == "opening"
        bar = screen.query_one(NowPlayingBar)
        assert "Opening: press S to skip" in str(bar.render())
        assert screen.active_bindings["S"].enabled
        await pilot.press("S")
        await wait_for(pilot, lambda: playing(app).skip_offer is None, timeout=10)
        await wait_for(pilot, lambda: playing(app).position >= 2.4, timeout=10)
        assert "press S" not in str(bar.render())
        assert "S" not in screen.active_bindings
        assert any(n.message == "Skipped the opening." for n in notices(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None, timeout=10)


async def test_an_unanswered_offer_goes_away_and_S_stays_inert(app_factory: AppFactory) -> None:
    app = app_factory(**HEADLESS_PLAYER, **{"player.skips": "ask"})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9013)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await wait_for(pilot, lambda: playing(app).skip_offer == "opening", timeout=20)
        await wait_for(pilot, lambda: playing(app).position >= 2.0, timeout=10)
        assert playing(app).skip_offer is None
        assert "S" not in screen.active_bindings
        # The bar hears of the change through a signal, on the next turn of the loop.
        bar = screen.query_one(NowPlayingBar)
        await wait_for(pilot, lambda: "press S" not in str(bar.render()), timeout=2)
        await pilot.press("S")  # nothing on offer: no seek, no error
        await pilot.pause(0.1)
        assert not any("Skipped" in n.message for n in notices(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None, timeout=10)


async def test_skip_offset_is_asked_validated_stored_and_shown(app_factory: AppFactory) -> None:
    from textual.widgets import Input, Static

    from app.screens.title import SkipOffsetScreen

    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9013)
        facts = screen.query_one("#title-facts")
        assert "Skip offset" not in str(facts.render())
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, SkipOffsetScreen))
        box = app.screen.query_one(Input)
        assert box.value == "0"
        box.value = ""
        await pilot.press(*"soon", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SkipOffsetScreen)  # refused, said why
        assert "+2.5, -3 or 0" in str(app.screen.query_one("#skip-offset-problem", Static).render())
        box.value = "999"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SkipOffsetScreen)
        assert app.runtime.history.skip_offset(9013) == 0.0
        box.value = ""
        await pilot.press(*"+2,5", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.runtime.history.skip_offset(9013) == 2.5
        assert "Skip offset: +2.5 s" in str(facts.render())
        # Esc keeps it; 0 removes it (and the fact).
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, SkipOffsetScreen))
        assert app.screen.query_one(Input).value == "+2.5"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.runtime.history.skip_offset(9013) == 2.5
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, SkipOffsetScreen))
        app.screen.query_one(Input).value = "-0"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.runtime.history.skip_offset(9013) == 0.0
        assert "Skip offset" not in str(facts.render())


async def test_p_on_the_schedule_continues_the_selected_title(player_app: AniApp) -> None:
    from app.screens.schedule import ScheduleScreen

    app = player_app
    async with app.run_test(size=(120, 40)) as pilot:
        schedule = app.screen
        assert isinstance(schedule, ScheduleScreen)
        table = schedule.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 1)
        first, second = schedule.days[schedule.selected_day][:2]
        history = app.runtime.history
        # Episode 1 watched, episode 2 started: `p` resumes episode 2 where it stopped.
        history.mark_watched(first.id, 1, at=1.0)
        history.record_position(first.id, 2, 1.5, 4.0, at=2.0)
        for episode in range(1, 30):
            history.mark_watched(second.id, episode, at=1.0)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        assert (playing(app).title_id, playing(app).episode) == (first.id, 2)
        assert playing(app).position >= 1.4  # resumed, not from the top
        assert schedule.query_one(NowPlayingBar).has_class("-playing")
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None, timeout=10)
        await pilot.press("down", "p")
        await wait_for(
            pilot, lambda: any("Every episode is watched" in n.message for n in notices(app))
        )
        assert app.now_playing is None
        # The Schedule's own keys still work.
        day = schedule.selected_day
        await pilot.press("l")
        await wait_for(pilot, lambda: schedule.selected_day == (day + 1) % 7)
        await pilot.press("h")
        await wait_for(pilot, lambda: schedule.selected_day == day)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))


async def test_a_playback_failure_is_told_in_russian(app_factory: AppFactory) -> None:
    app = app_factory(lang="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        title = (await app.runtime.catalog.title(9001)).value
        client = app.runtime.catalog.client
        assert not await app.runtime.player.play(title, 99, stream_url=client.stream_url)
        expected = f"У «{title.display_name}» нет серии 99"
        await wait_for(pilot, lambda: any(n.message == expected for n in notices(app)))

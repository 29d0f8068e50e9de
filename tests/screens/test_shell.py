"""The shell: the navigation table drives modes, keys, palette and top bar; service events are
routed by their family; an event nobody routes is logged and ignored."""

from __future__ import annotations

import ast
import gc
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color

from app.application import AniApp
from app.controllers.idle_gc import IDLE_AFTER, PENDING
from app.i18n import t
from app.navigation import NAVIGATION
from app.services.events import Event
from app.shell import NavEntry, Shell
from app.widgets.top_bar import TopBar
from tests.screens.conftest import AppFactory
from tests.screens.test_keys import mode_is
from tests.support import wait_for


@dataclass(frozen=True)
class StrangeEvent(Event):
    """An event of no known family, as a new service might publish before it is wired."""

    value: int


async def test_an_unrouted_event_is_logged_and_ignored(
    app_factory: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        with caplog.at_level(logging.WARNING, logger="anitui"):
            app.runtime.bus.publish(StrangeEvent(1))
            await wait_for(pilot, lambda: "StrangeEvent" in caplog.text)
        assert "no route for a StrangeEvent event" in caplog.text
        # Still working: a number key still switches screens.
        await pilot.press("2")
        await wait_for(pilot, lambda: app.current_mode == "updates")


async def test_the_collector_is_on_again_once_the_first_frame_is_painted(
    app_factory: AppFactory,
) -> None:
    # `cli.main` starts with the garbage collector off (README, Performance).
    app = app_factory()
    gc.disable()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, gc.isenabled)
    finally:
        gc.enable()


async def test_full_collections_run_in_a_pause_of_the_input(app_factory: AppFactory) -> None:
    """Python's own full collections fell between a key and its frame; the shell runs a due
    one once no key or mouse event came for `IDLE_AFTER`."""
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app, AniApp)
        idle = app.idle_gc
        clock = [1000.0]
        idle.clock = lambda: clock[0]
        await pilot.press("down")
        assert idle.last_input == 1000.0
        for _ in range(PENDING):
            gc.collect(1)  # each middle-generation collection brings a full one nearer
        clock[0] += IDLE_AFTER / 2
        idle.collect_if_idle()
        assert gc.get_count()[2] >= PENDING  # a key a moment ago: not yet
        clock[0] += IDLE_AFTER / 2  # a pause: the watching thread collects
        await wait_for(pilot, lambda: gc.get_count()[2] == 0)
    # The app closed: its watching thread ends within one look.
    watchers = [thread for thread in threading.enumerate() if thread.name == "anitui-idle-gc"]
    for thread in watchers:
        thread.join(timeout=5)
    assert not any(thread.is_alive() for thread in watchers)


async def test_the_navigation_table_makes_modes_keys_palette_and_top_bar(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 40)) as pilot:
        assert isinstance(app, Shell)
        assert set(app.MODES) == {entry.mode for entry in NAVIGATION}
        commands = [command.title for command in app.get_system_commands(app.screen)]
        for entry in NAVIGATION:
            assert t(entry.label) in commands
            if entry.key:
                app.set_focus(None)  # Search focuses its query, which takes digits.
                await pilot.press(entry.key)
                await wait_for(pilot, mode_is(app, entry.mode))
        line = app.screen.query_one(TopBar).line_content(labels="full").plain
        for entry in NAVIGATION:
            assert f"{entry.key} {t(entry.label)}" in line


def test_a_row_without_a_number_key_is_named_in_full() -> None:
    def screen() -> Any:
        raise AssertionError("not built for drawing the bar")

    navigation = (
        NavEntry("schedule", "Schedule", "1", screen),
        NavEntry("library", "Library", None, screen),
    )
    bar = TopBar("schedule", navigation, demo=False, browse_only=False)
    assert bar.line_content(labels="full").plain.split() == ["anitui", "1", "Schedule", "Library"]
    for labels in ("short", "keys"):
        line = bar.line_content(labels=labels).plain
        assert line.split() == ["1", "Schedule", "Library"]


def test_a_narrow_top_bar_shortens_names_then_the_context_before_dropping_names() -> None:
    bar = TopBar(
        "schedule", NAVIGATION, demo=False, browse_only=False, context="Звёздный курьер: Посылка"
    )
    full = bar.line_content(labels="full").plain
    short = bar.line_content(labels="short").plain
    assert "2 Updates" in full and "2 Upd " in short and len(short) < len(full)
    room = bar.context_room("short", len(short) - 10)
    cut = bar.line_content(labels="short", context_width=room).plain
    assert len(cut) == len(short) - 10 and cut.endswith("…") and "2 Upd " in cut


def test_toasts_go_through_the_one_plain_text_helper() -> None:
    """`app.widgets.notify.tell` always passes markup=False; a direct `notify()` could forget."""
    root = Path(__file__).resolve().parents[2] / "app"
    direct = sorted(
        f"{path.relative_to(root)}:{node.lineno}"
        for path in root.rglob("*.py")
        if path != root / "widgets" / "notify.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "notify"
    )
    assert direct == []


async def test_the_palette_opens_every_main_screen_and_the_help(app_factory: AppFactory) -> None:
    """Each navigation row's palette command opens its screen; Help opens the help screen."""
    from app.screens.help import HelpScreen

    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        for entry in reversed(NAVIGATION):
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            app.call_later(commands[t(entry.label)].callback)
            await wait_for(pilot, mode_is(app, entry.mode))
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        app.call_later(commands[t("Help")].callback)
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_a_screen_opened_the_first_time_is_styled_without_parsing_the_css_again(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        sources = app.stylesheet.source
        await pilot.press("2")
        await wait_for(pilot, mode_is(app, "updates"))
        await pilot.pause()
        assert app.stylesheet.source is sources  # a re-parse (~25 ms) builds them anew
        # A theme chosen meanwhile still styles the screens opened after it.
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("7")
        await wait_for(pilot, mode_is(app, "history"))
        await pilot.pause()
        background = Color.parse(app.get_css_variables()["background"])
        assert app.screen.styles.background == background != Color.parse("#121212")

"""The key table: no two of our bindings active on one screen share a key, and none is dead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Input, Select

from app.application import AniApp
from app.screens.help import HelpScreen
from app.screens.title import TitleScreen
from tests.screens.conftest import AppFactory
from tests.support import wait_for


def own_bindings(node: DOMNode) -> dict[str, Binding]:
    """Key -> binding for the bindings anitui's own classes declare on `node`'s type."""
    keys: dict[str, Binding] = {}
    for cls in reversed(type(node).__mro__):
        if not cls.__module__.startswith("app."):
            continue
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            keys[binding.key] = binding
    return keys


def check_chain(app: AniApp, where: str) -> list[str]:
    problems: list[str] = []
    chain = app.screen._modal_binding_chain
    owners: dict[str, str] = {}
    for index, (node, _map) in enumerate(chain):
        for key, binding in own_bindings(node).items():
            label = f"{type(node).__name__}:{key}"
            if key in owners:
                problems.append(f"{where}: {key!r} bound by {owners[key]} and {label}")
            owners[key] = label
            if binding.priority:
                continue
            for closer, closer_map in chain[:index]:
                # Where the user types or picks (an input box, a drop-down), those widgets own
                # their keys: global keys work "not while typing" (CONVENTIONS.md).
                if isinstance(closer, (Input, Select)):
                    continue
                if key in closer_map.key_to_bindings:
                    problems.append(
                        f"{where}: {label} is shadowed by {type(closer).__name__} (dead key)"
                    )
    return problems


async def walk_focus(app: AniApp, pilot: Any, where: str) -> list[str]:
    problems = check_chain(app, f"{where} (no focus)")
    for widget in list(app.screen.focus_chain):
        widget.focus()
        await pilot.pause()
        problems += check_chain(app, f"{where} / {type(widget).__name__}#{widget.id}")
    return problems


def mode_is(app: AniApp, mode: str) -> Callable[[], bool]:
    """A wait condition on `mode`, bound now (not to a loop variable that moves on)."""
    return lambda: app.current_mode == mode


async def test_no_key_is_bound_twice_or_dead(app_factory: AppFactory, devserver: Any) -> None:
    app = app_factory()
    problems: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        for key, mode in (
            ("1", "schedule"),
            ("2", "updates"),
            ("3", "search"),
            ("4", "torrents"),
            ("5", "favorites"),
            ("6", "downloads"),
            ("7", "history"),
            ("8", "feed"),
        ):
            app.set_focus(None)
            await pilot.press(key)
            await wait_for(pilot, mode_is(app, mode))
            problems += await walk_focus(app, pilot, mode)
        app.open_title(devserver.catalog.titles[0]["id"])
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        problems += await walk_focus(app, pilot, "title")
        app.set_focus(None)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        problems += await walk_focus(app, pilot, "help")
    assert problems == []

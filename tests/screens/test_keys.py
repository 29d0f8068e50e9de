"""The key table: no two of our bindings active on one screen share a key, and none is dead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.widgets import Input, Select

from app.application import AniApp
from app.messages import TitleOpened
from app.navigation import NAVIGATION
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


def twice_in_one_class(node: DOMNode) -> list[str]:
    """Keys one of anitui's classes binds twice: whichever comes first would hide the other
    (say a navigation row given `9`, the volume key while playing)."""
    problems = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith("app."):
            keys = [b.key for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", []))]
            problems += [
                f"{cls.__name__} binds {key!r} twice"
                for key in sorted(set(keys))
                if keys.count(key) > 1
            ]
    return problems


def check_chain(app: AniApp, where: str) -> list[str]:
    problems: list[str] = []
    chain = app.screen._modal_binding_chain
    owners: dict[str, str] = {}
    for index, (node, _map) in enumerate(chain):
        problems += [f"{where}: {problem}" for problem in twice_in_one_class(node)]
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
        for entry in NAVIGATION:
            app.set_focus(None)
            if entry.key:
                await pilot.press(entry.key)
            else:
                app.action_open_mode(entry.mode)
            await wait_for(pilot, mode_is(app, entry.mode))
            problems += await walk_focus(app, pilot, entry.mode)
        app.post_message(TitleOpened(devserver.catalog.titles[0]["id"]))
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        problems += await walk_focus(app, pilot, "title")
        app.set_focus(None)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        problems += await walk_focus(app, pilot, "help")
    assert problems == []


def test_a_key_bound_twice_in_one_class_is_found() -> None:
    class Twice(AniApp):
        BINDINGS: ClassVar[list[BindingType]] = [
            Binding("9", "open_mode('feed')", "Feed"),
            Binding("9", "volume(-5)", "Volume −"),
        ]

    Twice.__module__ = "app.example"
    assert twice_in_one_class(object.__new__(Twice)) == ["Twice binds '9' twice"]

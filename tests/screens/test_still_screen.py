"""The UI tests' still screen (tests/screens/conftest.py): no animations, no blinking cursor."""

from __future__ import annotations

from textual.widgets import Input

from app.screens.search import SearchScreen
from tests.screens.conftest import AppFactory
from tests.support import wait_for


async def test_apps_start_without_animations_and_inputs_without_blink(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    assert app.animation_level == "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        inputs = list(app.screen.query(Input))
        assert inputs and not any(box.cursor_blink for box in inputs)

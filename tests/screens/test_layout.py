"""Layout at every size and in both languages (issue 12 §2): the footer never overflows."""

from __future__ import annotations

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from app import i18n
from app.messages import TitleOpened
from app.screens.title import TitleScreen
from tests.screens.conftest import AppFactory
from tests.support import wait_for


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("width", [80, 120])
async def test_the_footer_shows_whole_keys_only_and_always_help(
    app_factory: AppFactory, language: str, width: int
) -> None:
    app = app_factory()
    async with app.run_test(size=(width, 30)) as pilot:
        if i18n.language() != language:
            await app.action_switch_language()
        for key in [*"12345678", "title"]:
            if key == "title":
                app.post_message(TitleOpened(9001))
                await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
            else:
                await pilot.press("escape", key)  # escape: out of a query box first
            await pilot.pause(0.3)
            footer = app.screen.query_one(Footer)
            keys = list(footer.query(FooterKey))
            palette = footer.query_one(".-command-palette", FooterKey).region
            shown = [k for k in keys if not k.has_class("-command-palette")]
            where = f"{type(app.screen).__name__} {width} {language}"
            help_works = "question_mark" in app.screen.active_bindings  # not while typing
            assert any(k.action == "help" for k in shown) == help_works, where
            assert all(k.region.width > 0 and k.region.right < palette.x for k in shown), where
            assert footer.virtual_size.width <= footer.size.width, where

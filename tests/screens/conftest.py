"""An app factory for Pilot and snapshot tests: temp dirs, the local server, a fixed clock, and
a still screen (no cursor blink, no animations) and a record of what the app notified."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import textual.constants
from textual.widgets import Input

from app import i18n
from app.application import AniApp
from app.bootstrap import make_app
from app.devserver import nekobt, torrentapi
from tests.screens.notifications import record_notices
from tests.support import FIXED_NOW, settings_for

AppFactory = Callable[..., AniApp]

SNAPSHOT_VIEWS = [
    pytest.param((120, 40), "en", id="120x40"),
    pytest.param((80, 24), "en", id="80x24"),
    pytest.param((120, 40), "ru", id="120x40-ru"),
    pytest.param((80, 24), "ru", id="80x24-ru"),
]
"""(terminal size, UI language) for a main screen's snapshots: Russian labels run longer than
English ones, so the Russian UI gets its own snapshots at both sizes."""


@pytest.fixture(autouse=True)
def fixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """UTC dates, no terminal-specific poster probing, XDG dirs under tmp_path, and the UI
    language put back afterwards (an app switches it for the whole process)."""
    language = i18n.language()
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    for name in ("KITTY_WINDOW_ID", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TERM", "xterm-256color")
    # The demo servers' keys, as a user would give theirs: through the environment.
    monkeypatch.setenv("ANITUI_NEKOBT__API_KEY", nekobt.DEMO_API_KEY)
    monkeypatch.setenv("ANITUI_TORRENT_API__KEY", torrentapi.DEMO_KEY)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    yield
    os.environ.pop("TZ", None)
    time.tzset()
    i18n.set_language(language)


@pytest.fixture(autouse=True)
def still_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """No cursor blink and no animations: what a test or a snapshot sees does not depend on the
    moment it looks (a blink phase, a half-scrolled table)."""
    # Textual reads TEXTUAL_ANIMATIONS once, at import, into the constant every App starts
    # its `animation_level` from; the variable itself reaches any app run in a subprocess.
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    # Every Input, on any screen and the command palette's too, is made with a steady cursor.
    made = Input.__init__

    def steady_input(self: Input, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        self.cursor_blink = False

    monkeypatch.setattr(Input, "__init__", steady_input)


@pytest.fixture(autouse=True)
def recorded_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notification is recorded for `tests.screens.notifications.notices(app)`."""
    record_notices(monkeypatch)


@pytest.fixture(params=["v2", "v1"])
def api(request: pytest.FixtureRequest) -> str:
    """The AniLibria API a test runs its screen on, each in turn (`app_factory(api=api)`): a
    screen that is the same on both is tested on both, so a regression on either fails."""
    return str(request.param)


@pytest.fixture
def app_factory(devserver: Any, tmp_path: Path) -> AppFactory:
    """`app_factory(server=..., api="v1", **flags)` builds a real app against the local server
    (AniLibria through API v2 unless `api` says v1)."""

    def build(
        server: Any = None,
        home: Path | None = None,
        now: float = FIXED_NOW,
        api: str = "v2",
        **flags: Any,
    ) -> AniApp:
        settings = settings_for(server or devserver, home or tmp_path, api=api, **flags)
        return make_app(settings, clock=lambda: now)

    return build

"""Logging in on AniLiberty API v1: by code (shown with the page that confirms it, counted down,
renewed after it expires, cancelled with Esc), with a password instead, and a token the server
refuses later said once. On API v2 the screen stays the password form."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Digits, Input, Static

from app.application import AniApp
from app.bootstrap import make_app
from app.devserver.server import DevServer
from app.screens.login import DEMO_LOGIN, LoginScreen
from app.screens.schedule import ScheduleScreen
from app.services.favorites import SESSION_SECRET, AccountState
from app.services.secrets import SecretStore
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.support import FIXED_NOW, screen_of, settings_for, wait_for

POLL = {"anilibria.code_poll_interval": 0.05}
OTP_LOGIN = "/api/v1/accounts/otp/login"
EXPIRED = "The AniLibria session has expired"


def text_of(screen: LoginScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def login_screen(app: AniApp, pilot: Any) -> LoginScreen:
    """Open the login screen as the palette does, once the app is up, and wait for its code
    (v1) or its form."""
    await wait_for(pilot, lambda: isinstance(app.screen, ScheduleScreen))
    app.favorites.log_in()
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
    screen = screen_of(app, LoginScreen)
    if screen.by_code:
        await wait_for(pilot, lambda: screen.code is not None)
    return screen


async def confirm_on_the_site(server: DevServer, code: str) -> None:
    """What the user does on their phone: signed in as the demo user, confirm `code`."""
    async with httpx.AsyncClient(base_url=server.aniliberty_api) as phone:
        login = await phone.post(
            "/accounts/users/auth/login", json={"login": DEMO_LOGIN[0], "password": DEMO_LOGIN[1]}
        )
        token = login.json()["token"]
        accepted = await phone.post(
            "/accounts/otp/accept",
            json={"code": code},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert accepted.status_code == 200


def code_polls(server: DevServer) -> int:
    return sum(1 for r in server.requests if r.path == OTP_LOGIN)


async def test_the_code_shows_with_its_page_and_confirming_it_logs_in(
    app_factory: AppFactory, fresh_devserver: DevServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = app_factory(server=fresh_devserver, api="v1", **POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        app.runtime.favorites.add(9001)
        screen = await login_screen(app, pilot)
        code = screen.code
        assert code is not None
        page = fresh_devserver.aniliberty_site + "/app/auth/otp/linkDevice"
        assert code.page == page and text_of(screen, "#login-code-page") == page
        assert screen.query_one("#login-code-digits", Digits).value == code.code
        assert "valid for 2:00" in text_of(screen, "#login-code-status")
        assert not screen.query_one("#login-mail").display  # no password asked
        await wait_for(pilot, lambda: code_polls(fresh_devserver) > 0)

        await pilot.press("y")
        await wait_for(pilot, lambda: app.clipboard == page)
        assert any(
            f"Login page link copied to the clipboard: {page}" in n.message for n in notices(app)
        )

        await confirm_on_the_site(fresh_devserver, code.code)
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))
        await wait_for(pilot, lambda: any("Logged in as demo" in n.message for n in notices(app)))
        assert app.runtime.favorites.account is AccountState.LOGGED_IN
        assert fresh_devserver.aniliberty.favorites["demo"] == [9001]

        secrets = SecretStore(app.runtime.paths.data_dir(), environ={})
        token = secrets.get(SESSION_SECRET)
        assert token and stat.S_IMODE(secrets.path.stat().st_mode) == 0o600
        assert token not in app.export_screenshot()
        assert all(token not in n.message for n in notices(app))
    assert "/accounts/otp/login" in caplog.text and token not in caplog.text


async def test_an_expired_code_says_so_and_enter_asks_for_a_new_one(
    fresh_devserver: DevServer, tmp_path: Path
) -> None:
    now: list[float] = [FIXED_NOW]
    fresh_devserver.aniliberty.clock = lambda: now[0]
    fresh_devserver.aniliberty.otp_lifetime = 30
    app = make_app(settings_for(fresh_devserver, tmp_path, api="v1", **POLL), clock=lambda: now[0])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await login_screen(app, pilot)
        first = screen.code
        assert "valid for 0:30" in text_of(screen, "#login-code-status")
        now[0] += 12.5
        await wait_for(pilot, lambda: "valid for 0:18" in text_of(screen, "#login-code-status"))

        now[0] += 18
        await wait_for(pilot, lambda: "expired" in text_of(screen, "#login-code-status"))
        assert screen.query_one("#login-code-digits").has_class("-expired")
        polls = code_polls(fresh_devserver)
        await pilot.pause(0.3)  # several poll intervals
        assert code_polls(fresh_devserver) == polls  # an expired code is not asked about

        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.code is not None and screen.code is not first)
        assert "valid for 0:30" in text_of(screen, "#login-code-status")
        assert not screen.query_one("#login-code-digits").has_class("-expired")
        gets = [r for r in fresh_devserver.requests if r.path == "/api/v1/accounts/otp/get"]
        assert len(gets) == 2
        assert gets[0].body == gets[1].body  # the same device asks again


async def test_esc_cancels_and_stops_asking(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    app = app_factory(server=fresh_devserver, api="v1", **POLL)
    async with app.run_test(size=(120, 40)) as pilot:
        await login_screen(app, pilot)
        await wait_for(pilot, lambda: code_polls(fresh_devserver) > 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))
        await wait_for(pilot, lambda: all(w.is_finished for w in app.workers if w.group == "login"))
        polls = code_polls(fresh_devserver)
        await pilot.pause(0.3)  # several poll intervals
        assert code_polls(fresh_devserver) == polls
        assert app.runtime.favorites.account is AccountState.LOGGED_OUT
        assert not any("Logged in" in n.message for n in notices(app))


async def test_a_password_instead_on_v1(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    app = app_factory(server=fresh_devserver, api="v1", **POLL)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await login_screen(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.query_one("#login-mail").display)
        assert not screen.on_code_form and not screen.query_one("#login-code-digits").display
        assert app.focused is screen.query_one("#login-mail", Input)
        polls = code_polls(fresh_devserver)
        await pilot.pause(0.3)
        assert code_polls(fresh_devserver) == polls  # the code is left alone

        await pilot.press("escape")  # back to a new code
        await wait_for(pilot, lambda: screen.query_one("#login-code-digits").display)
        await wait_for(pilot, lambda: screen.code is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.query_one("#login-mail").display)

        await pilot.press(*DEMO_LOGIN[0], "enter", *"wrong", "enter")
        problem = screen.query_one("#login-problem", Static)
        await wait_for(pilot, lambda: "Неправильные логин или пароль" in str(problem.render()))
        password = screen.query_one("#login-password", Input)
        password.value = DEMO_LOGIN[1]
        password.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))
        assert app.runtime.favorites.account is AccountState.LOGGED_IN
        (session,) = fresh_devserver.aniliberty.tokens.values()
        assert session.via == "password"


async def test_v2_keeps_the_password_form(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await login_screen(app, pilot)
        assert not screen.on_code_form
        await wait_for(
            pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "login-mail"
        )
        assert not screen.query("#login-code-digits")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))


async def test_a_token_refused_later_is_said_once(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        favorites = app.runtime.favorites
        await favorites.login(*DEMO_LOGIN)
        favorites.add(9002)
        fresh_devserver.aniliberty.expire_token()
        for _ in range(2):
            await favorites.sync()
        await wait_for(pilot, lambda: any(EXPIRED in n.message for n in notices(app)))
        await pilot.pause()
        assert sum(EXPIRED in n.message for n in notices(app)) == 1
        assert favorites.account is AccountState.EXPIRED and favorites.contains(9002)

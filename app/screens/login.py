"""Log in to AniLibria.

On AniLiberty API v1 the screen opens on login by code: it shows a code, big, and the site's
page where the user confirms it (signed in there, on any device), asks every
`[anilibria] code_poll_interval` seconds whether that happened and counts down the code's life;
no password enters the terminal. An expired code says so and Enter asks for a new one. `p`
switches to the password form (Esc there comes back to a new code); `y` copies the page's link.

On API v2, which has no login by code, it is the password form alone: login or e-mail and
password, sent once and kept nowhere.
"""

from __future__ import annotations

import asyncio
import math
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Digits, Input, Label, Static

from app.i18n import t
from app.messages import CopyRequested
from app.plaintext import one_line
from app.services.secrets import SecretsError
from app.shell import shell_of
from app.sources.account import LoginCode
from app.sources.errors import LoginFailedError, SourceError
from app.widgets.localized import localize_bindings
from app.widgets.status_line import describe_error

DEMO_LOGIN = ("demo", "demo-password")
"""The demo server's account (also in the README)."""

_CODE_ACTIONS = frozenset({"copy_link", "password", "new_code"})


def countdown(seconds: float) -> str:
    """`seconds` left as m:ss, rounded up (a code with 0.4 s left still shows 0:01)."""
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


class LoginScreen(ModalScreen[bool]):
    """Dismisses with True once logged in (and synced), False when cancelled."""

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > Vertical {
        width: 64; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    LoginScreen .by-code { display: none; }
    LoginScreen.-code .by-code { display: block; }
    LoginScreen.-code .by-password { display: none; }
    LoginScreen #login-problem { color: $error; height: auto; }
    LoginScreen .login-hint { color: $text-muted; height: auto; }
    LoginScreen #login-code-digits { width: 1fr; text-align: center; margin: 1 0; color: $accent; }
    LoginScreen #login-code-digits.-expired { color: $text-disabled; }
    LoginScreen #login-code-page { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Cancel"),
        Binding("y", "copy_link", "Copy link"),
        Binding("p", "password", "Log in with a password instead"),
        Binding("enter", "new_code", "New code"),
    ]

    def __init__(self, *, demo: bool, by_code: bool = False) -> None:
        """`by_code`: the API can log in by code (v1): open on it, with the password form a
        key away."""
        super().__init__(classes="-code" if by_code else None)
        self.demo = demo
        self.by_code = by_code
        self.code: LoginCode | None = None
        """The code on screen, None while one is asked for (or none could be had)."""
        self._deadline: float | None = None
        self._waiting = False
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("Log in to AniLibria to sync your favorites"))
            # The code's widgets and the password form's are all here; the screen's `-code`
            # class says which are shown.
            if self.by_code:
                yield Static(
                    t("Open this page where you are signed in and enter the code:"),
                    classes="by-code",
                    markup=False,
                )
                yield Static(id="login-code-page", classes="by-code")
                yield Digits(id="login-code-digits", classes="by-code")
                yield Static(id="login-code-status", classes="by-code", markup=False)
                if self.demo:
                    yield self._demo_hint(
                        "Demo account on that page: {login} / {password}", "login-code-demo"
                    )
                yield Static(
                    t("y copy the link · p a password instead · Esc cancel"),
                    classes="login-hint by-code",
                    markup=False,
                )
            # Disabled while the code is shown: a hidden input would still take focus and keys.
            yield Input(
                placeholder=t("Login or e-mail"),
                id="login-mail",
                classes="by-password",
                disabled=self.by_code,
            )
            yield Input(
                placeholder=t("Password"),
                password=True,
                id="login-password",
                classes="by-password",
                disabled=self.by_code,
            )
            if self.demo:
                yield self._demo_hint("Demo account: {login} / {password}", "login-hint")
            if self.by_code:
                yield Static(
                    t("Esc: back to login by code"),
                    classes="login-hint by-password",
                    markup=False,
                )
            yield Static(id="login-problem", markup=False)

    def _demo_hint(self, msgid: str, widget_id: str) -> Static:
        text = t(msgid, login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
        kind = "by-code" if widget_id == "login-code-demo" else "by-password"
        return Static(text, id=widget_id, classes=f"login-hint {kind}", markup=False)

    def on_mount(self) -> None:
        if self.by_code:
            self.set_interval(1.0, self._show_countdown)
            self._show_code_form()

    @property
    def on_code_form(self) -> bool:
        """Whether the code (not the password form) is on screen."""
        return self.has_class("-code")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _CODE_ACTIONS:
            return self.on_code_form
        return True

    # -- login by code ---------------------------------------------------------------------

    def _show_code_form(self) -> None:
        self.add_class("-code")
        for field in self.query(Input):
            field.disabled = True
        self.query_one("#login-problem", Static).update("")
        self.refresh_bindings()
        self.wait_for_code()

    @work(exclusive=True, group="login", exit_on_error=False)
    async def wait_for_code(self) -> None:
        """Ask for a code, show it, then ask whether it was confirmed until it expires."""
        shell = shell_of(self)
        favorites = shell.runtime.favorites
        digits = self.query_one("#login-code-digits", Digits)
        status = self.query_one("#login-code-status", Static)
        problem = self.query_one("#login-problem", Static)
        self.code, self._deadline, self._waiting = None, None, True
        digits.update("")
        digits.remove_class("-expired")
        self.query_one("#login-code-page", Static).update("")
        status.update(t("Asking for a login code…"))
        try:
            code = await favorites.request_login_code()
        except SourceError as error:
            self._waiting = False
            status.update(t("No code: press Enter to try again, or p to use a password."))
            problem.update(describe_error(error))
            return
        self.code = code
        self._deadline = code.deadline(shell.clock())
        digits.update(code.code)
        self.query_one("#login-code-page", Static).update(
            Text(code.page, style=Style(link=code.page, underline=True))
        )
        interval = shell.runtime.settings.anilibria.code_poll_interval
        while self._deadline is None or shell.clock() < self._deadline:
            self._show_countdown()
            try:
                done = await favorites.log_in_with_code(code)
            except SecretsError as error:
                # The server said yes, but the session cannot be kept: say why, stop asking.
                self._waiting = False
                problem.update(describe_error(error))
                return
            except SourceError as error:
                # Perhaps a passing failure: the code stays good, so keep asking.
                problem.update(describe_error(error))
            else:
                if done is not None:
                    self.dismiss(True)
                    return
                problem.update("")
            await asyncio.sleep(interval)
        self._waiting = False
        digits.add_class("-expired")
        status.update(t("The code has expired. Press Enter for a new one."))

    def _show_countdown(self) -> None:
        if not self._waiting or self.code is None:
            return
        status = self.query_one("#login-code-status", Static)
        if self._deadline is None:
            status.update(t("Waiting for you to confirm the code…"))
            return
        left = countdown(self._deadline - shell_of(self).clock())
        status.update(t("Waiting for you to confirm the code (valid for {time})…", time=left))

    def action_new_code(self) -> None:
        """After the code expired (or none came): ask for another."""
        if not self._waiting:
            self.wait_for_code()

    def action_copy_link(self) -> None:
        if self.code is not None:
            self.post_message(CopyRequested(self.code.page, t("Login page link")))

    def action_password(self) -> None:
        """Leave the code (no more asking about it) for the password form."""
        self.workers.cancel_group(self, "login")
        self.code, self._waiting = None, False
        self.remove_class("-code")
        for field in self.query(Input):
            field.disabled = False
        self.query_one("#login-problem", Static).update("")
        self.refresh_bindings()
        self.query_one("#login-mail", Input).focus()

    def action_back(self) -> None:
        """From the password form back to a code (v1); else cancel."""
        if self.by_code and not self.on_code_form:
            self._show_code_form()
        else:
            self.dismiss(False)

    # -- login with a password -------------------------------------------------------------

    @on(Input.Submitted, "#login-mail")
    def to_password(self) -> None:
        self.query_one("#login-password", Input).focus()

    @on(Input.Submitted, "#login-password")
    def submitted(self) -> None:
        mail = self.query_one("#login-mail", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if mail and password:
            self.log_in(mail, password)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def log_in(self, mail: str, password: str) -> None:
        problem = self.query_one("#login-problem", Static)
        problem.update(t("Logging in…"))
        try:
            await shell_of(self).runtime.favorites.login(mail, password)
        except LoginFailedError as error:
            # The server's own words, shown literally.
            problem.update(one_line(error.message) or t("The login was refused."))
            return
        except (SourceError, SecretsError) as error:
            # A broken secrets file fails after the server said yes: the session cannot be
            # kept, so the form says why instead of waiting forever.
            problem.update(describe_error(error))
            return
        self.dismiss(True)

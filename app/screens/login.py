"""Log in to AniLibria: login or e-mail and password; the password is sent once, kept nowhere."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from app.i18n import t
from app.plaintext import one_line
from app.services.secrets import SecretsError
from app.shell import shell_of
from app.sources.errors import LoginFailedError, SourceError
from app.widgets.localized import localize_bindings
from app.widgets.status_line import describe_error

DEMO_LOGIN = ("demo", "demo-password")
"""The demo server's account (also in the README)."""


class LoginScreen(ModalScreen[bool]):
    """Dismisses with True once logged in (and synced), False when cancelled."""

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > Vertical {
        width: 64; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    LoginScreen #login-problem { color: $error; height: auto; }
    LoginScreen #login-hint { color: $text-muted; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, *, demo: bool) -> None:
        super().__init__()
        self.demo = demo
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("Log in to AniLibria to sync your favorites"))
            yield Input(placeholder=t("Login or e-mail"), id="login-mail")
            yield Input(placeholder=t("Password"), password=True, id="login-password")
            if self.demo:
                yield Static(
                    t(
                        "Demo account: {login} / {password}",
                        login=DEMO_LOGIN[0],
                        password=DEMO_LOGIN[1],
                    ),
                    id="login-hint",
                    markup=False,
                )
            yield Static(id="login-problem", markup=False)

    def on_mount(self) -> None:
        self.query_one("#login-mail", Input).focus()

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

"""What every controller shares: the app it serves, typed as the shell, and how it runs work."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from textual.app import App
from textual.notifications import SeverityLevel

from app.services.runtime import Runtime
from app.shell import Shell, shell_of
from app.widgets.notify import tell


class Controller:
    """A family of use-cases; it runs them in workers so the UI never waits on them."""

    def __init__(self, app: App[None]) -> None:
        self.app = app

    @property
    def shell(self) -> Shell:
        return shell_of(self.app)

    @property
    def runtime(self) -> Runtime:
        return self.shell.runtime

    def run(
        self, work: Coroutine[Any, Any, object], group: str, *, exclusive: bool = False
    ) -> None:
        """Run `work` in a worker; its errors reach the shell's one error handler."""
        self.app.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)

    def tell(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None:
        """Notify `message` as plain text (it may carry API text)."""
        tell(self.app, message, title=title, severity=severity, timeout=timeout)

"""Desktop notifications through `notify-send`, when there is one and a desktop to show them.

Over SSH or on a console there is neither, and nothing happens: the in-app notification is
the one that counts. Names come from the network, so they are flattened to one line and their
`&`, `<`, `>` escaped: notification daemons read a subset of HTML in the body.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import shutil
from collections.abc import Mapping

from app.plaintext import one_line

__all__ = ["DesktopNotifier"]

log = logging.getLogger("anitui.notify")

_DESKTOP_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
_TIMEOUT = 5.0


class DesktopNotifier:
    """Sends notifications with `notify-send`; does nothing where it cannot."""

    def __init__(self, *, enabled: bool, environ: Mapping[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        self.command = shutil.which("notify-send", path=environ.get("PATH"))
        self.available = (
            enabled
            and self.command is not None
            and any(environ.get(name) for name in _DESKTOP_VARIABLES)
        )

    async def send(self, summary: str, body: str = "") -> bool:
        """Show a notification; whether notify-send accepted it. Never raises."""
        if not self.available or self.command is None:
            return False
        arguments = [
            self.command,
            "--app-name=anitui",
            "--",
            one_line(summary),
            html.escape(one_line(body), quote=False),
        ]
        try:
            process = await asyncio.create_subprocess_exec(
                *arguments,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as error:
            log.info("notify-send could not start: %s", error)
            return False
        try:
            code = await asyncio.wait_for(process.wait(), _TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            log.info("notify-send took longer than %.0f s; stopped", _TIMEOUT)
            return False
        return code == 0

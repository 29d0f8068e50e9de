"""The notification record UI tests read (tests/screens/notifications.py)."""

from __future__ import annotations

import threading

from textual.app import App

from tests.screens.notifications import Notice, notices
from tests.support import wait_for


async def test_notices_from_the_loop_and_from_threads_are_kept_per_app() -> None:
    app, other = App[None](), App[None]()
    async with app.run_test() as pilot:
        app.notify("[b]loop[/b]", markup=False, timeout=0.05)
        worker = threading.Thread(
            target=lambda: app.notify("thread", severity="error", timeout=0.05)
        )
        worker.start()
        worker.join()
        await wait_for(pilot, lambda: len(notices(app)) == 2)
        await pilot.pause(0.2)  # both toasts have timed out: the record keeps them
        assert notices(app) == [
            Notice("[b]loop[/b]", "", "information", False),
            Notice("thread", "", "error", True),
        ]
        assert notices(other) == []

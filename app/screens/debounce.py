"""Search as you type without a request per key: the action waits for a pause in typing."""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Debounce:
    """Runs `action` once `delay()` seconds pass without another `restart()`.

    The timer belongs to `owner` and dies with it. `delay` is read at each restart
    rather than once, because a screen is built before it can reach the settings. A late answer
    is not this class's concern: the action's exclusive worker drops results for a request that
    is no longer the current one.
    """

    def __init__(
        self, owner: MessagePump, delay: Callable[[], float], action: Callable[[], object]
    ) -> None:
        self._owner = owner
        self._delay = delay
        self._action = action
        self._timer: Timer | None = None

    def restart(self) -> None:
        """Wait a full delay from now (another key was typed); the pending call is dropped."""
        self.cancel()
        self._timer = self._owner.set_timer(self._delay(), self._action)

    def now(self) -> None:
        """Run the action at once (Enter in the query box) instead of after the wait."""
        self.cancel()
        self._action()

    def cancel(self) -> None:
        """Drop the pending call, if any."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

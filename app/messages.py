"""Textual messages the app adapts bus events into (the services never import Textual)."""

from __future__ import annotations

from textual.message import Message

from app.services.events import Event
from app.services.player import PlaybackProgressed


class ServiceEventReceived(Message):
    """A service published `event` on the bus; delivered on the UI loop as a message."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # Progress ticks arrive several times a second: an unprocessed older tick is stale.
        return (
            isinstance(message, ServiceEventReceived)
            and isinstance(self.event, PlaybackProgressed)
            and isinstance(message.event, PlaybackProgressed)
        )

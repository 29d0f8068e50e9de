"""Live updates in the UI: the connection state for the top bar, news about titles for the
screens that show them, a favorite's new episode as a notification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.controllers.base import Controller
from app.i18n import t
from app.plaintext import one_line
from app.services.events import LiveEvent

if TYPE_CHECKING:
    from app.services.live import EpisodeReleased, LiveUpdates


class LiveController(Controller):
    """Runs the live-updates service (unless `[live] subscribe = "off"`) and routes its news."""

    service: LiveUpdates | None = None
    """The live-updates service once started."""

    def start(self) -> None:
        """After the first paint: websockets is imported only now, off the cold start."""
        subscribe = self.runtime.settings.live.subscribe
        if subscribe == "off":
            return
        self.service = service = self.runtime.live
        if subscribe == "favorites":
            # Following the favorites: subscribe afresh whenever the list changes.
            self.shell.favorites_changed.subscribe(self.app, lambda _ids: service.resubscribe())
        self.run(service.run(), "live")

    def on_event(self, event: LiveEvent) -> None:
        from app.services.live import EpisodeReleased, LiveStateChanged

        shell = self.shell
        if isinstance(event, LiveStateChanged):
            shell.live_state = event
            shell.live_state_changed.publish(event)
            return
        shell.title_news.publish(event)
        if isinstance(event, EpisodeReleased):
            self.announce_episode(event)

    def announce_episode(self, event: EpisodeReleased) -> None:
        favorite = self.runtime.favorites.favorite(event.title_id)
        if favorite is None:
            return
        name = one_line(favorite.name_ru or favorite.name_en or f"#{event.title_id}")
        message = t(
            "{name}: episode {episode} was re-uploaded"
            if event.reupload
            else "{name}: episode {episode} is out",
            name=name,
            episode=one_line(event.episode),
        )
        self.tell(message, title=t("New episode"), timeout=15)
        self.run(self.runtime.desktop.send(t("New episode"), message), "desktop-notify")

"""Followed titles in the UI: the flag (`F`), their new episodes handed to the follow service
(live news, and at start-up what came out while anitui was closed), and each decision told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.controllers.base import Controller
from app.i18n import t
from app.plaintext import one_line
from app.services.events import FollowEvent, LiveEvent

if TYPE_CHECKING:
    from app.store.follow import FollowEntry


class FollowController(Controller):
    """Follows and unfollows titles and routes the follow service's news."""

    def start(self) -> None:
        """After the first paint: decide the episodes that came out while anitui was closed."""
        if self.runtime.browse_only or not self.runtime.follow.followed_ids():
            return
        self.run(self.runtime.follow.catch_up(), "follow")

    def toggle(self, title_id: int, name: str) -> None:
        """Follow the title, or stop following it, and say which."""
        follow = self.runtime.follow
        shown = one_line(name)
        if not follow.is_followed(title_id) and not self.runtime.favorites.contains(title_id):
            # Live news come for favorites: a title outside them would follow only at start-up.
            self.tell(t("Only favorites can be followed: add {name} with f first", name=shown))
            return
        followed = follow.toggle(title_id)
        self.tell(
            t("Following {name}: its new episodes are downloaded by themselves", name=shown)
            if followed
            else t("No longer following {name}", name=shown)
        )
        self.shell.follows_changed.publish(follow.followed_ids())

    def on_live_event(self, event: LiveEvent) -> None:
        from app.services.live import EpisodeReleased, TorrentsChanged

        if self.runtime.browse_only:
            return
        follow = self.runtime.follow
        if isinstance(event, TorrentsChanged) and follow.is_followed(event.title_id):
            self.run(follow.torrents_changed(event.title_id), "follow")
            return
        if not isinstance(event, EpisodeReleased) or event.reupload:
            return
        episode = _episode_number(event.episode)
        if episode is not None and follow.is_followed(event.title_id):
            self.run(follow.episode_released(event.title_id, episode), "follow")

    def on_event(self, event: FollowEvent) -> None:
        from app.services.follow import FollowDecided

        if isinstance(event, FollowDecided) and event.entry.outcome != "found":
            self.tell(describe_entry(event.entry), title=t("Followed"), timeout=10)


def describe_entry(entry: FollowEntry) -> str:
    """One line of a followed title's history, as the user reads it."""
    episode = f"{entry.episode:g}"
    detail = one_line(entry.detail or "")
    if entry.outcome == "queued":
        return t("Episode {episode} queued: {detail}", episode=episode, detail=detail)
    if entry.outcome == "found":
        return t("Episode {episode} found: {detail}", episode=episode, detail=detail)
    if entry.outcome == "present":
        return (
            t("Episode {episode} is already on disk", episode=episode)
            if entry.detail == "on disk"
            else t("Episode {episode} is already queued", episode=episode)
        )
    return t("Episode {episode}: no torrent found ({detail})", episode=episode, detail=detail)


def _episode_number(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number

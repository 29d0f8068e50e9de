"""Textual messages: bus events adapted for the UI loop, and the requests screens post up.

Screens never call the app to do work: they post a request (past-tense names follow Textual's
habit for what the user did) that bubbles to the shell, whose controllers run it in workers and
answer through notifications, signals or the bus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.message import Message

from app.services.events import Event

if TYPE_CHECKING:
    from pathlib import Path

    from app.services.downloads import DownloadItem, DownloadPriority
    from app.services.torrent_meta import TorrentSpec
    from app.sources.anilibria.models import Title, Torrent


class ServiceEventReceived(Message):
    """A service published `event` on the bus; delivered on the UI loop as a message."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # The player's module is loaded by the time it publishes (not at start-up).
        from app.services.player import PlaybackProgressed

        # Progress ticks arrive several times a second: an unprocessed older tick is stale.
        return (
            isinstance(message, ServiceEventReceived)
            and isinstance(self.event, PlaybackProgressed)
            and isinstance(message.event, PlaybackProgressed)
        )


class TitleOpened(Message):
    """The user chose a title: its Title screen opens over the current one."""

    def __init__(self, title_id: int) -> None:
        super().__init__()
        self.title_id = title_id


class EpisodePlayRequested(Message):
    """Play `episode` of `title` (a full title, with its player)."""

    def __init__(self, title: Title, episode: int | float) -> None:
        super().__init__()
        self.title = title
        self.episode = episode


class ContinueRequested(Message):
    """Play the next unwatched episode of title `title_id`, resuming a started one; `title`,
    when the screen has the full title, saves fetching it."""

    def __init__(self, title_id: int, title: Title | None = None) -> None:
        super().__init__()
        self.title_id = title_id
        self.title = title


class DownloadPlayRequested(Message):
    """Play the video of a download while it downloads."""

    def __init__(self, item: DownloadItem) -> None:
        super().__init__()
        self.item = item


class LocalFilePlayRequested(Message):
    """Play a video file of the local library (a known title's episode resumes and counts in
    history like a streamed one)."""

    def __init__(self, path: Path, *, title_id: int | None, episode: int | float | None) -> None:
        super().__init__()
        self.path = path
        self.title_id = title_id
        self.episode = episode


class SeriesAddRequested(Message):
    """Add `title` to the local library: its series folder and marker, then a scan of it."""

    def __init__(self, title: Title) -> None:
        super().__init__()
        self.title = title


NfoAction = Literal["state", "create", "update", "view", "media", "batch", "without"]
"""The NFO actions of the Library (`N`), Aniworld's NFO endpoints."""


class NfoActionRequested(Message):
    """Run the NFO `action` on the library's series `series_ids` (one for the single-series
    actions; for `batch` the marked ones, or none for every series)."""

    def __init__(self, action: NfoAction, series_ids: tuple[int, ...]) -> None:
        super().__init__()
        self.action = action
        self.series_ids = series_ids


class DownloadRequested(Message):
    """Queue `spec` (the user picks the files of a batch first)."""

    def __init__(
        self,
        spec: TorrentSpec,
        *,
        source: str,
        title_id: int | None = None,
        title_name: str | None = None,
        episodes: str | None = None,
        priority: DownloadPriority = "NORMAL",
    ) -> None:
        super().__init__()
        self.spec = spec
        self.source = source
        self.title_id = title_id
        self.title_name = title_name
        self.episodes = episodes
        self.priority = priority


class TitleTorrentRequested(Message):
    """Queue one of `title`'s own torrents (its .torrent is fetched and checked first)."""

    def __init__(self, title: Title, torrent: Torrent) -> None:
        super().__init__()
        self.title = title
        self.torrent = torrent


class EpisodeDownloadRequested(Message):
    """Queue only `episode` of `title` from the first of its torrents that holds it."""

    def __init__(self, title: Title, episode: int | float) -> None:
        super().__init__()
        self.title = title
        self.episode = episode


class FavoriteToggled(Message):
    """The user added `title` to the favorites, or removed it."""

    def __init__(self, title: Title) -> None:
        super().__init__()
        self.title = title


class FollowToggled(Message):
    """The user followed the title (`title_id`, shown as `name`), or stopped following it."""

    def __init__(self, title_id: int, name: str) -> None:
        super().__init__()
        self.title_id = title_id
        self.name = name


class MissingDownloadRequested(Message):
    """Queue the missing episodes of the title (`title_id`) from its best torrent."""

    def __init__(self, title_id: int) -> None:
        super().__init__()
        self.title_id = title_id


class CollectionChosen(Message):
    """The user put `title` in `collection` (None: in none)."""

    def __init__(self, title: Title, collection: str | None) -> None:
        super().__init__()
        self.title = title
        self.collection = collection


class FavoritesSyncRequested(Message):
    """Sync the favorites with the account now (nothing to do without one)."""


class CopyRequested(Message):
    """Copy `text` to the clipboard (OSC 52, also over SSH); the confirmation names it with
    `what` (translated, e.g. "Magnet link") and shows it shortened."""

    def __init__(self, text: str, what: str) -> None:
        super().__init__()
        self.text = text
        self.what = what

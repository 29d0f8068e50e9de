"""What screens and widgets may read of the app, typed: the runtime, the clock, the navigation
table, the Now-playing state and the signals that carry news to them.

Screens depend on this protocol, never on `app.application` (which imports the screens): they
read the shell and post request messages (`app.messages`) up to it; they call no app method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.screen import Screen
from textual.signal import Signal

if TYPE_CHECKING:
    from app.services.events import Event
    from app.services.live import LiveStateChanged
    from app.services.runtime import Runtime


@dataclass(frozen=True)
class NavEntry:
    """One main screen: a row of the navigation table (`app.navigation.NAVIGATION`), which the
    modes, number keys, command palette, top bar and stylesheets are all made from."""

    mode: str
    """The screen's id (its Textual mode)."""
    label: str
    """Its name, an English msgid (`app.i18n`)."""
    key: str | None
    """The number key that opens it; None where a key is better spent elsewhere."""
    factory: Callable[[], Screen[None]]
    """Builds the screen; imports its module on first use, for a faster first paint."""
    stylesheet: str | None = None
    """Its stylesheet's file name in `styles/`, if it has one."""
    short_label: str | None = None
    """A shorter name (an English msgid) for a narrow top bar; None: the label is short."""


@dataclass(frozen=True)
class NowPlaying:
    """What the Now-playing bar shows; the shell keeps the current one and signals changes."""

    title_id: int
    episode: int | float
    media_title: str
    position: float = 0.0
    duration: float | None = None
    paused: bool = False
    volume: float = 100.0
    muted: bool = False
    quality: str = ""
    skip_offer: str | None = None
    """"opening" or "ending" while the player offers to skip it (`S`), else None."""


@runtime_checkable
class Shell(Protocol):
    """The app as the UI layer sees it (attributes down; requests go up as messages)."""

    runtime: Runtime
    navigation: tuple[NavEntry, ...]
    now_playing: NowPlaying | None
    now_playing_changed: Signal[NowPlaying | None]
    history_changed: Signal[int]
    """Carries the id of a title whose watched marks or positions changed."""
    favorites_changed: Signal[frozenset[int]]
    """Carries the ids of the favorite titles after any change."""
    collections_changed: Signal[frozenset[int]]
    """Carries the ids of titles whose collection changed."""
    follows_changed: Signal[frozenset[int]]
    """Carries the ids of the followed titles after any change."""
    live_state: LiveStateChanged | None
    live_state_changed: Signal[LiveStateChanged]
    title_news: Signal[Event]
    """Live news about titles (new episodes, changes, torrents, encoding)."""
    download_events: Signal[Event]
    """Every event of the download queue."""
    local_library_events: Signal[Event]
    """Every event of the local library (its scans: started, progressed, finished, failed)."""

    @property
    def current_mode(self) -> str:
        """The navigation entry on screen."""
        ...

    def clock(self) -> float:
        """Now, in seconds since the epoch (fixed in tests)."""
        ...


def shell_of(node: DOMNode) -> Shell:
    """The shell `node` runs in; a TypeError outside anitui's app (a bug, not a user error)."""
    app = node.app
    if not isinstance(app, Shell):
        raise TypeError(f"{type(node).__name__} needs anitui's app, not {type(app).__name__}")
    return app

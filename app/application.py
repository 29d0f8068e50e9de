"""The Textual app, a thin shell: the navigation table made into modes and keys, the screens'
requests and the services' events routed to controllers, one worker-error handler."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from app.controllers.carry_over import CarryOverController
from app.controllers.downloads import DownloadsController
from app.controllers.favorites import FavoritesController
from app.controllers.follow import FollowController
from app.controllers.idle_gc import IdleCollector
from app.controllers.library import LibraryController
from app.controllers.library_scan import LibraryScanController
from app.controllers.live import LiveController
from app.controllers.nfo import NfoController
from app.controllers.palette import PaletteController
from app.controllers.playback import PlaybackController
from app.controllers.titles import TitlesController
from app.i18n import t
from app.messages import (
    CollectionChosen,
    ContinueRequested,
    CopyRequested,
    DownloadPlayRequested,
    DownloadRequested,
    EpisodeDownloadRequested,
    EpisodePlayRequested,
    FavoritesSyncRequested,
    FavoriteToggled,
    FollowToggled,
    LocalFilePlayRequested,
    MissingDownloadRequested,
    NfoActionRequested,
    SeriesAddRequested,
    ServiceEventReceived,
    TitleOpened,
    TitleTorrentRequested,
)
from app.navigation import NAVIGATION, SHARED_STYLESHEETS
from app.paths import STYLES_DIR
from app.plaintext import one_line, shortened
from app.screens.base import AniScreen
from app.services.events import (
    DownloadEvent,
    Event,
    FavoritesEvent,
    FollowEvent,
    LibraryEvent,
    LiveEvent,
    LocalLibraryEvent,
    PlayerEvent,
    TorrentEngineEvent,
)
from app.services.runtime import Runtime
from app.shell import NavEntry, NowPlaying
from app.sources.errors import SourceError
from app.sources.redaction import redact
from app.widgets.localized import localize_bindings
from app.widgets.notify import tell

if TYPE_CHECKING:
    from app.config import Settings
    from app.services.live import LiveStateChanged

log = logging.getLogger("anitui")

QUIT_CONFIRM_SECONDS = 3.0
COPIED_TEXT_WIDTH = 60
"""A copy's confirmation shows this much of what was copied: a magnet runs to hundreds."""


class AniApp(App[None]):
    """anitui. Build it with `app.bootstrap.make_app`, which opens the runtime it needs."""

    TITLE = "anitui"
    CSS_PATH: ClassVar = [
        STYLES_DIR / name
        for name in (*SHARED_STYLESHEETS, *(e.stylesheet for e in NAVIGATION if e.stylesheet))
    ]
    ENABLE_COMMAND_PALETTE = True
    DEFAULT_MODE = NAVIGATION[0].mode
    MODES: ClassVar = {entry.mode: entry.factory for entry in NAVIGATION}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "go_back", "Back", show=False),
        # The top bar already names every number key: the footer keeps its room for the rest.
        *(
            Binding(entry.key, f"open_mode('{entry.mode}')", entry.label, show=False)
            for entry in NAVIGATION
            if entry.key
        ),
        Binding("R", "random_title", "Random"),
        Binding("ctrl+r", "refresh", "Refresh"),
        # While playing, from any screen (hidden and inert otherwise: see check_action).
        Binding("space", "player('toggle_pause')", "Pause"),
        Binding("left_square_bracket", "seek(-10)", "−10 s", show=False),
        Binding("right_square_bracket", "seek(10)", "+10 s", show=False),
        Binding("left_curly_bracket", "seek(-85)", "−85 s", show=False),
        Binding("right_curly_bracket", "seek(85)", "+85 s", show=False),
        Binding("n", "player('next_episode')", "Next episode"),
        Binding("b", "player('previous_episode')", "Previous episode", show=False),
        Binding("c", "player('cycle_quality')", "Quality", show=False),
        Binding("m", "player('toggle_mute')", "Mute", show=False),
        Binding("9", "volume(-5)", "Volume −", show=False),
        Binding("0", "volume(5)", "Volume +", show=False),
        Binding("number_sign", "player('cycle_audio')", "Audio track", show=False),
        Binding("v", "player('cycle_subtitles')", "Subtitles", show=False),
        Binding("x", "player('stop')", "Stop"),
        # Only while an opening / ending is offered (`[player] skips = "ask"`).
        Binding("S", "skip", "Skip"),
    ]
    PLAYER_ACTIONS = frozenset({"player", "seek", "volume"})
    PLAYER_COMMANDS = frozenset(
        {
            "toggle_pause",
            "next_episode",
            "previous_episode",
            "cycle_quality",
            "toggle_mute",
            "cycle_audio",
            "cycle_subtitles",
            "stop",
        }
    )
    """The player service's methods a `player(...)` binding may call."""

    def __init__(self, runtime: Runtime, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.runtime = runtime
        self.clock = clock
        self.navigation: tuple[NavEntry, ...] = NAVIGATION
        self.now_playing: NowPlaying | None = None
        self.now_playing_changed: Signal[NowPlaying | None] = Signal(self, "now_playing_changed")
        self.history_changed: Signal[int] = Signal(self, "history_changed")
        self.favorites_changed: Signal[frozenset[int]] = Signal(self, "favorites_changed")
        self.collections_changed: Signal[frozenset[int]] = Signal(self, "collections_changed")
        self.follows_changed: Signal[frozenset[int]] = Signal(self, "follows_changed")
        self.live_state: LiveStateChanged | None = None
        self.live_state_changed: Signal[LiveStateChanged] = Signal(self, "live_state_changed")
        self.title_news: Signal[Event] = Signal(self, "title_news")
        self.download_events: Signal[Event] = Signal(self, "download_events")
        self.local_library_events: Signal[Event] = Signal(self, "local_library_events")
        self.quit_armed_at: float | None = None
        self.playback = PlaybackController(self)
        self.downloads = DownloadsController(self)
        self.favorites = FavoritesController(self)
        self.library = LibraryController(self)
        self.library_scan = LibraryScanController(self)
        self.nfo = NfoController(self)
        self.live = LiveController(self)
        self.follow = FollowController(self)
        self.carry_over = CarryOverController(self)
        self.titles = TitlesController(self)
        self.palette = PaletteController(self)
        self.idle_gc = IdleCollector(self)
        localize_bindings(self)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def on_mount(self) -> None:
        self.runtime.bus.attach_loop(asyncio.get_running_loop())
        self.runtime.bus.subscribe(
            Event, lambda event: self.post_message(ServiceEventReceived(event))
        )
        self.call_after_refresh(self.resume_saved_work)
        from app.widgets.status_line import explain

        for notice in self.runtime.notices:
            tell(
                self,
                explain(notice.message, notice.values),
                severity=notice.severity,  # type: ignore[arg-type]
                timeout=10,
            )

    async def _ready(self) -> None:
        """The terminal's first frame: the whole screen, as soon as Textual's start-up batch
        ends. Textual lays the screen out inside that batch, which ends just after this hook,
        and drops every frame painted meanwhile; its first frame after it then carried only
        what changed since the dropped one, and the whole screen waited for a later repaint,
        one frame period (~17 ms) or more on. Textual has no public way to ask that the next
        frame be whole: this marks the whole screen as changed, as a resize would."""
        await super()._ready()
        if not self.screen_stack:
            return  # the start failed, and Textual is about to say why
        screen = self.screen
        screen._compositor._dirty_regions.add(screen._compositor.size.region)
        screen.refresh()

    async def on_unmount(self) -> None:
        # The shell's workers (an mpv in the terminal among them) stop and clean up before
        # the services they use close: Textual only cancels them, and a child process left
        # running when the loop ends would outlive the app.
        stopping = self.workers.cancel_node(self)
        await asyncio.gather(*(worker.wait() for worker in stopping), return_exceptions=True)
        await self.runtime.aclose()
        self.idle_gc.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle_gc.input_seen()
        await super().on_event(event)

    def resume_saved_work(self) -> None:
        """After the first paint: the user's titles follow a change of API, saved downloads
        resume, a logged-in account's favorites, collections and watch progress catch up, live
        updates begin, the local library is scanned, followed titles catch up."""
        # `cli.main` keeps the collector off until the first frame is painted.
        gc.enable()
        self.idle_gc.start()
        self.carry_over.start()
        self.downloads.resume()
        self.favorites.keep_synced()
        self.library.keep_synced()
        self.library_scan.start()
        self.live.start()
        self.follow.start()

    def on_service_event_received(self, message: ServiceEventReceived) -> None:
        """Each family of service events goes to its controller."""
        match message.event:
            case PlayerEvent() as event:
                self.playback.on_event(event)
                self.library.on_player_event(event)
            case DownloadEvent() as event:
                self.downloads.on_event(event)
                self.library_scan.on_download_event(event)
            case FavoritesEvent() as event:
                self.favorites.on_event(event)
                self.library.on_account_event(event)
            case LibraryEvent() as event:
                self.library.on_event(event)
            case LiveEvent() as event:
                self.live.on_event(event)
                self.follow.on_live_event(event)
            case FollowEvent() as event:
                self.follow.on_event(event)
            case LocalLibraryEvent() as event:
                self.library_scan.on_event(event)
            case TorrentEngineEvent():
                pass  # The download queue follows the engine; the UI hears from the queue.
            case event:
                log.warning("no route for a %s event; ignored", type(event).__name__)

    # requests from the screens --------------------------------------------------------------

    @on(TitleOpened)
    async def open_title(self, message: TitleOpened) -> None:
        from app.screens.title import TitleScreen

        # Read before the screen comes, so that its first frame is the cached title.
        try:
            cached = await self.runtime.catalog.title(message.title_id, cache_only=True)
        except SourceError:  # not cached (or unreadable): the screen says it is loading
            cached = None
        self.push_screen(TitleScreen(message.title_id, cached))

    @on(EpisodePlayRequested)
    def play_episode(self, message: EpisodePlayRequested) -> None:
        self.playback.play_episode(message.title, message.episode)

    @on(ContinueRequested)
    def continue_title(self, message: ContinueRequested) -> None:
        self.playback.continue_title(message.title_id, message.title)

    @on(DownloadPlayRequested)
    def play_download(self, message: DownloadPlayRequested) -> None:
        self.playback.play_download(message.item)

    @on(LocalFilePlayRequested)
    def play_local_file(self, message: LocalFilePlayRequested) -> None:
        self.playback.play_local_file(message.path, message.title_id, message.episode)

    @on(SeriesAddRequested)
    def add_series(self, message: SeriesAddRequested) -> None:
        self.library_scan.add_series(message.title)

    @on(NfoActionRequested)
    def nfo_action(self, message: NfoActionRequested) -> None:
        self.nfo.act(message.action, message.series_ids)

    @on(DownloadRequested)
    def add_download(self, message: DownloadRequested) -> None:
        self.downloads.add(
            message.spec,
            source=message.source,
            title_id=message.title_id,
            title_name=message.title_name,
            episodes=message.episodes,
            priority=message.priority,
        )

    @on(TitleTorrentRequested)
    def add_title_torrent(self, message: TitleTorrentRequested) -> None:
        self.downloads.add_title_torrent(message.title, message.torrent)

    @on(EpisodeDownloadRequested)
    def download_episode(self, message: EpisodeDownloadRequested) -> None:
        self.downloads.download_episode(message.title, message.episode)

    @on(FavoriteToggled)
    def toggle_favorite(self, message: FavoriteToggled) -> None:
        self.favorites.toggle(message.title)

    @on(FollowToggled)
    def toggle_follow(self, message: FollowToggled) -> None:
        self.follow.toggle(message.title_id, message.name)

    @on(MissingDownloadRequested)
    def download_missing(self, message: MissingDownloadRequested) -> None:
        self.downloads.download_missing(message.title_id)

    @on(FavoritesSyncRequested)
    def sync_favorites(self) -> None:
        self.favorites.sync()
        self.library.sync()

    @on(CollectionChosen)
    def choose_collection(self, message: CollectionChosen) -> None:
        self.library.put(message.title, message.collection)

    @on(CopyRequested)
    def copy_text(self, message: CopyRequested) -> None:
        # OSC 52: the terminal puts it on the clipboard, also over SSH.
        self.copy_to_clipboard(message.text)
        tell(
            self,
            t(
                "{what} copied to the clipboard: {text}",
                what=message.what,
                # A copied link may hold the user's passkey: the clipboard gets it, the
                # screen never shows it.
                text=shortened(redact(one_line(message.text)), COPIED_TEXT_WIDTH),
            ),
        )

    # the player keys -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.PLAYER_ACTIONS:
            return self.now_playing is not None
        if action == "skip":
            return self.now_playing is not None and self.now_playing.skip_offer is not None
        return True

    async def action_skip(self) -> None:
        """Skip the opening or ending on offer (`[player] skips = "ask"`)."""
        await self.runtime.player.accept_skip()

    async def action_player(self, command: str) -> None:
        if command in self.PLAYER_COMMANDS:
            await getattr(self.runtime.player, command)()

    async def action_seek(self, seconds: float) -> None:
        await self.runtime.player.seek(seconds)

    async def action_volume(self, delta: float) -> None:
        await self.runtime.player.change_volume(delta)

    # navigation and the rest -----------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit; while something plays, only when asked twice (a stray q must not stop it)."""
        now = time.monotonic()
        busy = None
        if self.now_playing is not None:
            busy = t("Something is playing: press q again to quit.")
        elif self.downloads.running():
            busy = t("Downloads are running (they resume next time): press q again to quit.")
        if busy and (self.quit_armed_at is None or now - self.quit_armed_at > QUIT_CONFIRM_SECONDS):
            self.quit_armed_at = now
            tell(self, busy)
            return
        self.exit()

    def action_open_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_go_back(self) -> None:
        """Esc: out of a text box first (digits and letters are keys again), then back."""
        screen = self.screen
        if isinstance(self.focused, Input) and isinstance(screen, AniScreen):
            screen.leave_input()
        elif len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        from app.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen, self.player_bindings()))

    def player_bindings(self) -> list[Binding]:
        """The player keys, in the UI language (live only while something plays)."""
        return [
            binding
            for _key, binding in self._bindings
            if binding.action.split("(")[0] in self.PLAYER_ACTIONS | {"skip"}
        ]

    def action_command_palette(self) -> None:
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=t("Search for commands…"))
            )

    def action_refresh(self) -> None:
        refresh = getattr(self.screen, "action_refresh_screen", None)
        if refresh is not None:
            refresh()

    def action_random_title(self) -> None:
        self.titles.open_random()

    async def action_switch_language(self) -> None:
        """Toggle English / Russian for the whole interface, without losing the screen stack."""
        from app.controllers.language import LanguageController

        await LanguageController(self).switch()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        return self.palette.commands(self.favorites, self.playback, self.titles)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported; screens handle what they expect."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from app.widgets.status_line import describe_error

            tell(self, describe_error(event.worker.error), severity="error")

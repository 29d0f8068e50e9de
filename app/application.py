"""The Textual app: modes for the main screens, global keys, the command palette, errors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from app import i18n
from app.config import Settings
from app.i18n import t
from app.messages import ServiceEventReceived
from app.paths import STYLES_DIR
from app.plaintext import one_line
from app.screens.schedule import ScheduleScreen
from app.services.events import Event
from app.services.player import (
    EpisodeFinished,
    EpisodeWatched,
    PlaybackFailed,
    PlaybackProgressed,
    PlaybackStarted,
    PlaybackStopped,
    PlayerUnavailable,
    SkipApplied,
    SkipOffered,
)
from app.services.runtime import Runtime
from app.services.terminal_video import (
    ipc_socket_path,
    run_mpv,
    terminal_command,
    terminal_outputs,
    without_display,
)
from app.sources.anilibria.models import Title, Torrent
from app.sources.errors import SourceError
from app.widgets.localized import localize_bindings
from app.widgets.now_playing import NowPlaying, skip_prompt

if TYPE_CHECKING:
    from app.services.downloads import DownloadItem, DownloadQueue
    from app.services.live import EpisodeReleased, LiveService, LiveStateChanged
    from app.services.torrent_meta import TorrentSpec

FAVORITES_FILE = "~/anitui-favorites.json"
"""Where favorites are exported to and imported from unless the user names another file."""
QUIT_CONFIRM_SECONDS = 3.0


class AniApp(App[None]):
    """anitui. Build it with `make_app`, which opens the runtime it needs."""

    TITLE = "anitui"
    CSS_PATH: ClassVar = [
        STYLES_DIR / "app.tcss",
        STYLES_DIR / "schedule.tcss",
        STYLES_DIR / "title.tcss",
        STYLES_DIR / "updates.tcss",
        STYLES_DIR / "search.tcss",
        STYLES_DIR / "help.tcss",
        STYLES_DIR / "torrents.tcss",
        STYLES_DIR / "downloads.tcss",
        STYLES_DIR / "feed.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True
    DEFAULT_MODE = "schedule"
    MODES: ClassVar = {
        "schedule": ScheduleScreen,
        "updates": lambda: _updates_screen(),
        "search": lambda: _search_screen(),
        "history": lambda: _history_screen(),
        "torrents": lambda: _torrents_screen(),
        "downloads": lambda: _downloads_screen(),
        "favorites": lambda: _favorites_screen(),
        "feed": lambda: _feed_screen(),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "go_back", "Back", show=False),
        Binding("1", "open_mode('schedule')", "Schedule"),
        Binding("2", "open_mode('updates')", "Updates"),
        Binding("3", "open_mode('search')", "Search"),
        Binding("4", "open_mode('torrents')", "Torrents"),
        Binding("5", "open_mode('favorites')", "Favorites"),
        Binding("6", "open_mode('downloads')", "Downloads"),
        Binding("7", "open_mode('history')", "History"),
        Binding("8", "open_mode('feed')", "Feed"),
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

    def __init__(self, runtime: Runtime, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.runtime = runtime
        self.clock = clock
        self.now_playing: NowPlaying | None = None
        self.now_playing_changed: Signal[NowPlaying | None] = Signal(self, "now_playing_changed")
        self.history_changed: Signal[int] = Signal(self, "history_changed")
        """Carries the id of a title whose watched marks or positions changed."""
        self.quit_armed_at: float | None = None
        self.downloads_failure_told = False
        self.favorites_changed: Signal[frozenset[int]] = Signal(self, "favorites_changed")
        """Carries the ids of the favorite titles after any change."""
        self.live_updates: LiveService | None = None
        """The live-updates service once started (not with `[live] subscribe = "off"`)."""
        self.live_state: LiveStateChanged | None = None
        self.live_state_changed: Signal[LiveStateChanged] = Signal(self, "live_state_changed")
        self.title_news: Signal[Event] = Signal(self, "title_news")
        """Live news about titles (new episodes, changes, torrents, encoding), for the screens
        that show them."""
        self.download_events: Signal[Event] = Signal(self, "download_events")
        """Every event of the download queue, for the screens that show downloads."""
        localize_bindings(self)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def on_mount(self) -> None:
        self.runtime.bus.attach_loop(asyncio.get_running_loop())
        self.runtime.bus.subscribe(
            Event, lambda event: self.post_message(ServiceEventReceived(event))
        )
        # A logged-in account's favorites catch up once the first screen is painted.
        self.call_after_refresh(self.resume_saved_work)
        for notice in self.runtime.notices:
            self.notify(
                t(notice.message, **notice.values),
                severity=notice.severity,  # type: ignore[arg-type]
                markup=False,
                timeout=10,
            )

    async def on_unmount(self) -> None:
        await self.runtime.aclose()

    # playback ------------------------------------------------------------------------------

    def on_service_event_received(self, message: ServiceEventReceived) -> None:
        """Player events become the Now-playing state, watched marks and messages."""
        event = message.event
        module = type(event).__module__
        if module == "app.services.downloads":
            self.on_download_event(event)
            return
        if module == "app.services.favorites":
            self.on_favorites_event(event)
            return
        if module == "app.services.live":
            self.on_live_event(event)
            return
        state = self.now_playing
        if isinstance(event, PlaybackStarted):
            self.set_now_playing(
                NowPlaying(
                    event.title_id,
                    event.episode,
                    event.media_title,
                    position=event.start,
                    quality=event.quality,
                )
            )
        elif isinstance(event, PlaybackProgressed) and state is not None:
            self.set_now_playing(
                replace(
                    state,
                    position=event.position,
                    duration=event.duration,
                    paused=event.paused,
                    volume=event.volume,
                    muted=event.muted,
                    quality=event.quality,
                    skip_offer=event.skip_offered,
                )
            )
        elif isinstance(event, SkipOffered) and state is not None:
            self.set_now_playing(replace(state, skip_offer=event.kind))
            # The bar says it too; the toast is for eyes elsewhere, gone with the range.
            self.notify(
                skip_prompt(event.kind),
                markup=False,
                timeout=max(2.0, min(event.end - event.start, 8.0)),
            )
        elif isinstance(event, PlaybackStopped):
            self.history_changed.publish(event.title_id)
            self.set_now_playing(None)
        elif isinstance(event, (EpisodeWatched, EpisodeFinished)):
            self.history_changed.publish(event.title_id)
        elif isinstance(event, SkipApplied):
            if state is not None and state.skip_offer is not None:
                self.set_now_playing(replace(state, skip_offer=None))
            self.notify(t("Skipped the {kind}.", kind=t(event.kind)), markup=False, timeout=3)
        elif isinstance(event, PlaybackFailed):
            self.set_now_playing(None)
            self.notify(event.message, severity="error", markup=False, timeout=8)
        elif isinstance(event, PlayerUnavailable):
            self.notify(event.reason, severity="error", markup=False, timeout=10)

    def resume_saved_work(self) -> None:
        """After the first paint: saved downloads resume, a logged-in account's favorites catch
        up."""
        if self.runtime.has_unfinished_downloads():
            self.run_worker(self.downloads(), group="downloads", exit_on_error=False)
        interval = self.settings.live.sync_interval
        if interval > 0:
            self.run_worker(
                self.runtime.favorites.keep_synced(interval),
                group="favorites-keep-synced",
                exit_on_error=False,
            )
        else:
            self.sync_favorites()
        if self.settings.live.subscribe != "off":
            self.live_updates = self.runtime.live
            self.run_worker(self.live_updates.run(), group="live", exit_on_error=False)

    # favorites -----------------------------------------------------------------------------

    def on_favorites_event(self, event: Event) -> None:
        from app.services.favorites import AccountChanged, AccountState, FavoritesChanged

        if isinstance(event, FavoritesChanged):
            self.favorites_changed.publish(frozenset(event.ids))
            if self.live_updates is not None and self.settings.live.subscribe == "favorites":
                self.live_updates.resubscribe()
        elif isinstance(event, AccountChanged) and event.state is AccountState.EXPIRED:
            self.notify(
                t("The AniLibria session has expired: log in again (ctrl+p). Nothing is lost."),
                severity="warning",
                markup=False,
                timeout=10,
            )

    # live updates --------------------------------------------------------------------------

    def on_live_event(self, event: Event) -> None:
        """The connection state goes to the top bar; news about titles to the screens showing
        them, and a favorite's new episode to a notification."""
        from app.services.live import EpisodeReleased, LiveStateChanged

        if isinstance(event, LiveStateChanged):
            self.live_state = event
            self.live_state_changed.publish(event)
            return
        self.title_news.publish(event)
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
        self.notify(message, title=t("New episode"), markup=False, timeout=15)
        self.run_worker(
            self.runtime.desktop.send(t("New episode"), message),
            group="desktop-notify",
            exit_on_error=False,
        )

    def toggle_favorite(self, title: Title) -> None:
        """Add `title` to the favorites, or remove it; synced when an account is logged in."""
        added = self.runtime.favorites.toggle(
            title.id, name_ru=title.names.ru, name_en=title.names.en
        )
        name = one_line(title.names.ru or title.display_name)
        message = "Added to favorites: {name}" if added else "Removed from favorites: {name}"
        self.notify(t(message, name=name), markup=False, timeout=3)
        self.sync_favorites()

    def sync_favorites(self) -> None:
        """Sync with the account in the background (nothing to do without one)."""
        from app.services.favorites import AccountState

        if self.runtime.favorites.account is AccountState.LOGGED_IN:
            self.run_worker(
                self.runtime.favorites.sync(), group="favorites-sync", exit_on_error=False
            )

    def log_in(self) -> None:
        from app.screens.login import LoginScreen

        def logged_in(done: bool | None) -> None:
            if done:
                name = self.runtime.favorites.login_name or ""
                self.notify(t("Logged in as {name}; favorites synced.", name=name), markup=False)

        self.push_screen(LoginScreen(demo=self.settings.demo), logged_in)

    def log_out(self) -> None:
        self.runtime.favorites.logout()
        self.notify(t("Logged out; your favorites stay here."), markup=False)

    def export_favorites(self) -> None:
        """Write the favorites to a JSON file the user names (nothing is locked in)."""
        from app.screens.prompt import PromptScreen

        favorites = self.runtime.favorites

        async def export(text: str) -> str:
            path = Path(text).expanduser()
            count = await asyncio.to_thread(favorites.export_to, path)
            return t("{count} favorites exported to {path}", count=str(count), path=str(path))

        self.push_screen(
            PromptScreen(t("Export favorites to the file:"), export, value=FAVORITES_FILE),
            self.tell,
        )

    def import_favorites(self) -> None:
        """Merge the favorites of an export file into this list (and the account's)."""
        from app.screens.prompt import PromptScreen

        favorites = self.runtime.favorites

        async def merge(text: str) -> str:
            result = await asyncio.to_thread(favorites.import_from, Path(text).expanduser())
            self.sync_favorites()
            return t(
                "{added} favorites imported, {already} were already there",
                added=str(result.added),
                already=str(result.already),
            )

        self.push_screen(
            PromptScreen(t("Import favorites from the file:"), merge, value=FAVORITES_FILE),
            self.tell,
        )

    def tell(self, message: str | None) -> None:
        """Notify `message` (a modal's result), if there is one."""
        if message:
            self.notify(message, markup=False)

    # downloads -----------------------------------------------------------------------------

    async def downloads(self) -> DownloadQueue | None:
        """The download queue (opened on first use); None when downloads cannot run, said once."""
        queue = await self.runtime.downloads()
        if queue is None and not self.runtime.browse_only and not self.downloads_failure_told:
            self.downloads_failure_told = True
            self.notify(
                t("Downloads are unavailable: libtorrent could not start (see the log)."),
                severity="error",
                markup=False,
            )
        return queue

    def on_download_event(self, event: Event) -> None:
        """Queue events reach every open Downloads screen; a finished or failed one is told."""
        from app.services.downloads import DownloadCompleted, DownloadFailed

        if isinstance(event, DownloadCompleted):
            self.notify(
                t("Downloaded: {name}", name=one_line(event.item.title_name or event.item.name)),
                markup=False,
            )
        elif isinstance(event, DownloadFailed):
            self.notify(
                t(
                    "Download failed: {name}: {error}",
                    name=one_line(event.item.title_name or event.item.name),
                    error=one_line(event.item.error or ""),
                ),
                severity="error",
                markup=False,
                timeout=10,
            )
        self.download_events.publish(event)

    def add_download(
        self,
        spec: TorrentSpec,
        *,
        source: str,
        title_id: int | None = None,
        title_name: str | None = None,
        episodes: str | None = None,
    ) -> None:
        """Queue `spec`: the user picks its files first when it has several."""
        self.run_worker(
            self._add_download(spec, source, title_id, title_name, episodes),
            group="add-download",
            exit_on_error=False,
        )

    async def _add_download(
        self,
        spec: TorrentSpec,
        source: str,
        title_id: int | None,
        title_name: str | None,
        episodes: str | None,
        *,
        selected: tuple[int, ...] | None = None,
    ) -> None:
        """Add `spec` to the queue; without `selected`, a batch opens the file picker first."""
        from app.screens.file_picker import FilePickerScreen
        from app.services.downloads import DownloadError, DuplicateDownloadError

        if self.runtime.browse_only:
            self.notify(
                t("Downloads are off: another anitui owns the download queue."), markup=False
            )
            return
        queue = await self.downloads()
        if queue is None:
            return
        existing = queue.find(spec.info_hash)
        if existing is not None:
            # Before the file picker: choosing files for a refused download would be wasted.
            self.notify(str(DuplicateDownloadError(existing)), severity="warning", markup=False)
            return
        if selected is None and len(spec.files) > 1:
            selected = await self.push_screen_wait(
                FilePickerScreen(spec.name, spec.files, free_space=queue.free_space())
            )
            if selected is None:
                return
            if len(selected) == len(spec.files):
                selected = None
        try:
            item = queue.add(
                spec,
                title_id=title_id,
                title_name=title_name,
                episodes=episodes,
                source=source,
                selected=selected,
            )
        except DownloadError as error:
            self.notify(one_line(str(error)), severity="warning", markup=False, timeout=8)
            return
        self.notify(
            t("Added to downloads: {name} (6 opens Downloads)", name=one_line(item.name)),
            markup=False,
        )

    async def read_title_torrent(self, torrent: Torrent) -> TorrentSpec | None:
        """The checked .torrent of one of a title's torrents; None (and a message) when it
        cannot be had or is refused."""
        from app.services.torrent_meta import TorrentInputError, parse_torrent

        try:
            data = await self.runtime.catalog.torrent_file(torrent)
            return await asyncio.to_thread(parse_torrent, data)
        except (SourceError, TorrentInputError) as error:
            self.notify(
                t("Cannot download this torrent: {reason}", reason=one_line(str(error))),
                severity="error",
                markup=False,
            )
            return None

    async def _download_episode(self, title: Title, episode: int | float) -> None:
        """Queue only `episode` from the first of the title's torrents that holds it."""
        from app.services.torrent_meta import episode_in_file_name

        torrents = title.torrents.list if title.torrents else ()
        torrent = next(
            (
                tr
                for tr in torrents
                if tr.series.first is not None
                and tr.series.last is not None
                and tr.series.first <= episode <= tr.series.last
            ),
            None,
        )
        if torrent is None:
            self.notify(
                t("No torrent of this title holds episode {episode}.", episode=episode),
                severity="warning",
                markup=False,
            )
            return
        spec = await self.read_title_torrent(torrent)
        if spec is None:
            return
        chosen = tuple(f.index for f in spec.files if episode_in_file_name(f.path) == episode)
        await self._add_download(
            spec,
            "anilibria",
            title.id,
            title.names.ru or title.display_name,
            torrent.series.string,
            selected=chosen if chosen and len(spec.files) > 1 else None,
        )

    def play_download(self, item: DownloadItem) -> None:
        """Play the video of a download while it downloads (through the loopback range server)."""
        self.run_worker(
            self._play_download(item), group="play", exclusive=True, exit_on_error=False
        )

    async def _play_download(self, item: DownloadItem) -> None:
        from app.services.torrent_meta import episode_in_file_name

        if self.runtime.browse_only:
            self.notify(t("Playback is off: another anitui owns the player."), markup=False)
            return
        queue = await self.downloads()
        if queue is None:
            return
        video = queue.video_file(item.id)
        if video is None:
            self.notify(t("This download has no video file to play."), markup=False)
            return
        url = await self.runtime.stream_url(item.info_hash, video.index)
        if url is None:
            self.notify(t("This download cannot be played yet."), markup=False)
            return
        name = one_line(video.path.rsplit("/", 1)[-1])
        # A known title's episode resumes and counts in history like a streamed one.
        episode = episode_in_file_name(name) if item.title_id is not None else None
        await self.runtime.player.play_file(url, name, title_id=item.title_id, episode=episode)

    def set_now_playing(self, state: NowPlaying | None) -> None:
        self.now_playing = state
        self.now_playing_changed.publish(state)
        self.refresh_bindings()

    def play_episode(self, title: Title, episode: int | float) -> None:
        """Start `episode` of `title` (a full title, with its player); without a display the
        user (or `[player] no_display`) picks terminal video, audio only or the URL."""
        if self.runtime.browse_only:
            self.notify(t("Playback is off: another anitui owns the player."), markup=False)
            return
        config = self.settings.player
        if config.vo or not without_display(os.environ):
            self.play_as("audio", title, episode)
        elif config.no_display != "ask":
            self.play_as(config.no_display, title, episode)
        else:
            self.run_worker(
                self._ask_how_to_play(title, episode), group="play", exit_on_error=False
            )

    async def _ask_how_to_play(self, title: Title, episode: int | float) -> None:
        from app.screens.play_choice import PlayChoiceScreen

        outputs = await asyncio.to_thread(terminal_outputs)
        self.push_screen(
            PlayChoiceScreen(outputs[0] if outputs else None),
            lambda choice: self.play_as(choice, title, episode) if choice else None,
        )

    def play_as(self, how: str, title: Title, episode: int | float) -> None:
        """`audio`: libmpv in-process (a window where a display exists); `terminal`: the mpv
        command in the suspended terminal; `url`: the stream URL to the clipboard (OSC 52);
        `download`: the episode's file from the title's torrent, queued."""
        if how == "download":
            self.run_worker(
                self._download_episode(title, episode), group="add-download", exit_on_error=False
            )
            return
        if how == "terminal":
            work = self._play_in_terminal(title, episode)
        elif how == "url":
            work = self._copy_stream_url(title, episode)
        else:
            work = self._play(title, episode)
        self.run_worker(work, group="play", exclusive=True, exit_on_error=False)

    async def _play_in_terminal(self, title: Title, episode: int | float) -> None:
        outputs = await asyncio.to_thread(terminal_outputs)
        if not outputs:
            self.notify(
                t("Terminal video needs the mpv command: sudo apt-get install -y mpv"),
                severity="error",
                markup=False,
            )
            return
        client = self.runtime.catalog.client
        stream = self.runtime.player.external_stream(title, episode, stream_url=client.stream_url)
        if stream is None:
            return
        url, start, media_title = stream
        await self.runtime.player.stop()
        # Positions and the watched mark reach history as from the in-process player.
        playback = self.runtime.player.external_playback(title, episode)
        code = 0
        with ipc_socket_path() as socket_path:
            command = terminal_command(
                url,
                outputs[0],
                start=start,
                title=media_title,
                ao=self.settings.player.ao or None,
                ipc_server=socket_path,
            )
            try:
                with self.suspend():
                    # Awaited, not run: the event loop (and every service on it) keeps going
                    # while mpv has the terminal, and follows it over the IPC socket.
                    code = await run_mpv(command, socket_path, playback)
            except SuspendNotSupported:
                self.notify(
                    t("Terminal video needs a real terminal."), severity="error", markup=False
                )
        self.refresh(layout=True)
        # 4: quit by a signal (the user's ctrl+c in mpv).
        if code not in (0, 4):
            self.notify(
                t(
                    "mpv could not play episode {episode} (exit code {code}).",
                    episode=episode,
                    code=code,
                ),
                severity="error",
                markup=False,
                timeout=8,
            )

    async def _copy_stream_url(self, title: Title, episode: int | float) -> None:
        client = self.runtime.catalog.client
        stream = self.runtime.player.external_stream(title, episode, stream_url=client.stream_url)
        if stream is not None:
            self.copy_to_clipboard(stream[0])
            self.notify(t("Stream URL copied to the clipboard."), markup=False)

    async def _play(self, title: Title, episode: int | float) -> None:
        client = self.runtime.catalog.client
        try:
            # Fetched when the Title screen opened (warm_caching_nodes): no round trip now.
            nodes: tuple[str, ...] = (await client.get_caching_nodes(cache_only=True)).value
        except SourceError:
            nodes = ()
        await self.runtime.player.play(
            title, episode, stream_url=client.stream_url, caching_nodes=nodes
        )

    async def warm_caching_nodes(self) -> None:
        """Refresh the list of stream hosts in the background, so playing never waits on it."""
        with contextlib.suppress(SourceError):
            await self.runtime.catalog.client.get_caching_nodes()

    def continue_title(self, title: Title) -> None:
        """Play the next unwatched episode of `title` (a full title), resuming a started one."""
        episodes = title.player.episodes if title.player else ()
        if not episodes:
            self.notify(t("No episodes to play yet."), markup=False)
            return
        episode = self.runtime.history.next_unwatched(title.id, [e.serie for e in episodes])
        if episode is None:
            self.notify(t("Every episode is watched."), markup=False)
            return
        self.play_episode(title, episode)

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
        await getattr(self.runtime.player, command)()

    async def action_seek(self, seconds: float) -> None:
        await self.runtime.player.seek(seconds)

    async def action_volume(self, delta: float) -> None:
        await self.runtime.player.change_volume(delta)

    # actions -------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit; while something plays, only when asked twice (a stray q must not stop it)."""
        now = time.monotonic()
        busy = None
        if self.now_playing is not None:
            busy = t("Something is playing: press q again to quit.")
        elif self.downloads_running():
            busy = t("Downloads are running (they resume next time): press q again to quit.")
        if busy and (self.quit_armed_at is None or now - self.quit_armed_at > QUIT_CONFIRM_SECONDS):
            self.quit_armed_at = now
            self.notify(busy, markup=False)
            return
        self.exit()

    def downloads_running(self) -> bool:
        queue = self.runtime.opened_downloads
        return queue is not None and queue.statistics().active_count > 0

    def action_open_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_go_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        from app.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_refresh(self) -> None:
        refresh = getattr(self.screen, "action_refresh_screen", None)
        if refresh is not None:
            refresh()

    def action_random_title(self) -> None:
        self.run_worker(
            self._open_random_title(), group="random", exclusive=True, exit_on_error=False
        )

    async def _open_random_title(self) -> None:
        from app.screens.title import TitleScreen

        title = await self.runtime.catalog.random_title()
        self.push_screen(TitleScreen(title.id))

    def open_title(self, title_id: int) -> None:
        """Push the Title screen for `title_id` on the current mode's stack."""
        from app.screens.title import TitleScreen

        self.push_screen(TitleScreen(title_id))

    async def action_switch_language(self) -> None:
        """Toggle English / Russian for the whole interface, without losing the screen stack."""
        from app.screens.base import AniScreen

        i18n.set_language("ru" if i18n.language() == "en" else "en")
        if self._merged_bindings is not None:
            self._bindings = self._merged_bindings.copy()
        localize_bindings(self)
        if isinstance(self.screen, ModalScreen):
            self.pop_screen()
        # Other modes are rebuilt when next opened; the visible stack is redrawn in place.
        for mode in self.MODES:
            if mode != self.current_mode:
                await self.remove_mode(mode)
                self.add_mode(mode, self.MODES[mode])
        for screen in self.screen_stack:
            if isinstance(screen, AniScreen):
                await screen.relocalize()
        self.refresh_bindings()
        self.notify(t("Language: {lang}", lang=i18n.language()), markup=False)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand(t("Schedule"), t("Schedule"), lambda: self.action_open_mode("schedule"))
        yield SystemCommand(t("Updates"), t("Updates"), lambda: self.action_open_mode("updates"))
        yield SystemCommand(t("Search"), t("Search"), lambda: self.action_open_mode("search"))
        yield SystemCommand(t("Torrents"), t("Torrents"), lambda: self.action_open_mode("torrents"))
        yield SystemCommand(
            t("Favorites"), t("Favorites"), lambda: self.action_open_mode("favorites")
        )
        yield SystemCommand(
            t("Downloads"), t("Downloads"), lambda: self.action_open_mode("downloads")
        )
        yield SystemCommand(
            t("Log in to AniLibria"), t("Sync your favorites with your account"), self.log_in
        )
        yield SystemCommand(t("Log out"), t("Forget the AniLibria session"), self.log_out)
        yield SystemCommand(
            t("Export favorites"), t("Save your favorites as a JSON file"), self.export_favorites
        )
        yield SystemCommand(
            t("Import favorites"),
            t("Add the favorites of an exported JSON file"),
            self.import_favorites,
        )
        yield SystemCommand(t("History"), t("History"), lambda: self.action_open_mode("history"))
        yield SystemCommand(t("Feed"), t("Feed"), lambda: self.action_open_mode("feed"))
        yield SystemCommand(t("Random title"), t("Random title"), self.action_random_title)
        yield SystemCommand(t("Help"), t("Help"), self.action_help)
        yield SystemCommand(
            t("Switch language"), t("English / Russian"), self.action_switch_language
        )
        yield SystemCommand(t("Quit"), t("Quit"), self.exit)

    # errors --------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported; screens handle what they expect."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from app.widgets.status_line import describe_error

            self.notify(describe_error(event.worker.error), severity="error", markup=False)


def _updates_screen() -> Screen[None]:
    # Screens other than the first are imported when first opened: faster first paint.
    from app.screens.updates import UpdatesScreen

    return UpdatesScreen()


def _search_screen() -> Screen[None]:
    from app.screens.search import SearchScreen

    return SearchScreen()


def _torrents_screen() -> Screen[None]:
    from app.screens.torrents import TorrentsScreen

    return TorrentsScreen()


def _favorites_screen() -> Screen[None]:
    from app.screens.favorites import FavoritesScreen

    return FavoritesScreen()


def _downloads_screen() -> Screen[None]:
    from app.screens.downloads import DownloadsScreen

    return DownloadsScreen()


def _feed_screen() -> Screen[None]:
    from app.screens.feed import FeedScreen

    return FeedScreen()


def _history_screen() -> Screen[None]:
    from app.screens.history import HistoryScreen

    return HistoryScreen()


def make_app(
    settings: Settings, *, runtime: Runtime | None = None, clock: Callable[[], float] = time.time
) -> AniApp:
    """The real app for `settings`; tests and --demo use it with temp dirs and local servers."""
    import os

    i18n.set_language(i18n.resolve_language(settings.lang, os.environ))
    return AniApp(runtime or Runtime.open(settings), clock=clock)

"""Playing: an episode (with the no-display choice), a title's next unwatched episode, a
download while it downloads; the player's events become the Now-playing state and messages."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from app.controllers.base import Controller
from app.i18n import t
from app.messages import CopyRequested, EpisodeDownloadRequested
from app.plaintext import one_line
from app.services.events import PlayerEvent
from app.services.stderr_log import terminal_stderr
from app.services.terminal_video import (
    ipc_socket_path,
    pick_output,
    run_mpv,
    terminal_audio,
    terminal_command,
    terminal_outputs,
    without_display,
)
from app.shell import NowPlaying
from app.sources.anilibria.models import Title
from app.sources.errors import SourceError
from app.store.kv import KeyValueStore
from app.widgets.now_playing import skip_prompt
from app.widgets.status_line import explain

if TYPE_CHECKING:
    from app.services.downloads import DownloadItem


def next_episode(title: Title, episode: int | float) -> int | float | None:
    """The episode after `episode` in the title's playlist, None after the last."""
    episodes = [e.serie for e in title.player.episodes] if title.player else []
    index = episodes.index(episode) if episode in episodes else len(episodes)
    return episodes[index + 1] if index + 1 < len(episodes) else None


PLAYBACK_OFF = "Playback is off: another anitui owns the player."

HINT_SECONDS = 1.5
"""How long terminal video's "q comes back" line stays before mpv draws over it."""

NO_DISPLAY_KEY = "player.no_display"
"""The kv key of the no-display answer chosen "always" (`[player] no_display` values)."""

NO_DISPLAY_CHOICES = {
    "ask": "Ask each time",
    "terminal": "In this terminal (mpv's terminal video)",
    "audio": "Audio only",
    "url": "Copy the stream URL to the clipboard",
    "download": "Download the episode instead",
}
"""The palette's answers to "how should episodes play without a display?" (msgids)."""


class PlaybackController(Controller):
    """Plays what the screens ask for and keeps the shell's Now-playing state."""

    # events --------------------------------------------------------------------------------

    def on_event(self, event: PlayerEvent) -> None:
        """Player events become the Now-playing state, watched marks and messages."""
        # The player's module is loaded once it runs (it publishes these), not at start-up.
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

        shell = self.shell
        state = shell.now_playing
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
            self.tell(skip_prompt(event.kind), timeout=max(2.0, min(event.end - event.start, 8.0)))
        elif isinstance(event, PlaybackStopped):
            shell.history_changed.publish(event.title_id)
            self.set_now_playing(None)
        elif isinstance(event, (EpisodeWatched, EpisodeFinished)):
            shell.history_changed.publish(event.title_id)
        elif isinstance(event, SkipApplied):
            if state is not None and state.skip_offer is not None:
                self.set_now_playing(replace(state, skip_offer=None))
            self.tell(t("Skipped the {kind}.", kind=t(event.kind)), timeout=3)
        elif isinstance(event, PlaybackFailed):
            self.set_now_playing(None)
            self.tell(explain(event.message, event.values), severity="error", timeout=8)
        elif isinstance(event, PlayerUnavailable):
            self.tell(explain(event.reason, event.values), severity="error", timeout=10)

    def set_now_playing(self, state: NowPlaying | None) -> None:
        shell = self.shell
        shell.now_playing = state
        shell.now_playing_changed.publish(state)
        # The player keys are live only while something plays.
        self.app.refresh_bindings()

    # requests ------------------------------------------------------------------------------

    def play_episode(self, title: Title, episode: int | float) -> None:
        """Start `episode` of `title` (a full title, with its player); without a display the
        user (or `[player] no_display`) picks terminal video, audio only or the URL."""
        if self.runtime.browse_only:
            self.tell(t(PLAYBACK_OFF))
            return
        how = self._no_display()
        if self.runtime.settings.player.vo or not without_display(os.environ):
            self.play_as("audio", title, episode)
        elif how != "ask":
            self.play_as(how, title, episode)
        else:
            self.run(self._ask_how_to_play(title, episode), "play")

    def _no_display(self) -> str:
        """How to play without a display: the user's settings win over a remembered answer."""
        settings = self.runtime.settings
        if settings.is_explicit("player.no_display"):
            return settings.player.no_display
        return KeyValueStore(self.runtime.db).get(NO_DISPLAY_KEY) or "ask"

    def choose_no_display(self) -> None:
        """The palette's question: ask each time, or always play one way without a display."""
        from app.screens.choice import Choice, ChoiceScreen

        settings = self.runtime.settings
        if settings.is_explicit("player.no_display"):
            self.tell(
                t(
                    "Your settings decide this: [player] no_display = {how}.",
                    how=settings.player.no_display,
                )
            )
            return
        current = self._no_display()
        choices = [
            Choice(how, ("● " if how == current else "  ") + t(label))
            for how, label in NO_DISPLAY_CHOICES.items()
        ]

        def chosen(how: str | None) -> None:
            if how is not None:
                KeyValueStore(self.runtime.db).set(NO_DISPLAY_KEY, how)
                self.tell(t("Without a display: {how}.", how=t(NO_DISPLAY_CHOICES[how])))

        self.app.push_screen(
            ChoiceScreen(t("Without a display, how should episodes play?"), choices), chosen
        )

    def continue_title(self, title_id: int, title: Title | None) -> None:
        """Play the next unwatched episode of a title, resuming a started one."""
        self.run(self._continue(title_id, title), "continue", exclusive=True)

    async def _continue(self, title_id: int, title: Title | None) -> None:
        if title is None or title.player is None:
            # Lists carry no full player (episodes, hosts): fetch the title as the Title screen
            # does; offline, its cached copy stands in.
            catalog = self.runtime.catalog
            try:
                title = (await catalog.title(title_id)).value
            except SourceError as error:
                try:
                    title = (await catalog.title(title_id, cache_only=True)).value
                except SourceError:
                    raise error from None
        episodes = title.player.episodes if title.player else ()
        if not episodes:
            self.tell(t("No episodes to play yet."))
            return
        episode = self.runtime.history.next_unwatched(title.id, [e.serie for e in episodes])
        if episode is None:
            self.tell(t("Every episode is watched."))
            return
        self.play_episode(title, episode)

    def play_download(self, item: DownloadItem) -> None:
        """Play the video of a download while it downloads (through the loopback range
        server)."""
        self.run(self._play_download(item), "play", exclusive=True)

    async def _play_download(self, item: DownloadItem) -> None:
        from app.services.episode_numbers import episode_from_name

        if self.runtime.browse_only:
            self.tell(t(PLAYBACK_OFF))
            return
        queue = await self.runtime.downloads()
        if queue is None:
            return
        video = queue.video_file(item.id)
        if video is None:
            self.tell(t("This download has no video file to play."))
            return
        url = await self.runtime.stream_url(item.info_hash, video.index)
        if url is None:
            self.tell(t("This download cannot be played yet."))
            return
        name = one_line(video.path.rsplit("/", 1)[-1])
        # A known title's episode resumes and counts in history like a streamed one.
        episode = episode_from_name(name) if item.title_id is not None else None
        await self.runtime.player.play_file(url, name, title_id=item.title_id, episode=episode)

    def play_local_file(self, path: Path, title_id: int | None, episode: float | None) -> None:
        """Play a video file of the local library; a known title's episode resumes and counts
        in history like a streamed one."""
        self.run(self._play_local_file(path, title_id, episode), "play", exclusive=True)

    async def _play_local_file(
        self, path: Path, title_id: int | None, episode: float | None
    ) -> None:
        if self.runtime.browse_only:
            self.tell(t(PLAYBACK_OFF))
            return
        if not path.is_file():
            self.tell(t("The file is gone: {file}", file=one_line(path.name)), severity="warning")
            return
        await self.runtime.player.play_file(
            str(path), one_line(path.name), title_id=title_id, episode=episode
        )

    # how to play ---------------------------------------------------------------------------

    async def _ask_how_to_play(self, title: Title, episode: int | float) -> None:
        from app.screens.choice import Choice, ChoiceScreen

        vo = pick_output(await asyncio.to_thread(terminal_outputs), os.environ)
        terminal = (
            t("In this terminal (mpv --vo={vo}; q comes back)", vo=vo)
            if vo
            else t("In this terminal — needs the mpv command: sudo apt-get install -y mpv")
        )
        choices = [
            Choice("terminal", terminal, disabled=vo is None),
            Choice("audio", t("Audio only")),
            Choice("url", t("Copy the stream URL to the clipboard")),
            Choice("download", t("Download the episode instead")),
        ]
        screen = ChoiceScreen(
            t("No display here: how should the episode play?"),
            choices,
            remember=t("Always play this way (a; the palette changes it)"),
        )

        def chosen(how: str | None) -> None:
            if how is None:
                return
            if screen.remembered:
                KeyValueStore(self.runtime.db).set(NO_DISPLAY_KEY, how)
            self.play_as(how, title, episode)

        self.app.push_screen(screen, chosen)

    def play_as(self, how: str, title: Title, episode: int | float) -> None:
        """`audio`: libmpv in-process (a window where a display exists); `terminal`: the mpv
        command in the suspended terminal; `url`: the stream URL to the clipboard (OSC 52);
        `download`: the episode's file from the title's torrent, queued."""
        if how == "download":
            self.app.post_message(EpisodeDownloadRequested(title, episode))
            return
        if how == "terminal":
            work = self._play_in_terminal(title, episode)
        elif how == "url":
            work = self._copy_stream_url(title, episode)
        else:
            work = self._play(title, episode)
        self.run(work, "play", exclusive=True)

    async def _play_in_terminal(self, title: Title, episode: int | float) -> None:
        vo = pick_output(await asyncio.to_thread(terminal_outputs), os.environ)
        if vo is None:
            self.tell(
                t("Terminal video needs the mpv command: sudo apt-get install -y mpv"),
                severity="error",
            )
            return
        player = self.runtime.player
        await player.stop()
        code: int | None = 0
        try:
            with self.app.suspend(), terminal_stderr():
                # The terminal stays mpv's from one episode to the next, as autoplay goes on
                # in-process; `q` (or an error) gives it back.
                while True:
                    code, finished = await self._terminal_episode(title, episode, vo)
                    upcoming = next_episode(title, episode)
                    if not (finished and player.settings.autoplay and upcoming is not None):
                        break
                    episode = upcoming
        except SuspendNotSupported:
            self.tell(t("Terminal video needs a real terminal."), severity="error")
        self.app.refresh(layout=True)
        # 4: quit by a signal (the user's ctrl+c in mpv).
        if code not in (None, 0, 4):
            self.tell(
                t(
                    "mpv could not play episode {episode} (exit code {code}).",
                    episode=episode,
                    code=code,
                ),
                severity="error",
                timeout=8,
            )

    async def _terminal_episode(
        self, title: Title, episode: int | float, vo: str
    ) -> tuple[int | None, bool]:
        """Play `episode` with the mpv command in the (suspended) terminal: mpv's exit code
        (None: no stream, a `PlaybackFailed` says why) and whether it reached the end."""
        player = self.runtime.player
        stream = player.external_stream(
            title, episode, stream_url=self.runtime.catalog.client.stream_url
        )
        if stream is None:
            return None, False
        url, start, media_title = stream
        # Positions and the watched mark reach history as from the in-process player.
        playback = player.external_playback(title, episode)
        configured = self.runtime.settings.player.ao
        ao = terminal_audio(configured, os.environ)
        hint = t("{title} in mpv: q comes back to anitui.", title=media_title)
        if ao == "null" and not configured:
            hint += " " + t("No sound device here: picture only.")
        # mpv's own screen has no word on leaving it.
        print("\n" + hint, flush=True)
        await asyncio.sleep(HINT_SECONDS)
        with ipc_socket_path() as socket_path:
            command = terminal_command(
                url,
                vo,
                start=start,
                title=media_title,
                ao=ao,
                ipc_server=socket_path,
            )
            # Awaited, not run: the event loop (and every service on it) keeps going while mpv
            # has the terminal, and follows it over the IPC socket.
            code = await run_mpv(command, socket_path, playback)
        return code, playback.reached_end

    async def _copy_stream_url(self, title: Title, episode: int | float) -> None:
        stream = self.runtime.player.external_stream(
            title, episode, stream_url=self.runtime.catalog.client.stream_url
        )
        if stream is not None:
            self.app.post_message(CopyRequested(stream[0], t("Stream URL")))

    async def _play(self, title: Title, episode: int | float) -> None:
        catalog = self.runtime.catalog
        # Fetched when the Title screen opened: no round trip now.
        nodes = await catalog.caching_nodes(cache_only=True)
        await self.runtime.player.play(
            title, episode, stream_url=catalog.client.stream_url, caching_nodes=nodes
        )

"""Episode playback through libmpv (python-mpv), with resume, skips, quality and host fallback.

Threads: libmpv calls back on python-mpv's event thread. Those callbacks only copy a few plain
values and hand them to this service's asyncio loop (`call_soon_threadsafe`); everything else
(history writes, skips, next episode, host fallback, bus events) runs on the loop, one event at
a time, so the service needs no locks. `MPV()` and `terminate()` run in worker threads
(`asyncio.to_thread`): they block, and `terminate()` must never run on the event thread
(PITFALLS.md: python-mpv / libmpv).

Screens: the libmpv handle is in-process. `vo` defaults to a window when a display exists and
to `null` otherwise; terminal video (tct, sixel) must run as a separate `mpv` process while the
app is suspended (`terminal_video.py`), and `ExternalPlayback` records that one's history by
this service's rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import locale
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from app.i18n import t
from app.services.errors import ExplainedError
from app.services.events import EventBus, PlayerEvent
from app.sources.anilibria.models import Episode, Player, Title
from app.store.history import HistoryStore

__all__ = [
    "INSTALL_COMMAND",
    "QUALITIES",
    "EpisodeFinished",
    "EpisodeWatched",
    "ExternalPlayback",
    "PlaybackFailed",
    "PlaybackProgressed",
    "PlaybackStarted",
    "PlaybackStopped",
    "PlayerService",
    "PlayerSettings",
    "PlayerUnavailable",
    "SkipApplied",
    "SkipKind",
    "SkipMode",
    "SkipOffered",
    "TrackChanged",
]

log = logging.getLogger("anitui.player")

INSTALL_COMMAND = "sudo apt-get install -y libmpv2"
"""How to install libmpv on Debian/Ubuntu; shown when it is missing."""

QUALITIES = ("fhd", "hd", "sd")
"""The playlist's HLS qualities, best first (1080p, 720p, 480p)."""

SkipMode = Literal["auto", "ask", "off"]
"""`auto` seeks over openings/endings, `ask` publishes `SkipOffered`, `off` does nothing."""

SkipKind = Literal["opening", "ending"]
"""Which range of an episode a skip is about."""

# mpv's end-file reasons (struct mpv_event_end_file), and the event ids forwarded to the loop.
_END_EOF = 0
_END_ERROR = 4
_START_FILE = 6
_END_FILE = 7
_FILE_LOADED = 8
_SHUTDOWN = 1

_OBSERVED = ("time-pos", "duration", "pause", "volume", "mute", "aid", "sid")

mpv_log = logging.getLogger("anitui.mpv")

_MPV_LOG_LEVELS = {"fatal": logging.ERROR, "error": logging.ERROR, "warn": logging.WARNING}


def _log_mpv(level: str, prefix: str, text: str) -> None:
    """libmpv's messages (`terminal=no` keeps them off the screen) into the app's log. On
    libmpv's event thread: logging is thread-safe and quick."""
    mpv_log.log(_MPV_LOG_LEVELS.get(level, logging.INFO), "%s: %s", prefix, text.rstrip())


@dataclass(frozen=True)
class PlayerSettings:
    """How episodes are played; `[player]` in config.toml maps onto these fields."""

    quality_order: tuple[str, ...] = QUALITIES
    """Preferred qualities, first choice first; the best available one stands in for the rest."""
    skip_mode: SkipMode = "auto"
    """What to do at an episode's opening / ending range (`skips` in the playlist)."""
    autoplay: bool = True
    """Start the next episode when one plays to its end."""
    watched_threshold: float = 0.85
    """Fraction of an episode after which it counts as watched."""
    save_interval: float = 10.0
    """Seconds between resume-position saves while playing (also saved on stop)."""
    progress_interval: float = 0.25
    """Minimum seconds between `PlaybackProgressed` events (state changes go out at once)."""
    use_user_mpv_config: bool = True
    """Read the user's `mpv.conf` (the app's own essential options still win)."""
    mpv_config_dir: Path | None = None
    """mpv's config dir; None: `$MPV_HOME`, else `$XDG_CONFIG_HOME/mpv` or `~/.config/mpv`."""
    vo: str | None = None
    """mpv video output; None: `gpu` (a window) when a display exists, else `null`."""
    ao: str | None = None
    """mpv audio output; None: the user's config or mpv's own choice."""
    network_timeout: float = 15.0
    """Seconds before a silent stream host counts as failed and the next one is tried."""


# -------------------------------------------------------------------------------------------
# Events (published on the bus; all fields are plain values)


@dataclass(frozen=True)
class PlaybackStarted(PlayerEvent):
    """An episode's stream opened (also after a quality switch or a host fallback)."""

    title_id: int
    episode: int | float
    media_title: str
    quality: str
    host: str
    start: float
    """Where playback began (the resume point), in seconds."""


@dataclass(frozen=True)
class PlaybackProgressed(PlayerEvent):
    """Where playback is; at most one per `progress_interval` unless the state changed."""

    title_id: int
    episode: int | float
    position: float
    duration: float | None
    paused: bool
    volume: float
    muted: bool
    quality: str
    skip_offered: SkipKind | None = None
    """In `ask` mode: the range on offer (`accept_skip()` skips it); None once it has passed."""


@dataclass(frozen=True)
class SkipApplied(PlayerEvent):
    """An opening or ending was skipped (seeked over) automatically or on request."""

    title_id: int
    episode: int | float
    kind: SkipKind
    start: float
    end: float


@dataclass(frozen=True)
class SkipOffered(PlayerEvent):
    """In `ask` mode: playback entered an opening / ending; `accept_skip()` skips it."""

    title_id: int
    episode: int | float
    kind: SkipKind
    start: float
    end: float


@dataclass(frozen=True)
class EpisodeWatched(PlayerEvent):
    """An episode's watched mark changed: past the threshold, at its end, or by hand."""

    title_id: int
    episode: int | float
    watched: bool = True


@dataclass(frozen=True)
class EpisodeFinished(PlayerEvent):
    """An episode played to its end; `next_episode` is what autoplay starts (None: nothing)."""

    title_id: int
    episode: int | float
    watched: bool
    next_episode: int | float | None


@dataclass(frozen=True)
class PlaybackStopped(PlayerEvent):
    """Playback ended without an error (stop, or the last episode finished)."""

    title_id: int
    episode: int | float
    position: float


@dataclass(frozen=True)
class PlaybackFailed(PlayerEvent):
    """An episode cannot be played; `message` (an English msgid) filled with `values` says
    why (the UI translates it)."""

    title_id: int
    episode: int | float | None
    message: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PlayerUnavailable(PlayerEvent):
    """libmpv (or python-mpv) is missing; `reason` (an English msgid) filled with `values`
    says how to install it (the UI translates it)."""

    reason: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackChanged(PlayerEvent):
    """The audio or subtitle track changed; `track` is mpv's track id, None when off."""

    kind: Literal["audio", "subtitles"]
    track: int | None


# -------------------------------------------------------------------------------------------


@dataclass
class _Skip:
    kind: SkipKind
    start: float
    end: float
    done: bool = False
    """Skipped or offered once: a seek landing inside the range again must not loop."""


@dataclass
class _Session:
    """The episode being played and what is known about its playback."""

    title: Title
    player: Player
    index: int
    quality: str
    hosts: tuple[str, ...]
    stream_url: Callable[[Player, str], str]
    host_index: int = 0
    start: float = 0.0
    position: float | None = None
    duration: float | None = None
    loaded: bool = False
    watched: bool = False
    skips: list[_Skip] = field(default_factory=list)
    offered: _Skip | None = None
    saved_at: float = 0.0
    recorded: bool = True
    """Whether positions and watched marks go to history (a file of an unknown title: no)."""
    label: str | None = None
    """The media title when it is not "<title> — episode N" (a downloaded file's name)."""

    @property
    def episode(self) -> Episode:
        return self.player.episodes[self.index]

    @property
    def number(self) -> int | float:
        return self.episode.serie

    @property
    def resume_point(self) -> float:
        return self.position if self.position is not None else self.start


def _episode_skips(episode: Episode, offset: float) -> list[_Skip]:
    """The episode's opening / ending ranges shifted by the title's skip offset."""
    ranges: tuple[tuple[SkipKind, tuple[float, ...]], ...] = (
        ("opening", episode.skips.opening),
        ("ending", episode.skips.ending),
    )
    return [
        _Skip(kind, max(0.0, rng[0] + offset), rng[1] + offset)
        for kind, rng in ranges
        if len(rng) >= 2 and rng[1] > rng[0] and rng[1] + offset > 0
    ]


def _hls_path(episode: Episode, quality: str) -> str | None:
    path: str | None = getattr(episode.hls, quality, None)
    return path


def _available_qualities(episode: Episode) -> list[str]:
    return [q for q in QUALITIES if _hls_path(episode, q)]


def _media_title(session: _Session) -> str:
    return session.label or _episode_media_title(session.title, session.number)


def _episode_media_title(title: Title, number: int | float) -> str:
    # Shown as is by the Now-playing bar and mpv's own title: a value, not an error to explain.
    return t("{title} — episode {number}", title=title.display_name, number=number)


def _quote(value: str) -> str:
    """mpv's `%len%` quoting: the value may hold commas and `=` (a title in loadfile options)."""
    return f"%{len(value.encode())}%{value}"


def _default_config_dir() -> Path:
    if home := os.environ.get("MPV_HOME"):
        return Path(home)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mpv"


class PlayerService:
    """Plays AniLibria episodes with libmpv and keeps the history store up to date.

    Methods are called on the app's asyncio loop. Nothing raises into the UI: problems are
    published as `PlaybackFailed` / `PlayerUnavailable`. Controls do nothing when idle.
    """

    def __init__(
        self,
        bus: EventBus,
        history: HistoryStore,
        *,
        settings: PlayerSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Use `bus` for events, `history` for positions; libmpv is loaded on first play.

        `clock` (unix seconds) stamps history rows and paces the periodic position saves.
        """
        self._bus = bus
        self._history = history
        self._settings = settings
        self._clock = clock
        self._module: ModuleType | None = None
        self._unavailable: ExplainedError | None = None
        # The python-mpv MPV object; untyped library, so Any (only commands/properties used).
        self._mpv: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: _Session | None = None
        # Loads issued whose start-file has not arrived: events before it belong to the
        # previous file. `_entry` is mpv's playlist entry id of the current load.
        self._pending_starts = 0
        self._entry: int | None = None
        self._paused = False
        self._volume = 100.0
        self._muted = False
        self._progress_at = float("-inf")
        self._trailing_progress: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Two quick play() calls must not start two libmpv instances.
        self._start_lock = asyncio.Lock()

    # --- availability ---------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """Whether libmpv can be loaded (tries to import it the first time it is asked)."""
        return self._load_module() is not None

    @property
    def unavailable_reason(self) -> str | None:
        """Why playback is impossible, with the install command; None when it is possible."""
        self._load_module()
        return None if self._unavailable is None else str(self._unavailable)

    @property
    def settings(self) -> PlayerSettings:
        """The settings in force."""
        return self._settings

    @property
    def playing(self) -> bool:
        """Whether an episode is loaded (playing or paused)."""
        return self._session is not None

    def _load_module(self) -> ModuleType | None:
        if self._module is None and self._unavailable is None:
            try:
                self._module = importlib.import_module("mpv")
            except OSError as exc:
                self._unavailable = ExplainedError(
                    "libmpv is not installed ({reason}). Install it: {command}",
                    reason=str(exc),
                    command=INSTALL_COMMAND,
                )
            except ImportError as exc:
                self._unavailable = ExplainedError(
                    "python-mpv is missing ({reason}): reinstall anitui", reason=str(exc)
                )
        return self._module

    async def prepare(self) -> None:
        """Get libmpv ready ahead of a likely `play()` (a Title screen opened), off the event
        loop: loaded, and an idle player started, so that the keypress only opens the stream
        (starting libmpv is 20-40 ms of the first frame). Quiet when libmpv is missing or
        cannot start: `play()` says why, if the user asks for it."""
        await self._ensure_mpv(announce=False)

    async def _ensure_mpv(self, *, announce: bool = True) -> bool:
        async with self._start_lock:
            if self._mpv is not None:
                if not self._mpv.core_shutdown:
                    return True
                # Died an instant ago; its shutdown event is still on its way.
                self._dispose(self._mpv)
                self._mpv = None
            # Importing python-mpv loads libmpv and its codecs: not on the event loop.
            module = await asyncio.to_thread(self._load_module)
            if module is None:
                assert self._unavailable is not None  # _load_module says why it has none
                if announce:
                    self._bus.publish(
                        PlayerUnavailable(self._unavailable.message, self._unavailable.values)
                    )
                return False
            self._loop = asyncio.get_running_loop()
            # Loads of a previous instance that died will never report.
            self._pending_starts = 0
            self._entry = None
            try:
                self._mpv = await asyncio.to_thread(self._create, module)
            except Exception as exc:
                log.exception("libmpv could not start")
                if announce:
                    self._bus.publish(
                        PlayerUnavailable("libmpv could not start: {reason}", {"reason": str(exc)})
                    )
                return False
            return True

    def _essential_options(self) -> dict[str, str]:
        """Options the app depends on; set after the user's config so it cannot override them."""
        settings = self._settings
        vo = settings.vo
        if vo is None:
            has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            vo = "gpu" if has_display else "null"
        options = {
            "vo": vo,
            # A terminal mpv would write its status line into Textual's screen and read keys.
            "terminal": "no",
            "input-terminal": "no",
            "input-default-bindings": "no",
            "input-vo-keyboard": "no",
            # Stay alive between episodes; end-file EOF (not keep-open) drives the next one.
            "idle": "yes",
            "keep-open": "no",
            # The app resumes from its own history; mpv's watch-later would fight it.
            "resume-playback": "no",
            "save-position-on-quit": "no",
            # youtube-dl would be asked about every HLS URL first.
            "ytdl": "no",
            # No sound card (an SSH server, a container): play silently. Otherwise mpv plays
            # the picture and then ends the file with an error, which reads as a dead host.
            "audio-fallback-to-null": "yes",
            "network-timeout": str(settings.network_timeout),
        }
        if settings.ao is not None:
            options["ao"] = settings.ao
        return options

    def _create(self, module: ModuleType) -> Any:
        """Create the MPV handle (in a worker thread: it blocks while libmpv starts)."""
        essential = self._essential_options()
        # mpv never loads config files itself (config=no): the user's mpv.conf is included
        # first and the essential options follow, all before mpv_initialize(), so a
        # `terminal=yes` there is overridden before any terminal is touched.
        options: dict[str, str] = {"config": "no"}
        if self._settings.use_user_mpv_config:
            config_dir = self._settings.mpv_config_dir or _default_config_dir()
            options["config-dir"] = str(config_dir)
            if (config_dir / "mpv.conf").is_file():
                options["include"] = str(config_dir / "mpv.conf")
        options.update(essential)
        # libmpv segfaults with a non-C LC_NUMERIC (PITFALLS.md): set it right before MPV().
        # (Unknown or bad lines in the user's mpv.conf are logged by mpv, not raised.)
        locale.setlocale(locale.LC_NUMERIC, "C")
        handle = module.MPV(
            log_handler=_log_mpv,
            loglevel="warn",
            **{k.replace("-", "_"): v for k, v in options.items()},
        )
        # Again after initialisation: a profile or script of the user's may have changed them.
        for name, value in essential.items():
            handle[name] = value
        handle.register_event_callback(lambda event: self._on_mpv_event(handle, event))
        for name in _OBSERVED:
            handle.observe_property(name, self._on_mpv_property)
        return handle

    # --- libmpv's event thread: copy plain values, hand them to the loop, nothing else -----

    def _on_mpv_event(self, handle: Any, event: Any) -> None:
        kind = event.event_id.value
        if kind == _START_FILE:
            self._forward(self._handle_start_file, int(event.data.playlist_entry_id))
        elif kind == _END_FILE:
            data = event.data
            self._forward(
                self._handle_end_file,
                int(data.playlist_entry_id),
                int(data.reason),
                int(data.error),
            )
        elif kind == _FILE_LOADED:
            self._forward(self._handle_file_loaded)
        elif kind == _SHUTDOWN:
            self._forward(self._handle_shutdown, handle)

    def _on_mpv_property(self, name: str, value: Any) -> None:
        self._forward(self._handle_property, name, value)

    def _forward(self, handler: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None:
            return
        # RuntimeError: the app's loop has closed while libmpv still reports.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(handler, *args)

    # --- the loop: mpv events -------------------------------------------------------------

    def _handle_start_file(self, entry: int) -> None:
        if self._pending_starts > 0:
            self._pending_starts -= 1
            if self._pending_starts == 0:
                self._entry = entry

    def _handle_file_loaded(self) -> None:
        session = self._session
        if session is None or self._pending_starts or session.loaded or self._entry is None:
            return
        session.loaded = True
        self._bus.publish(
            PlaybackStarted(
                title_id=session.title.id,
                episode=session.number,
                media_title=_media_title(session),
                quality=session.quality,
                host=session.hosts[session.host_index],
                start=session.start,
            )
        )

    def _handle_end_file(self, entry: int, reason: int, error: int) -> None:
        session = self._session
        if session is None or self._pending_starts or entry != self._entry:
            return  # a replaced or stopped file
        if reason == _END_EOF:
            self._finish_episode(session)
        elif reason == _END_ERROR:
            self._try_next_host(session, error)

    def _handle_shutdown(self, handle: Any) -> None:
        if handle is not self._mpv:
            return  # our own shutdown(), or an instance already replaced
        # mpv quit on its own (its window was closed): the next play() starts a new one.
        self._mpv = None
        session = self._session
        if session is not None:
            if session.loaded:
                self._save(session)
            self._end_session()
            self._bus.publish(
                PlaybackStopped(session.title.id, session.number, session.resume_point)
            )
        self._dispose(handle)

    def _dispose(self, handle: Any) -> None:
        """Destroy a core that quit by itself: off the loop, the task kept for shutdown()."""
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(handle.terminate))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _handle_property(self, name: str, value: Any) -> None:
        session = self._session
        current = session is not None and not self._pending_starts and session.loaded
        if name == "time-pos":
            if session is not None and current and isinstance(value, int | float):
                self._on_position(session, float(value))
            return
        if name == "duration":
            # Not `current`: the length may be known before file-loaded.
            if session is not None and not self._pending_starts and isinstance(value, int | float):
                session.duration = float(value)
            return
        if name in ("aid", "sid"):
            if session is None or self._pending_starts:
                return
            self._bus.publish(
                TrackChanged(
                    "audio" if name == "aid" else "subtitles",
                    value if isinstance(value, int) and not isinstance(value, bool) else None,
                )
            )
            return
        if name == "pause":
            self._paused = bool(value)
        elif name == "volume" and isinstance(value, int | float):
            self._volume = float(value)
        elif name == "mute":
            self._muted = bool(value)
        else:
            return
        if session is not None and current:
            self._publish_progress(session, force=True)

    def _on_position(self, session: _Session, position: float) -> None:
        # The first frame is news the UI waits for: it is never held back by the throttle.
        first_frame = not session.position and position > 0
        session.position = position
        offered = session.offered
        if offered is not None and not offered.start <= position < offered.end:
            # Played (or seeked) past the offered range: the offer is over.
            session.offered = None
        self._apply_skips(session, position)
        # The bar shows the offer: its start and end are news, never held back by the throttle.
        changed = session.offered is not offered
        duration = session.duration
        if (
            not session.watched
            and duration
            and position >= duration * self._settings.watched_threshold
        ):
            self._mark_watched(session)
        if self._clock() - session.saved_at >= self._settings.save_interval:
            self._save(session)
        self._publish_progress(session, force=first_frame or changed)

    def _apply_skips(self, session: _Session, position: float) -> None:
        mode = self._settings.skip_mode
        if mode == "off":
            return
        for skip in session.skips:
            if skip.done or not skip.start <= position < skip.end:
                continue
            skip.done = True
            if mode == "auto":
                self._skip(session, skip)
            else:
                session.offered = skip
                self._bus.publish(
                    SkipOffered(session.title.id, session.number, skip.kind, skip.start, skip.end)
                )

    def _skip(self, session: _Session, skip: _Skip) -> bool:
        session.offered = None
        if not self._command("seek", str(skip.end), "absolute+exact"):
            return False
        self._bus.publish(
            SkipApplied(session.title.id, session.number, skip.kind, skip.start, skip.end)
        )
        return True

    def _publish_progress(self, session: _Session, *, force: bool = False) -> None:
        # Monotonic, not the injected clock: a frozen test clock must not silence progress.
        now = time.monotonic()
        wait = self._progress_at + self._settings.progress_interval - now
        if not force and wait > 0:
            # Throttled, but the latest state must still go out (a seek while paused brings no
            # further updates): once, when the interval is over.
            if self._trailing_progress is None and self._loop is not None:
                self._trailing_progress = self._loop.call_later(
                    wait, self._publish_trailing_progress, session
                )
            return
        self._progress_at = now
        self._bus.publish(
            PlaybackProgressed(
                title_id=session.title.id,
                episode=session.number,
                position=session.resume_point,
                duration=session.duration,
                paused=self._paused,
                volume=self._volume,
                muted=self._muted,
                quality=session.quality,
                skip_offered=session.offered.kind if session.offered is not None else None,
            )
        )

    def _publish_trailing_progress(self, session: _Session) -> None:
        self._trailing_progress = None
        if self._session is session:
            self._publish_progress(session, force=True)

    def _mark_watched(self, session: _Session) -> None:
        session.watched = True
        if not session.recorded:
            return
        self._history.mark_watched(
            session.title.id, session.number, at=self._clock(), uuid=session.episode.uuid
        )
        self._bus.publish(EpisodeWatched(session.title.id, session.number))

    def _save(self, session: _Session) -> None:
        session.saved_at = self._clock()
        if not session.recorded:
            return
        self._history.record_position(
            session.title.id,
            session.number,
            session.resume_point,
            session.duration,
            at=session.saved_at,
            title_name=session.title.display_name,
            uuid=session.episode.uuid,
        )

    def _finish_episode(self, session: _Session) -> None:
        if session.duration is not None:
            session.position = session.duration
        self._save(session)
        if not session.watched:
            self._mark_watched(session)
        has_next = session.index + 1 < len(session.player.episodes)
        upcoming = session.player.episodes[session.index + 1].serie if has_next else None
        autoplay = self._settings.autoplay and upcoming is not None
        self._bus.publish(
            EpisodeFinished(session.title.id, session.number, True, upcoming if autoplay else None)
        )
        if autoplay:
            self._open(session, session.index + 1)
        else:
            self._end_session()
            self._bus.publish(
                PlaybackStopped(session.title.id, session.number, session.resume_point)
            )

    def _try_next_host(self, session: _Session, error: int) -> None:
        host = session.hosts[session.host_index]
        log.warning("episode %s failed on %s (mpv error %d)", session.number, host, error)
        if session.host_index + 1 < len(session.hosts):
            session.host_index += 1
            # Keep the place when a host dies mid-episode.
            self._load(session, start=session.resume_point)
            return
        if session.loaded:
            self._save(session)
        self._end_session()
        if session.label:
            self._fail(
                session.title,
                session.number,
                "{label} could not be played: mpv cannot read it as a video",
                label=session.label,
            )
        else:
            self._fail(
                session.title,
                session.number,
                "Episode {episode} of {title} could not be loaded from {hosts}",
                hosts=", ".join(session.hosts),
            )

    # --- loading --------------------------------------------------------------------------

    def _fail(
        self, title: Title, episode: int | float | None, message: str, **values: object
    ) -> None:
        """Say `message` (a msgid that may name `{title}` and `{episode}`) failed playback."""
        values = {"title": title.display_name, "episode": episode, **values}
        self._bus.publish(PlaybackFailed(title.id, episode, message, values))

    def _pick_quality(self, episode: Episode) -> str | None:
        available = _available_qualities(episode)
        for quality in self._settings.quality_order:
            if quality in available:
                return quality
        return available[0] if available else None

    def _start_for(self, title_id: int, number: int | float) -> float:
        progress = self._history.progress(title_id, number)
        if progress is None or progress.watched:
            return 0.0
        # Past the watched threshold only the credits are left: start from the beginning.
        threshold = self._settings.watched_threshold
        if progress.duration and progress.position >= progress.duration * threshold:
            return 0.0
        return progress.position

    def _open(self, session: _Session, index: int) -> bool:
        """Switch `session` to episode `index` and load it; False (and an event) if it has
        no stream."""
        episode = session.player.episodes[index]
        quality = self._pick_quality(episode)
        if quality is None:
            self._end_session(stop_mpv=True)
            self._fail(
                session.title,
                episode.serie,
                "Episode {episode} of {title} has no stream in any quality",
            )
            return False
        skips = _episode_skips(episode, self._history.skip_offset(session.title.id))
        start = self._start_for(session.title.id, episode.serie) if session.recorded else 0.0
        self._session = dataclasses.replace(
            session,
            index=index,
            quality=quality,
            host_index=0,
            start=start,
            position=None,
            duration=None,
            loaded=False,
            watched=False,
            skips=skips,
            offered=None,
            saved_at=self._clock(),
        )
        # `pause` is a global mpv property: it outlives the file it was set on, so an episode
        # paused then stopped would leave the next one waiting on a paused first frame.
        self._command("set", "pause", "no")
        self._load(self._session, start=start)
        return True

    def _load(self, session: _Session, *, start: float) -> None:
        """Load the session's episode from its current host and quality at `start` seconds."""
        path = _hls_path(session.episode, session.quality)
        assert path is not None  # _open and cycle_quality only choose available qualities
        host = session.hosts[session.host_index]
        try:
            url = session.stream_url(session.player._replace(host=host), path)
        except Exception as exc:
            self._end_session(stop_mpv=True)
            self._fail(
                session.title,
                session.number,
                "No stream URL for {host}: {reason}",
                host=host,
                reason=str(exc),
            )
            return
        session.start = start
        session.loaded = False
        session.position = None
        options = {"force_media_title": _quote(_media_title(session))}
        if start > 0:
            # Only when resuming: with libmpv 0.35 an HLS stream given start=0 begins at its
            # second segment.
            options["start"] = f"{start:.3f}"
        self._pending_starts += 1
        try:
            self._mpv.loadfile(url, "replace", **options)
        except Exception as exc:
            self._pending_starts -= 1
            self._end_session(stop_mpv=True)
            self._fail(
                session.title,
                session.number,
                "mpv refused {host}: {reason}",
                host=host,
                reason=str(exc),
            )

    def _end_session(self, *, stop_mpv: bool = False) -> None:
        """Forget the current episode; `stop_mpv` also stops a file still playing."""
        self._session = None
        self._entry = None
        if stop_mpv:
            self._command("stop")

    def _command(self, *args: str) -> bool:
        if self._mpv is None:
            return False
        try:
            self._mpv.command(*args)
        except Exception as exc:
            # A seek before the stream opened, a track cycle with no tracks…: not an error
            # worth more than a log line.
            log.debug("mpv command %s failed: %s", args, exc)
            return False
        return True

    # --- public controls ------------------------------------------------------------------

    async def play(
        self,
        title: Title,
        episode_number: int | float,
        *,
        stream_url: Callable[[Player, str], str],
        caching_nodes: Sequence[str] = (),
    ) -> bool:
        """Play `episode_number` of `title`, resuming where it was left.

        `stream_url` builds a URL from a player (its `host`) and an HLS path
        (`CatalogApi.stream_url`); `caching_nodes` (getCachingNodes order) are tried in
        turn after `player.host` when a host fails. False when playback could not start (an
        event says why).
        """
        player = title.player
        blocked = title.blocked is not None and title.blocked.blocked
        if player is None or not player.episodes:
            self._fail(
                title,
                episode_number,
                "{title} is blocked: its episodes cannot be streamed"
                if blocked
                else "{title} has no episodes to play yet",
            )
            return False
        index = next((i for i, e in enumerate(player.episodes) if e.serie == episode_number), None)
        if index is None:
            self._fail(
                title,
                episode_number,
                "{title} has no episode {episode}",
            )
            return False
        if self._pick_quality(player.episodes[index]) is None:
            self._fail(
                title,
                episode_number,
                "Episode {episode} of {title} has no stream in any quality",
            )
            return False
        if not await self._ensure_mpv():
            return False
        if self._session is not None and self._session.loaded:
            self._save(self._session)
        hosts = tuple(dict.fromkeys(h for h in (player.host, *caching_nodes) if h))
        if not hosts:
            self._fail(title, episode_number, "{title} has no stream host")
            return False
        session = _Session(
            title=title,
            player=player,
            index=index,
            quality="",
            hosts=hosts,
            stream_url=stream_url,
        )
        return self._open(session, index)

    async def play_file(
        self,
        url: str,
        name: str,
        *,
        title_id: int | None = None,
        episode: int | float | None = None,
    ) -> bool:
        """Play a stream that is no AniLibria episode: a download's file, served by the loopback
        range server. With its title and episode known it resumes and records history like a
        streamed episode; otherwise it just plays. False when playback could not start."""
        recorded = title_id is not None and episode is not None
        number = episode if episode is not None else 1
        title = Title.parse(
            {
                "id": title_id or 0,
                "names": {"ru": name, "en": name},
                "player": {
                    "host": url,
                    "playlist": {str(number): {"serie": number, "hls": {"fhd": url}}},
                },
            }
        )
        assert title.player is not None
        if not await self._ensure_mpv():
            return False
        if self._session is not None and self._session.loaded:
            self._save(self._session)
        session = _Session(
            title=title,
            player=title.player,
            index=0,
            quality="",
            hosts=(url,),
            stream_url=lambda _player, path: path,
            recorded=recorded,
            label=name,
        )
        return self._open(session, 0)

    def external_stream(
        self,
        title: Title,
        episode_number: int | float,
        *,
        stream_url: Callable[[Player, str], str],
    ) -> tuple[str, float, str] | None:
        """For playing outside libmpv (terminal video, a copied URL): the stream URL in the
        preferred quality, the resume point and a media title; None when nothing can play
        (a `PlaybackFailed` says why, as `play` would)."""
        player = title.player
        episode = next(
            (e for e in (player.episodes if player else ()) if e.serie == episode_number), None
        )
        quality = self._pick_quality(episode) if episode is not None else None
        path = _hls_path(episode, quality) if episode is not None and quality else None
        if player is None or not player.host or path is None:
            self._fail(
                title,
                episode_number,
                "{title}: episode {episode} has no stream to play",
            )
            return None
        return (
            stream_url(player, path),
            self._start_for(title.id, episode_number),
            _episode_media_title(title, episode_number),
        )

    def external_playback(self, title: Title, episode_number: int | float) -> ExternalPlayback:
        """Record `episode_number` of `title` played by something else than libmpv (the `mpv`
        command in the terminal) by this player's rules; feed it what that player reports."""
        player = title.player
        episode = next(
            (e for e in (player.episodes if player else ()) if e.serie == episode_number), None
        )
        skips: list[_Skip] = []
        if episode is not None and self._settings.skip_mode == "auto":
            # `ask` cannot ask while another program has the terminal: it plays through.
            skips = _episode_skips(episode, self._history.skip_offset(title.id))
        return ExternalPlayback(
            title,
            episode_number,
            bus=self._bus,
            history=self._history,
            settings=self._settings,
            clock=self._clock,
            skips=skips,
            uuid=episode.uuid if episode is not None else None,
        )

    def set_watched(
        self, title_id: int, episode: int | float, watched: bool, *, uuid: str | None = None
    ) -> None:
        """Mark an episode watched or unwatched by hand (`EpisodeWatched` follows); `uuid` is
        its v1 UUID when known (watch progress is synced by it)."""
        if watched:
            self._history.mark_watched(title_id, episode, at=self._clock(), uuid=uuid)
        else:
            self._history.mark_unwatched(title_id, episode, at=self._clock(), uuid=uuid)
        session = self._session
        if session is not None and (session.title.id, session.number) == (title_id, episode):
            # Unwatched while playing: crossing the threshold again marks it again.
            session.watched = watched
        self._bus.publish(EpisodeWatched(title_id, episode, watched))

    async def stop(self) -> None:
        """Stop playback and save the resume position."""
        session = self._session
        if session is None:
            return
        if session.loaded:
            self._save(session)
        self._end_session(stop_mpv=True)
        self._bus.publish(PlaybackStopped(session.title.id, session.number, session.resume_point))

    async def toggle_pause(self) -> None:
        """Pause or resume."""
        if self._session is not None:
            self._command("cycle", "pause")

    async def seek(self, seconds: float) -> None:
        """Seek by `seconds` (negative: back)."""
        if self._session is not None and self._session.loaded:
            self._command("seek", str(seconds), "relative")

    @property
    def skip_offer(self) -> SkipKind | None:
        """In `ask` mode: the opening or ending on offer right now (`accept_skip()`), or None."""
        session = self._session
        return session.offered.kind if session is not None and session.offered else None

    async def accept_skip(self) -> bool:
        """In `ask` mode: skip the range of the latest `SkipOffered`, if still inside it.
        True when it was skipped (a `SkipApplied` follows)."""
        session = self._session
        if session is None or session.offered is None:
            return False
        skip = session.offered
        session.offered = None
        if session.position is not None and skip.start <= session.position < skip.end:
            return self._skip(session, skip)
        # Too late: the bar must stop offering it.
        self._publish_progress(session, force=True)
        return False

    def set_skip_offset(self, title_id: int, seconds: float) -> None:
        """Shift the opening / ending ranges of `title_id` by `seconds` (negative: earlier),
        for every episode from now on, the one playing included."""
        self._history.set_skip_offset(title_id, seconds)
        session = self._session
        if session is None or session.title.id != title_id:
            return
        done = {skip.kind for skip in session.skips if skip.done}
        session.skips = _episode_skips(session.episode, seconds)
        for skip in session.skips:
            # A range already skipped or offered stays done: moving it must not replay a skip.
            skip.done = skip.kind in done

    async def next_episode(self) -> bool:
        """Play the next episode of the title; False when there is none."""
        return self._step(+1)

    async def previous_episode(self) -> bool:
        """Play the previous episode of the title; False when there is none."""
        return self._step(-1)

    def _step(self, delta: int) -> bool:
        session = self._session
        if session is None:
            return False
        index = session.index + delta
        if not 0 <= index < len(session.player.episodes):
            return False
        if session.loaded:
            self._save(session)
        return self._open(session, index)

    async def cycle_quality(self) -> str | None:
        """Switch to the next available quality (fhd → hd → sd → fhd), keeping the place;
        the quality now playing, or None when idle."""
        session = self._session
        if session is None:
            return None
        available = _available_qualities(session.episode)
        if len(available) > 1:
            current = available.index(session.quality)
            session.quality = available[(current + 1) % len(available)]
            self._load(session, start=session.resume_point)
        return session.quality

    async def toggle_mute(self) -> None:
        """Mute or unmute."""
        if self._mpv is not None:
            self._command("cycle", "mute")

    async def change_volume(self, delta: float) -> None:
        """Change the volume by `delta` percent points (mpv clamps it)."""
        if self._mpv is not None:
            self._command("add", "volume", str(delta))

    async def cycle_audio(self) -> None:
        """Switch to the next audio track (a `TrackChanged` event follows)."""
        if self._session is not None:
            self._command("cycle", "aid")

    async def cycle_subtitles(self) -> None:
        """Switch to the next subtitle track, or off (a `TrackChanged` event follows)."""
        if self._session is not None:
            self._command("cycle", "sid")

    async def shutdown(self) -> None:
        """Stop, save, and terminate libmpv (in a worker thread: it blocks)."""
        await self.stop()
        handle, self._mpv = self._mpv, None
        if handle is not None:
            await asyncio.to_thread(handle.terminate)
        if self._tasks:
            await asyncio.gather(*self._tasks)


class ExternalPlayback:
    """One episode played outside libmpv, recorded by the in-process player's rules.

    The position is saved every `save_interval` and at the end, the episode counts as watched
    past `watched_threshold` or at the end of the file, and the next play resumes from the
    saved position. Made by `PlayerService.external_playback`; called on the event loop.
    """

    def __init__(
        self,
        title: Title,
        episode: int | float,
        *,
        bus: EventBus,
        history: HistoryStore,
        settings: PlayerSettings,
        clock: Callable[[], float],
        skips: list[_Skip],
        uuid: str | None = None,
    ) -> None:
        self.title = title
        self.episode = episode
        self.uuid = uuid
        """The episode's v1 UUID, kept beside its number in history."""
        self._bus = bus
        self._history = history
        self._settings = settings
        self._clock = clock
        self._skips = skips
        self.position: float | None = None
        """The latest position reported; None before the first frame."""
        self.duration: float | None = None
        self.watched = False
        self.reached_end = False
        """Whether the player ended at the end of the file (the next episode may follow)."""
        self._saved_at = clock()

    def progressed(self, position: float, duration: float | None) -> float | None:
        """The player is at `position` of `duration` seconds. Returns where to seek to skip an
        opening or ending (`auto` skips), or None."""
        self.position = position
        if duration:
            self.duration = duration
        target = None
        for skip in self._skips:
            if not skip.done and skip.start <= position < skip.end:
                # Once only, as in-process: a seek landing early must not loop.
                skip.done = True
                target = skip.end
        if (
            not self.watched
            and self.duration
            and position >= self.duration * self._settings.watched_threshold
        ):
            self._mark_watched()
        if self._clock() - self._saved_at >= self._settings.save_interval:
            self._save()
        return target

    def ended(self, reason: str | None) -> None:
        """The player stopped; `reason` is mpv's end-file reason (`eof` at the end of the file,
        `quit`, `error`…; None when unknown). Saves the last position."""
        self.reached_end = reason == "eof"
        if reason == "eof" and self.duration:
            self.position = self.duration
        if self.position is None:
            return  # Nothing played: what history knew stays.
        self._save()
        if reason == "eof" and not self.watched:
            self._mark_watched()
        self._bus.publish(PlaybackStopped(self.title.id, self.episode, self.position))

    def _mark_watched(self) -> None:
        self.watched = True
        self._history.mark_watched(self.title.id, self.episode, at=self._clock(), uuid=self.uuid)
        self._bus.publish(EpisodeWatched(self.title.id, self.episode))

    def _save(self) -> None:
        self._saved_at = self._clock()
        if self.position is None:
            return
        self._history.record_position(
            self.title.id,
            self.episode,
            self.position,
            self.duration,
            at=self._saved_at,
            title_name=self.title.display_name,
            uuid=self.uuid,
        )

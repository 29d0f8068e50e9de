"""Playing where there is no display (SSH): mpv's terminal video, audio only, or the URL.

libmpv in-process cannot draw into the terminal while Textual owns it, so terminal video runs
the `mpv` command while the app is suspended. This module decides, builds the command and runs
it, following its playback over mpv's JSON IPC socket so that history records it as it would
an in-process episode; the app does the suspending.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("anitui.terminal_video")

_EXIT_WAIT = 5.0
"""Seconds mpv gets to close its socket and exit once it has been told to stop."""

# mpv ≥ 0.36 has Kitty graphics; Debian 12 ships 0.35, where tct (true-colour cells) and sixel
# are what there is. Best picture first.
PREFERRED_OUTPUTS = ("kitty", "sixel", "tct")

# Terminals known to draw these graphics; the rest get tct, which every true-colour terminal
# draws. Detected from what SSH forwards (TERM) and what the terminal sets locally.
_KITTY_TERMS = ("xterm-kitty", "xterm-ghostty")
_KITTY_PROGRAMS = ("WezTerm", "ghostty")
_SIXEL_TERMS = ("foot", "foot-extra", "mlterm", "yaft-256color", "contour")
_SIXEL_PROGRAMS = ("WezTerm", "mintty", "iTerm.app")


def without_display(environ: Mapping[str, str]) -> bool:
    """True over SSH or where no X11 / Wayland display exists: a window cannot open here."""
    if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"):
        return True
    return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


@cache
def terminal_outputs() -> tuple[str, ...]:
    """The terminal video outputs the installed `mpv` command offers, best first."""
    mpv = shutil.which("mpv")
    if mpv is None:
        return ()
    try:
        listing = subprocess.run(
            [mpv, "--no-config", "--vo=help"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    offered = set(re.findall(r"^\s+(\w+)\s", listing, re.MULTILINE))
    return tuple(vo for vo in PREFERRED_OUTPUTS if vo in offered)


def pick_output(outputs: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The output of `outputs` (what the mpv command offers) that this terminal can show:
    Kitty graphics or Sixel only where the terminal is known to draw them, tct otherwise and
    always under tmux or screen (they pass neither through). None: no terminal output."""
    term = environ.get("TERM", "")
    program = environ.get("TERM_PROGRAM", "")
    multiplexed = bool(environ.get("TMUX")) or term.startswith(("tmux", "screen"))
    if not multiplexed:
        if "kitty" in outputs and (
            term in _KITTY_TERMS or environ.get("KITTY_WINDOW_ID") or program in _KITTY_PROGRAMS
        ):
            return "kitty"
        if "sixel" in outputs and (
            term in _SIXEL_TERMS or "sixel" in term or program in _SIXEL_PROGRAMS
        ):
            return "sixel"
    if "tct" in outputs:
        return "tct"
    return outputs[0] if outputs else None


def sound_reachable(
    environ: Mapping[str, str], *, cards: Path = Path("/proc/asound/cards")
) -> bool:
    """Whether mpv could reach a sound device here: a PulseAudio or PipeWire server, or a
    local sound card. Where none is, each of mpv's audio outputs fails in turn, and ALSA and
    JACK write their complaints straight onto the terminal mpv is drawing the video on."""
    if environ.get("PULSE_SERVER"):
        return True
    runtime_dir = environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and any(
        (Path(runtime_dir) / socket).exists() for socket in ("pulse/native", "pipewire-0")
    ):
        return True
    try:
        listing = cards.read_text(errors="replace")
    except OSError:
        return False
    return bool(listing.strip()) and "no soundcards" not in listing


def terminal_audio(configured: str, environ: Mapping[str, str]) -> str | None:
    """The audio output terminal video asks mpv for: `[player] ao` when set, `null` where no
    sound device is reachable, else None (mpv's choice)."""
    if configured:
        return configured
    return None if sound_reachable(environ) else "null"


def terminal_command(
    url: str,
    vo: str,
    *,
    start: float,
    title: str,
    ao: str | None = None,
    ipc_server: Path | None = None,
) -> list[str]:
    """The `mpv` command line that plays `url` in the terminal from `start` seconds; `ao` is
    `[player] ao` (None: mpv's choice); with `ipc_server`, mpv listens there for JSON IPC
    (`run_mpv`)."""
    command = [
        shutil.which("mpv") or "mpv",
        f"--vo={vo}",
        "--really-quiet",
        f"--force-media-title={title}",
        # The user's config may set another vo or a window: this run is for the terminal only.
        "--no-config",
        # An SSH server often has no sound card: without this, mpv ends the episode with an
        # error ("audio output initialization failed") instead of its end of file.
        "--audio-fallback-to-null=yes",
    ]
    if start > 0:
        # Only when resuming: mpv 0.35 given --start=0 begins an HLS stream at its second
        # segment (as libmpv does in the player service).
        command.append(f"--start={start:.1f}")
    if ao:
        command.append(f"--ao={ao}")
    if ipc_server is not None:
        command.append(f"--input-ipc-server={ipc_server}")
    # `--` : a URL starting with "-" stays a file name.
    return [*command, "--", url]


class PlaybackSink(Protocol):
    """What follows an external player (`ExternalPlayback` of the player service)."""

    def progressed(self, position: float, duration: float | None) -> float | None:
        """The player is at `position`; returns a position to seek to, or None."""

    def ended(self, reason: str | None) -> None:
        """The player stopped; `reason` is mpv's end-file reason, None when unknown."""


@contextlib.contextmanager
def ipc_socket_path() -> Iterator[Path]:
    """A path for mpv's IPC socket in a fresh private temporary directory (mode 0700: no other
    user can connect and control the player), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="anitui-mpv-") as directory:
        yield Path(directory) / "mpv.sock"


async def run_mpv(
    command: Sequence[str],
    socket_path: Path,
    sink: PlaybackSink,
    *,
    connect_timeout: float = 10.0,
) -> int:
    """Run `command` (an mpv that listens on `socket_path`) until it exits, telling `sink`
    where playback is and, at the end, where it stopped and why; the mpv process's exit code.

    The terminal is inherited: called while the app is suspended, mpv draws there. Cancelled,
    it stops mpv (as its `q` would) and still records where playback ended.
    """
    process = await asyncio.create_subprocess_exec(*command)
    follower = asyncio.create_task(
        follow_mpv(
            socket_path,
            sink,
            alive=lambda: process.returncode is None,
            connect_timeout=connect_timeout,
        )
    )
    reason: str | None = None
    try:
        return await process.wait()
    finally:
        try:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
            # mpv closes the socket as it exits: the follower ends with the last lines read.
            async with asyncio.timeout(_EXIT_WAIT):
                reason = await follower
                await process.wait()
        except TimeoutError:
            log.warning("mpv did not exit after its IPC socket closed: killed")
            follower.cancel()
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        finally:
            sink.ended(reason)


async def follow_mpv(
    socket_path: Path,
    sink: PlaybackSink,
    *,
    alive: Callable[[], bool] = lambda: True,
    connect_timeout: float = 10.0,
) -> str | None:
    """Follow an mpv process over its JSON IPC socket until it closes: every change of
    `time-pos` goes to `sink` (its answer, a position, becomes a seek). mpv pushes the changes
    (`observe_property`), so the last position before mpv exits is known: a poll could not
    ask a player that has already gone. Returns mpv's end-file reason (`eof`, `quit`,
    `error`…) or None when none came. `alive()` false: stop waiting for the socket."""
    connection = await _connect(socket_path, alive, connect_timeout)
    if connection is None:
        return None
    reader, writer = connection
    reason: str | None = None
    duration: float | None = None
    try:
        for number, name in enumerate(("time-pos", "duration"), start=1):
            _send(writer, ["observe_property", number, name])
        await writer.drain()
        while line := await reader.readline():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            event = message.get("event")
            value = _number(message.get("data"))
            if event == "end-file":
                reason = str(message.get("reason") or "") or None
            elif event != "property-change" or value is None:
                # Replies to our commands, other events, and a property that became
                # unavailable (time-pos as the file closes): nothing to record.
                continue
            elif message.get("name") == "duration":
                duration = value
            elif message.get("name") == "time-pos":
                target = sink.progressed(value, duration)
                if target is not None:
                    _send(writer, ["seek", target, "absolute+exact"])
                    await writer.drain()
    except (ConnectionError, OSError) as error:
        log.debug("mpv's IPC connection ended: %s", error)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    return reason


async def _connect(
    socket_path: Path, alive: Callable[[], bool], timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """Connect once mpv has created its socket; None when it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while alive() and time.monotonic() < deadline:
        try:
            return await asyncio.open_unix_connection(str(socket_path))
        except (FileNotFoundError, ConnectionRefusedError):
            await asyncio.sleep(0.05)
    log.warning("mpv's IPC socket %s never answered: playback is not recorded", socket_path)
    return None


def _send(writer: asyncio.StreamWriter, command: list[Any]) -> None:
    writer.write(json.dumps({"command": command}).encode() + b"\n")


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None

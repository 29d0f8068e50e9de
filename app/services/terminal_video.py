"""Playing where there is no display (SSH): mpv's terminal video, audio only, or the URL.

libmpv in-process cannot draw into the terminal while Textual owns it, so terminal video runs
the `mpv` command while the app is suspended. This module only decides and builds commands; the
app does the suspending.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from functools import cache

# mpv ≥ 0.36 has Kitty graphics; Debian 12 ships 0.35, where tct (true-colour cells) and sixel
# are what there is. Best picture first.
PREFERRED_OUTPUTS = ("kitty", "sixel", "tct")


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


def terminal_command(url: str, vo: str, *, start: float, title: str) -> list[str]:
    """The `mpv` command line that plays `url` in the terminal from `start` seconds."""
    return [
        shutil.which("mpv") or "mpv",
        f"--vo={vo}",
        "--really-quiet",
        f"--start={start:.1f}",
        f"--force-media-title={title}",
        # The user's config may set another vo or a window: this run is for the terminal only.
        "--no-config",
        url,
    ]

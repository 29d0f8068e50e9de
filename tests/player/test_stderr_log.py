"""What C libraries write to fd 2 (ALSA, JACK under a real libmpv with no sound card) goes
to the log while the UI has the terminal; Textual's output and a suspended app's child keep
the terminal. In a child process: fd 2 is the process's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import locale, os, sys
from pathlib import Path
from app.services.stderr_log import StderrToLog, terminal_stderr

guard = StderrToLog(Path(sys.argv[1]))
import mpv
locale.setlocale(locale.LC_NUMERIC, "C")
player = mpv.MPV(vo="null", ao="alsa,jack", audio_fallback_to_null="yes", terminal="no")
player.play("av://lavfi:sine=duration=0.5")
player.wait_for_playback()
player.terminate()
sys.__stderr__.write("drawn by the UI\\n")
sys.__stderr__.flush()
with terminal_stderr():
    os.write(2, b"terminal video\\n")
os.write(2, b"ALSA again\\n")
guard.close()
os.write(2, b"after the app\\n")
"""


def test_c_libraries_write_to_the_log_and_the_ui_keeps_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "anitui.log"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "drawn by the UI\nterminal video\nafter the app\n"
    logged = log.read_text()
    assert "ALSA lib pcm.c" in logged and "Unknown PCM default" in logged
    assert "Cannot connect to server" in logged  # JACK
    assert "ALSA again" in logged

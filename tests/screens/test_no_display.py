"""Without a display (SSH): the user picks terminal video, audio only, the stream URL, or a
download of the episode."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.screens.choice import ChoiceScreen
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_playback import HEADLESS_PLAYER, open_title
from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def over_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


async def test_copy_the_stream_url(over_ssh: None, app_factory: AppFactory) -> None:
    app = app_factory(**{"player.ao": "null", "player.mpv_config": "false"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: "/videos/media/ts/9001/1/1080/" in app.clipboard)
        assert app.now_playing is None
        said = notices(app)[-1].message
        assert said.startswith("Stream URL copied to the clipboard: http") and "…" in said


async def test_download_the_episode_instead(over_ssh: None, app_factory: AppFactory) -> None:
    app = app_factory(**{"player.ao": "null", "player.mpv_config": "false"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("down", "enter")  # episode 2
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)
        await pilot.press("down", "down", "down", "enter")
        queue = await app.runtime.downloads()
        assert queue is not None
        await wait_for(pilot, lambda: bool(queue.items()))
        (item,) = queue.items()
        assert item.title_id == 9001 and item.selected is not None
        (chosen,) = [f for f in queue.files(item.id) if f.index in item.selected]
        assert chosen.path.endswith("Starlight Courier - 02 [1080p].mkv")
        assert app.now_playing is None


async def test_audio_only_plays_in_process(over_ssh: None, app_factory: AppFactory) -> None:
    app = app_factory(**{"player.ao": "null", "player.mpv_config": "false"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await pilot.press("x")


async def test_a_chosen_output_in_config_skips_the_question(
    over_ssh: None, app_factory: AppFactory
) -> None:
    app = app_factory(**{**HEADLESS_PLAYER, "player.vo": "", "player.no_display": "audio"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        assert not isinstance(app.screen, ChoiceScreen)
        await pilot.press("x")


async def test_an_answer_chosen_always_is_remembered_and_the_settings_override_it(
    over_ssh: None, app_factory: AppFactory
) -> None:
    app = app_factory(**{"player.ao": "null", "player.mpv_config": "false"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)
        await pilot.press("a", "down", "enter")  # always, audio only
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        assert not isinstance(app.screen, ChoiceScreen)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.now_playing is None)

    # Set in the settings (here a flag), `no_display` wins over the remembered answer.
    app = app_factory(
        **{"player.ao": "null", "player.mpv_config": "false", "player.no_display": "ask"}
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        assert screen.title_data is not None
        app.playback.play_episode(screen.title_data, 1)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)


async def test_the_palette_changes_the_remembered_answer(
    over_ssh: None, app_factory: AppFactory
) -> None:
    app = app_factory(**{"player.ao": "null", "player.mpv_config": "false"})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        (command,) = [
            c
            for c in app.get_system_commands(app.screen)
            if c.title == "Playback without a display"
        ]
        command.callback()
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("down", "down", "down", "enter")  # copy the stream URL
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "/videos/media/ts/9001/1/1080/" in app.clipboard)
        assert not isinstance(app.screen, ChoiceScreen)

        command.callback()
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")  # ask each time
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)


async def test_terminal_video_goes_on_with_the_next_episode(
    over_ssh: None, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The controller's side of terminal video without a terminal: the suspension is a no-op
    and mpv shows nothing (the tmux test below has the real terminal)."""
    from app.controllers import playback

    if shutil.which("mpv") is None:
        pytest.fail("the mpv command is missing: `make test` installs it")
    monkeypatch.setattr(playback, "pick_output", lambda outputs, environ: "null")
    monkeypatch.setattr(playback, "HINT_SECONDS", 0.0)
    app = app_factory(**{"player.ao": "null", "player.mpv_config": "false"})
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(app, pilot, 9001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)
        await pilot.press("enter")  # in this terminal
        history = app.runtime.history
        await wait_for(pilot, lambda: history.progress(9001, 2) is not None, timeout=30)
        progress = history.progress(9001, 1)
        assert progress is not None and progress.watched
        assert children_named("mpv")
    # Quitting while mpv plays episode 2 stops it and reaps it: no mpv, not even a zombie.
    assert not children_named("mpv")


def children_named(command: str) -> list[int]:
    """This process's child processes running `command`, zombies included."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            if fields.get("PPid", "").strip() == str(os.getpid()) and fields.get("Name") == command:
                found.append(int(status.parent.name))
    return found


def capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    ).stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="the Makefile installs tmux")
def test_terminal_video_over_ssh_gives_the_screen_back(tmp_path: Path) -> None:
    """A real terminal (tmux): mpv --vo=tct plays a clip while the app is suspended."""
    if shutil.which("mpv") is None:
        pytest.fail("the mpv command is missing: `make test` installs it")
    session = f"anitui-test-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX")}
    env.update(
        {
            "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22",
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
        }
    )
    command = (
        f"{sys.executable} -m app --demo --lang en --data-dir {tmp_path / 'd'}"
        f" --cache-dir {tmp_path / 'c'}; sleep 30"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command],
        check=True,
        cwd=ROOT,
        env=env,
    )

    def wait_screen(predicate: Any, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = capture(session)
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError("screen never matched:\n" + capture(session))

    def keys(*names: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", session, *names], check=True)

    try:
        wait_screen(lambda s: " / 12" in s or " / 13" in s)  # the schedule has data
        keys("Enter")
        wait_screen(lambda s: "Continue" in s and "Episodes:" in s)
        keys("Enter")  # the episodes list has the focus: episode 1
        # Under tmux, whatever the mpv command offers, tct: tmux passes no Sixel through.
        wait_screen(lambda s: "In this terminal (mpv --vo=tct; q comes back)" in s)
        keys("Enter")
        # mpv owns the terminal: the app's screen is gone, the way back said first...
        wait_screen(lambda s: "episode 1 in mpv: q comes back" in s and "Continue" not in s)
        # ...and the 4-second clip ends into the next episode, as autoplay does in-process.
        wait_screen(lambda s: "episode 2 in mpv: q comes back" in s, timeout=30)
        time.sleep(2.5)  # the line's pause, then mpv reads the keys
        keys("q")
        screen = wait_screen(lambda s: "Continue" in s and "Torrents" in s, timeout=30)
        assert "1 Sched" in screen and "Episodes:" in screen
        # mpv was followed over its IPC socket: the episode played to its end is recorded
        # as watched, and the Title screen says so at once.
        wait_screen(lambda s: "Watched: 1 /" in s, timeout=10)
        keys("q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    with sqlite3.connect(tmp_path / "d" / "anitui.sqlite") as db:
        rows = db.execute(
            "SELECT episode, position, duration, watched FROM watch_progress ORDER BY episode"
        ).fetchall()
    assert [(episode, watched) for episode, _, _, watched in rows] == [(1.0, 1), (2.0, 0)]
    _, position, duration, _ = rows[0]
    assert position == duration == pytest.approx(4.0, abs=0.2)
    assert 0 < rows[1][1] < 4.0

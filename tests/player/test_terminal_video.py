"""Terminal video's history: the `mpv` command followed over its JSON IPC socket (real mpv,
vo/ao null, the devserver's 4-second HLS clips), and the rules `ExternalPlayback` applies."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.services.events import EventBus
from app.services.player import (
    EpisodeWatched,
    ExternalPlayback,
    PlaybackStopped,
    PlayerService,
    PlayerSettings,
)
from app.services.terminal_video import (
    ipc_socket_path,
    pick_output,
    run_mpv,
    sound_reachable,
    terminal_audio,
    terminal_command,
)
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import Title
from app.store.history import HistoryStore
from tests.player.conftest import Recorder, fetch_title

MakePlayer = Callable[..., PlayerService]


@pytest.fixture
def mpv_cli() -> None:
    """Terminal video is the mpv command: these tests need it, as `make test` installs it."""
    if shutil.which("mpv") is None:
        pytest.fail("the mpv command is missing: `make test` installs it")


needs_mpv = pytest.mark.usefixtures("mpv_cli")


class Positions:
    """A sink in front of `ExternalPlayback` that keeps every position mpv reported."""

    def __init__(self, inner: ExternalPlayback) -> None:
        self.inner = inner
        self.seen: list[float] = []
        self.reason: str | None = "not ended"

    def progressed(self, position: float, duration: float | None) -> float | None:
        self.seen.append(position)
        return self.inner.progressed(position, duration)

    def ended(self, reason: str | None) -> None:
        self.reason = reason
        self.inner.ended(reason)


def mpv_command(client: AniLibriaClient, title: Title, episode: int, socket: Path) -> list[str]:
    """The app's terminal command for `episode`, with no picture and no sound."""
    assert title.player is not None
    hls = next(e for e in title.player.episodes if e.serie == episode).hls.fhd
    assert hls is not None
    url = client.stream_url(title.player, hls)
    return terminal_command(url, "null", start=0.0, title="test", ao="null", ipc_server=socket)


async def quit_mpv(socket: Path) -> None:
    """What `q` in mpv does, through a second IPC client."""
    _reader, writer = await asyncio.open_unix_connection(str(socket))
    writer.write(json.dumps({"command": ["quit"]}).encode() + b"\n")
    await writer.drain()
    writer.close()


def test_the_command_listens_on_the_socket_and_keeps_the_url_a_file_name(tmp_path: Path) -> None:
    socket = tmp_path / "mpv.sock"
    command = terminal_command(
        "-weird.m3u8", "tct", start=12.34, title="T, 1", ao="null", ipc_server=socket
    )
    assert f"--input-ipc-server={socket}" in command
    assert "--ao=null" in command and "--vo=tct" in command and "--start=12.3" in command
    assert command[-2:] == ["--", "-weird.m3u8"]
    plain = terminal_command("u", "tct", start=0, title="t")
    assert not any(a.startswith(("--input-ipc-server", "--ao")) for a in plain)
    # From the top, no --start at all: mpv 0.35 would begin an HLS stream at its 2nd segment.
    assert not any(a.startswith("--start") for a in plain)


def test_the_socket_lives_in_a_private_directory_removed_afterwards() -> None:
    with ipc_socket_path() as socket:
        directory = socket.parent
        assert directory.is_dir() and (directory.stat().st_mode & 0o077) == 0
        assert len(str(socket).encode()) < 100  # AF_UNIX paths are short
    assert not directory.exists()


@needs_mpv
async def test_an_episode_played_to_its_end_is_recorded_watched(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)
    player = make_player(save_interval=0.5)
    sink = Positions(player.external_playback(title, 1))
    with ipc_socket_path() as socket:
        run = asyncio.create_task(run_mpv(mpv_command(client, title, 1, socket), socket, sink))
        try:
            # Saved while mpv still plays, every save_interval (the first report may be the
            # start, 0.0, on a loaded machine).
            async with asyncio.timeout(15):
                while (saved := history.progress(9001, 1)) is None or saved.position == 0:
                    assert not run.done(), "mpv ended before a position was saved"
                    await asyncio.sleep(0.05)
            assert 0 < saved.position < 3.5 and not saved.watched
            assert await run == 0
        finally:
            # A failed check must not leave mpv playing into the next test.
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
    assert sink.reason == "eof"
    assert sink.seen == sorted(sink.seen) and len(sink.seen) > 10
    # From the top, every frame: no segment jumped over.
    assert sink.seen[0] < 0.5 and max(b - a for a, b in itertools.pairwise(sink.seen)) < 0.5
    final = history.progress(9001, 1)
    assert final is not None and final.watched
    assert final.position == final.duration == pytest.approx(4.0, abs=0.2)
    assert [e.episode for e in recorder.of(EpisodeWatched)] == [1]
    assert recorder.of(PlaybackStopped)[-1].title_id == 9001
    assert [r.title_id for r in history.recent_titles()] == [9001]
    # Watched: the next play starts from the beginning.
    stream = player.external_stream(title, 1, stream_url=client.stream_url)
    assert stream is not None and stream[1] == 0.0


@needs_mpv
async def test_no_sound_card_still_ends_at_the_end_of_file(
    make_player: MakePlayer, client: AniLibriaClient, history: HistoryStore
) -> None:
    # An SSH server has no sound card: mpv must still report the end of the file, not an error.
    title = await fetch_title(client, 9001)
    sink = Positions(make_player().external_playback(title, 6))
    with ipc_socket_path() as socket:
        command = mpv_command(client, title, 6, socket)
        command[-2:-2] = ["--ao=alsa", "--audio-device=alsa/anitui-no-such-device"]
        assert await run_mpv(command, socket, sink) == 0
    assert sink.reason == "eof"
    progress = history.progress(9001, 6)
    assert progress is not None and progress.watched


@needs_mpv
async def test_quitting_mpv_midway_records_the_position_and_the_next_play_resumes(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)
    # A save interval longer than the clip: only the save at the end can record it.
    player = make_player(save_interval=60.0)
    sink = Positions(player.external_playback(title, 2))
    with ipc_socket_path() as socket:
        run = asyncio.create_task(run_mpv(mpv_command(client, title, 2, socket), socket, sink))
        async with asyncio.timeout(15):
            while not sink.seen or sink.seen[-1] < 1.0:
                assert not run.done()
                await asyncio.sleep(0.02)
        assert history.progress(9001, 2) is None
        await quit_mpv(socket)
        assert await run == 0
    assert sink.reason == "quit"
    saved = history.progress(9001, 2)
    assert saved is not None and not saved.watched
    assert 1.0 <= saved.position < 3.4 and saved.position == pytest.approx(sink.seen[-1])
    assert not recorder.of(EpisodeWatched)
    stream = player.external_stream(title, 2, stream_url=client.stream_url)
    assert stream is not None and stream[1] == pytest.approx(saved.position)


@needs_mpv
async def test_cancelling_stops_mpv_and_still_records(
    make_player: MakePlayer, client: AniLibriaClient, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)
    player = make_player(save_interval=60.0)
    sink = Positions(player.external_playback(title, 3))
    with ipc_socket_path() as socket:
        run = asyncio.create_task(run_mpv(mpv_command(client, title, 3, socket), socket, sink))
        async with asyncio.timeout(15):
            while not sink.seen or sink.seen[-1] < 0.5:
                await asyncio.sleep(0.02)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
    assert sink.reason == "quit"
    saved = history.progress(9001, 3)
    assert saved is not None and 0.5 <= saved.position < 3.4 and not saved.watched


@needs_mpv
async def test_auto_skips_seek_the_mpv_command_past_the_shifted_opening(
    make_player: MakePlayer, client: AniLibriaClient, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9013)  # opening [1, 2]
    history.set_skip_offset(9013, 0.5)
    player = make_player()
    sink = Positions(player.external_playback(title, 1))
    with ipc_socket_path() as socket:
        assert await run_mpv(mpv_command(client, title, 1, socket), socket, sink) == 0
    assert sink.reason == "eof"
    assert any(1.5 <= p < 1.6 for p in sink.seen)  # entered the range…
    assert not any(1.8 <= p < 2.5 for p in sink.seen)  # …and jumped over it
    assert any(p >= 2.5 for p in sink.seen)


@needs_mpv
async def test_ask_mode_plays_through_in_the_terminal(
    make_player: MakePlayer, client: AniLibriaClient
) -> None:
    # Nobody can answer an offer while mpv has the terminal.
    title = await fetch_title(client, 9013)
    sink = Positions(make_player(skip_mode="ask").external_playback(title, 1))
    with ipc_socket_path() as socket:
        assert await run_mpv(mpv_command(client, title, 1, socket), socket, sink) == 0
    assert any(1.2 <= p < 1.9 for p in sink.seen), sink.seen


@needs_mpv
async def test_mpv_failing_to_open_records_nothing(
    make_player: MakePlayer, client: AniLibriaClient, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)
    sink = Positions(make_player().external_playback(title, 1))
    assert title.player is not None
    with ipc_socket_path() as socket:
        command = terminal_command(
            f"{client.stream_url(title.player, '/missing.m3u8')}",
            "null",
            start=0,
            title="t",
            ao="null",
            ipc_server=socket,
        )
        code = await run_mpv(command, socket, sink)
    assert code == 2  # mpv: no file could be played
    assert sink.seen == [] and history.progress(9001, 1) is None


# --- the rules alone, with an injected clock -----------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_positions_are_saved_every_save_interval_and_watched_past_the_threshold(
    bus: EventBus, recorder: Recorder, history: HistoryStore, client: AniLibriaClient
) -> None:
    title = await fetch_title(client, 9001)
    clock = Clock()
    player = PlayerService(
        bus,
        history,
        settings=PlayerSettings(save_interval=10.0, watched_threshold=0.85),
        clock=clock,
    )
    playback = player.external_playback(title, 4)
    assert playback.progressed(100.0, 1400.0) is None
    clock.now += 9.9
    playback.progressed(110.0, 1400.0)
    assert history.progress(9001, 4) is None  # not yet: 9.9 s < save_interval
    clock.now += 0.1
    playback.progressed(111.0, 1400.0)
    saved = history.progress(9001, 4)
    assert saved is not None and (saved.position, saved.duration) == (111.0, 1400.0)
    assert saved.updated_at == clock.now
    playback.progressed(1190.0, None)  # 85 %; the duration stays known
    await asyncio.sleep(0)
    progress = history.progress(9001, 4)
    assert progress is not None and progress.watched
    assert len(recorder.of(EpisodeWatched)) == 1
    playback.progressed(1200.0, 1400.0)
    playback.ended("quit")
    await asyncio.sleep(0)
    final = history.progress(9001, 4)
    assert final is not None and final.watched and final.position == 1200.0
    assert len(recorder.of(EpisodeWatched)) == 1
    assert recorder.of(PlaybackStopped)[-1].position == 1200.0


async def test_nothing_reported_leaves_history_alone(
    bus: EventBus, recorder: Recorder, history: HistoryStore, client: AniLibriaClient
) -> None:
    title = await fetch_title(client, 9001)
    history.record_position(9001, 5, 300.0, 1400.0, at=1.0)
    player = PlayerService(bus, history, settings=PlayerSettings())
    player.external_playback(title, 5).ended(None)
    player.external_playback(title, 5).ended("error")
    await asyncio.sleep(0)
    progress = history.progress(9001, 5)
    assert progress is not None and progress.position == 300.0 and not progress.watched
    assert not recorder.of(PlaybackStopped)


@pytest.mark.parametrize(
    ("outputs", "environ", "expected"),
    [
        # Debian's mpv 0.35 offers sixel, but most terminals draw no Sixel: tct.
        (("sixel", "tct"), {"TERM": "xterm-256color"}, "tct"),
        (("sixel", "tct"), {"TERM": "foot"}, "sixel"),
        (("sixel", "tct"), {"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
        # Kitty graphics only where the mpv command lists them.
        (("sixel", "tct"), {"TERM": "xterm-kitty"}, "tct"),
        (("kitty", "sixel", "tct"), {"TERM": "xterm-kitty"}, "kitty"),
        (("kitty", "sixel", "tct"), {"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, "kitty"),
        # tmux and screen pass neither through.
        (("kitty", "sixel", "tct"), {"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, "tct"),
        (("kitty", "sixel", "tct"), {"TERM": "foot", "TMUX": "/tmp/tmux-0/default,1,0"}, "tct"),
        (("sixel", "tct"), {"TERM": "screen-256color"}, "tct"),
        ((), {"TERM": "xterm-256color"}, None),
    ],
)
def test_the_output_fits_the_terminal(
    outputs: tuple[str, ...], environ: dict[str, str], expected: str | None
) -> None:
    assert pick_output(outputs, environ) == expected


@pytest.mark.parametrize(
    ("cards", "environ", "expected"),
    [
        (None, {}, False),
        (" --- no soundcards ---\n", {}, False),
        ("", {}, False),
        (" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n", {}, True),
        (None, {"PULSE_SERVER": "tcp:localhost:4713"}, True),
    ],
)
def test_a_sound_device_is_reachable_through_a_card_or_a_sound_server(
    tmp_path: Path, cards: str | None, environ: dict[str, str], expected: bool
) -> None:
    listing = tmp_path / "cards"
    if cards is not None:
        listing.write_text(cards)
    assert sound_reachable(environ, cards=listing) is expected


@pytest.mark.parametrize("socket", ["pulse/native", "pipewire-0"])
def test_a_sound_server_socket_in_the_runtime_dir_is_a_sound_device(
    tmp_path: Path, socket: str
) -> None:
    (tmp_path / socket).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / socket).touch()
    environ = {"XDG_RUNTIME_DIR": str(tmp_path)}
    assert sound_reachable(environ, cards=tmp_path / "no-cards")


def test_a_configured_audio_output_is_always_used() -> None:
    assert terminal_audio("pulse", {}) == "pulse"


@needs_mpv
async def test_without_a_sound_device_nothing_writes_over_the_terminal_video(
    client: AniLibriaClient, tmp_path: Path
) -> None:
    """ALSA and JACK print their failures straight to the terminal mpv draws on: where no
    sound device can be reached, mpv is not sent to try them."""
    if sound_reachable({}) or sound_reachable({"XDG_RUNTIME_DIR": "/run/user/0"}):
        pytest.skip("this machine has a sound device")
    title = await fetch_title(client, 9001)
    assert title.player is not None
    hls = next(e for e in title.player.episodes if e.serie == 1).hls.sd
    assert hls is not None
    ao = terminal_audio("", {})
    command = terminal_command(
        client.stream_url(title.player, hls), "null", start=0.0, title="t", ao=ao
    )
    command[-2:-2] = ["--length=1"]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await process.communicate()
    assert process.returncode == 0
    assert b"ALSA lib" not in err and b"jack" not in err.lower(), err.decode(errors="replace")

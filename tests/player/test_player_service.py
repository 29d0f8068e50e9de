"""PlayerService against real libmpv (headless) and the devserver's HLS clips (4 s each)."""

from __future__ import annotations

import asyncio
import importlib.abc
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.services.player import (
    INSTALL_COMMAND,
    EpisodeFinished,
    EpisodeWatched,
    PlaybackFailed,
    PlaybackProgressed,
    PlaybackStarted,
    PlaybackStopped,
    PlayerService,
    PlayerSettings,
    PlayerUnavailable,
    SkipApplied,
    SkipOffered,
)
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import Hls, Player, Title
from app.store.db import Database
from app.store.history import HistoryStore
from app.store.progress_sync import EpisodeKey, ProgressSyncStore
from tests.player.conftest import Recorder, fetch_title

MakePlayer = Callable[..., PlayerService]


def with_episode_hls(title: Title, index: int = 0, **hls: str | None) -> Title:
    """`title` with the HLS paths of its episode at `index` changed."""
    assert title.player is not None
    episodes = list(title.player.episodes)
    episodes[index] = episodes[index]._replace(hls=episodes[index].hls._replace(**hls))
    player = title.player._replace(episodes=tuple(episodes))
    return title._replace(player=player)


def with_host(title: Title, host: str) -> Title:
    assert title.player is not None
    return title._replace(player=title.player._replace(host=host))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_play_saves_position_on_stop_and_resumes(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)  # no skips
    player = make_player()
    assert player.available and player.unavailable_reason is None
    assert await player.play(title, 1, stream_url=client.stream_url)
    started = await recorder.wait_for(PlaybackStarted)
    assert started.start == 0.0 and started.quality == "fhd"
    assert started.media_title == f"{title.display_name} — episode 1"
    assert player._mpv.media_title == started.media_title
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 1.0)
    saved = history.progress(9001, 1)  # saved while playing (save_interval 0.2 s)
    assert saved is not None and saved.position > 0

    await player.stop()
    stopped = await recorder.wait_for(PlaybackStopped)
    saved = history.progress(9001, 1)
    assert saved is not None and not saved.watched
    assert saved.position == stopped.position >= 1.0
    assert saved.duration == pytest.approx(4.0, abs=0.2)
    assert [r.title_id for r in history.recent_titles()] == [9001]

    mark = recorder.mark()
    assert await player.play(title, 1, stream_url=client.stream_url)
    resumed = await recorder.wait_for(PlaybackStarted, since=mark)
    assert resumed.start == pytest.approx(saved.position)
    first = await recorder.wait_for(PlaybackProgressed, since=mark)
    assert first.position >= saved.position - 0.3


async def test_skips_jump_over_the_range_and_never_loop(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9013)  # opening [1, 2]
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    skip = await recorder.wait_for(SkipApplied)
    assert (skip.kind, skip.start, skip.end, skip.episode) == ("opening", 1.0, 2.0, 1)
    after = await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 2.0)
    # Back into the range (as an early-landing seek would): it is not skipped again.
    mark = recorder.mark()
    await player.seek(-(after.position - 1.2))
    await recorder.wait_for(PlaybackProgressed, lambda e: 1.0 <= e.position < 2.0, since=mark)
    await recorder.wait_for(EpisodeFinished)
    assert len(recorder.of(SkipApplied)) == 1
    assert not recorder.of(PlaybackStarted, since=mark)


async def test_skip_offset_and_ask_mode(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9013)
    history.set_skip_offset(9013, 0.5)
    player = make_player(skip_mode="ask", autoplay=False)
    assert await player.play(title, 2, stream_url=client.stream_url)
    offer = await recorder.wait_for(SkipOffered)
    assert (offer.kind, offer.start, offer.end) == ("opening", 1.5, 2.5)
    assert not recorder.of(SkipApplied)
    await player.accept_skip()
    applied = await recorder.wait_for(SkipApplied)
    assert (applied.start, applied.end) == (1.5, 2.5)
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 2.5)


async def test_end_of_file_marks_watched_and_starts_the_next_episode(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9006)  # opening [1, 2], ending [3, 4]: the clip's end
    player = make_player()
    assert await player.play(title, 1, stream_url=client.stream_url)
    finished = await recorder.wait_for(EpisodeFinished)
    assert (finished.episode, finished.watched, finished.next_episode) == (1, True, 2)
    assert [(s.kind, s.episode) for s in recorder.of(SkipApplied)] == [
        ("opening", 1),
        ("ending", 1),
    ]
    assert recorder.of(EpisodeWatched)[0].episode == 1
    progress = history.progress(9006, 1)
    assert progress is not None and progress.watched
    nxt = await recorder.wait_for(PlaybackStarted, lambda e: e.episode == 2)
    assert nxt.start == 0.0
    assert title.player is not None
    assert history.next_unwatched(9006, [e.serie for e in title.player.episodes]) == 2
    assert not recorder.of(PlaybackStopped)


async def test_a_closed_port_falls_back_to_the_next_caching_node(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, devserver: Any
) -> None:
    netloc = f"127.0.0.1:{devserver.port}"
    title = with_host(await fetch_title(client, 9001), f"127.0.0.1:{closed_port()}")
    player = make_player()
    assert await player.play(title, 1, stream_url=client.stream_url, caching_nodes=[netloc])
    started = await recorder.wait_for(PlaybackStarted)
    assert started.host == netloc
    assert not recorder.of(PlaybackFailed)


async def test_a_failing_playlist_falls_back_and_every_host_failing_is_reported(
    make_player: MakePlayer, recorder: Recorder, fresh_devserver: Any
) -> None:
    api = AniLibriaClient.create(fresh_devserver.anilibria_api, fresh_devserver.anilibria_site)
    try:
        title = (await api.get_title(id=9001)).value
        assert title.player is not None and title.player.episodes[0].hls.fhd
        playlist = title.player.episodes[0].hls.fhd
        other = f"localhost:{fresh_devserver.port}"
        player = make_player(autoplay=False)

        fresh_devserver.faults.fail_next(playlist, 503)
        assert await player.play(title, 1, stream_url=api.stream_url, caching_nodes=[other])
        started = await recorder.wait_for(PlaybackStarted)
        assert started.host == other
        await player.stop()

        fresh_devserver.faults.fail_next(playlist, 404, times=2)
        mark = recorder.mark()
        assert await player.play(title, 1, stream_url=api.stream_url, caching_nodes=[other])
        failed = await recorder.wait_for(PlaybackFailed, since=mark)
        assert title.player.host is not None
        assert title.player.host in sentence(failed) and other in sentence(failed)
        assert not recorder.of(PlaybackStarted, since=mark)
    finally:
        await api.aclose()


async def test_quality_falls_back_and_cycles_while_playing(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = with_episode_hls(await fetch_title(client, 9001), fhd=None)
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    started = await recorder.wait_for(PlaybackStarted)
    assert started.quality == "hd"
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 0.5)
    mark = recorder.mark()
    assert await player.cycle_quality() == "sd"
    switched = await recorder.wait_for(PlaybackStarted, since=mark)
    assert switched.quality == "sd" and switched.start >= 0.5
    progress = await recorder.wait_for(PlaybackProgressed, since=mark)
    assert progress.quality == "sd"


async def test_preferred_quality_is_used_when_available(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9001)
    player = make_player(quality_order=("sd", "hd", "fhd"), autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    assert (await recorder.wait_for(PlaybackStarted)).quality == "sd"


async def test_user_mpv_conf_cannot_change_output_or_terminal(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, mpv_config_dir: Path
) -> None:
    (mpv_config_dir / "mpv.conf").write_text("vo=gpu\nterminal=yes\nvolume=37\n")
    title = await fetch_title(client, 9001)
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    progress = await recorder.wait_for(PlaybackProgressed)
    assert progress.volume == 37.0  # the user's config is honoured…
    mpv = player._mpv
    assert [entry["name"] for entry in mpv.vo] == ["null"]  # …except what the app depends on
    assert mpv.terminal is False
    assert mpv.input_default_bindings is False


async def test_user_mpv_conf_can_be_disabled(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, mpv_config_dir: Path
) -> None:
    (mpv_config_dir / "mpv.conf").write_text("volume=37\n")
    title = await fetch_title(client, 9001)
    player = make_player(use_user_mpv_config=False, autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    progress = await recorder.wait_for(PlaybackProgressed)
    assert progress.volume == 100.0


async def test_controls(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9001)
    player = make_player(autoplay=False)
    assert await player.play(title, 2, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackStarted)
    mark = recorder.mark()
    await player.toggle_pause()
    await recorder.wait_for(PlaybackProgressed, lambda e: e.paused, since=mark)
    await player.toggle_mute()
    await recorder.wait_for(PlaybackProgressed, lambda e: e.muted, since=mark)
    await player.change_volume(-10)
    await recorder.wait_for(PlaybackProgressed, lambda e: e.volume == 90.0, since=mark)
    await player.cycle_audio()
    await player.cycle_subtitles()
    await player.toggle_pause()
    await recorder.wait_for(PlaybackProgressed, lambda e: not e.paused, since=mark)
    mark = recorder.mark()
    assert await player.previous_episode()
    assert (await recorder.wait_for(PlaybackStarted, since=mark)).episode == 1
    assert not await player.previous_episode()
    mark = recorder.mark()
    assert await player.next_episode()
    assert (await recorder.wait_for(PlaybackStarted, since=mark)).episode == 2


class _NoLibmpv(importlib.abc.MetaPathFinder):
    """Import `mpv` the way it fails when libmpv2 is not installed."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "mpv":
            raise OSError("cannot find libmpv")
        return None


async def test_missing_libmpv_is_reported_not_raised(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, monkeypatch: Any
) -> None:
    monkeypatch.delitem(sys.modules, "mpv", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoLibmpv(), *sys.meta_path])
    player = make_player()
    assert not player.available
    assert player.unavailable_reason is not None and INSTALL_COMMAND in player.unavailable_reason
    title = await fetch_title(client, 9001)
    assert not await player.play(title, 1, stream_url=client.stream_url)
    event = await recorder.wait_for(PlayerUnavailable)
    assert INSTALL_COMMAND in sentence(event)
    await player.stop()
    await player.toggle_pause()


async def test_prepare_starts_libmpv_idle_and_play_uses_that_one(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    # A Title screen prepares: the keypress then only opens the stream.
    player = make_player()
    await player.prepare()
    prepared = player._mpv
    assert prepared is not None and prepared.idle_active
    assert not player.playing
    title = await fetch_title(client, 9001)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position > 0)
    assert player._mpv is prepared


async def test_prepare_without_libmpv_says_nothing_until_play(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, monkeypatch: Any
) -> None:
    monkeypatch.delitem(sys.modules, "mpv", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoLibmpv(), *sys.meta_path])
    player = make_player()
    await player.prepare()
    assert player._mpv is None
    title = await fetch_title(client, 9001)
    assert not await player.play(title, 1, stream_url=client.stream_url)
    # One message, for the play the user asked for; none for opening the Title screen.
    await recorder.wait_for(PlayerUnavailable)
    assert len(recorder.of(PlayerUnavailable)) == 1


async def test_unplayable_titles_get_clear_messages(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    player = make_player()
    blocked = await fetch_title(client, 9031)
    assert not await player.play(blocked, 1, stream_url=client.stream_url)
    assert "blocked" in sentence(await recorder.wait_for(PlaybackFailed))

    normal = await fetch_title(client, 9001)
    assert normal.player is not None
    empty = normal._replace(player=normal.player._replace(episodes=()))
    mark = recorder.mark()
    assert not await player.play(empty, 1, stream_url=client.stream_url)
    assert "no episodes" in sentence(await recorder.wait_for(PlaybackFailed, since=mark))

    no_quality = with_episode_hls(normal, fhd=None, hd=None, sd=None)
    mark = recorder.mark()
    assert not await player.play(no_quality, 1, stream_url=client.stream_url)
    message = sentence(await recorder.wait_for(PlaybackFailed, since=mark))
    assert "no stream in any quality" in message and "Episode 1" in message

    mark = recorder.mark()
    assert not await player.play(normal, 99, stream_url=client.stream_url)
    assert "no episode 99" in sentence(await recorder.wait_for(PlaybackFailed, since=mark))
    assert player._mpv is None  # nothing was worth starting libmpv for
    assert no_quality.player is not None
    assert Hls(None, None, None) == no_quality.player.episodes[0].hls
    assert isinstance(normal.player, Player)


async def test_mpv_quitting_on_its_own_stops_and_the_next_play_starts_a_new_one(
    make_player: MakePlayer,
    client: AniLibriaClient,
    recorder: Recorder,
    history: HistoryStore,
    db: Database,
) -> None:
    title = await fetch_title(client, 9001)
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 0.5)
    first = player._mpv
    first.command("quit")  # as closing mpv's window does
    stopped = await recorder.wait_for(PlaybackStopped)
    assert stopped.position >= 0.5
    progress = history.progress(9001, 1)
    assert progress is not None and progress.position == stopped.position
    # Kept beside the number: the key the account's watch progress is synced by.
    assert title.player is not None and title.player.episodes[0].uuid
    assert ProgressSyncStore(db).episode_of(title.player.episodes[0].uuid) == EpisodeKey(9001, 1)
    mark = recorder.mark()
    assert await player.play(title, 2, stream_url=client.stream_url)
    assert (await recorder.wait_for(PlaybackStarted, since=mark)).episode == 2
    assert player._mpv is not first


async def test_watched_by_hand(
    make_player: MakePlayer, recorder: Recorder, history: HistoryStore, db: Database
) -> None:
    player = make_player()
    player.set_watched(9001, 3, True, uuid="uuid-of-3")
    assert history.watched_count(9001) == 1
    player.set_watched(9001, 3, False)
    assert history.watched_count(9001) == 0
    # The mark made without a uuid kept the known one.
    assert ProgressSyncStore(db).episode_of("uuid-of-3") == EpisodeKey(9001, 3)
    event = await recorder.wait_for(EpisodeWatched, lambda e: not e.watched)
    assert event.episode == 3
    assert [(e.episode, e.watched) for e in recorder.of(EpisodeWatched)] == [(3, True), (3, False)]


async def test_positions_are_saved_every_save_interval_of_the_injected_clock(
    bus: Any,
    history: HistoryStore,
    mpv_config_dir: Path,
    client: AniLibriaClient,
    recorder: Recorder,
) -> None:
    now = [1000.0]
    settings = PlayerSettings(
        vo="null", ao="null", mpv_config_dir=mpv_config_dir, save_interval=60.0, autoplay=False
    )
    player = PlayerService(bus, history, settings=settings, clock=lambda: now[0])
    try:
        title = await fetch_title(client, 9001)
        assert await player.play(title, 1, stream_url=client.stream_url)
        await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 0.3)
        assert history.progress(9001, 1) is None  # 60 s have not passed on this clock
        now[0] += 60.0
        mark = recorder.mark()
        await recorder.wait_for(PlaybackProgressed, since=mark)
        saved = history.progress(9001, 1)
        assert saved is not None and saved.updated_at == 1060.0 and saved.position >= 0.3
    finally:
        await player.shutdown()


async def test_skip_mode_off_plays_through_the_range(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9013)
    player = make_player(skip_mode="off", autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackProgressed, lambda e: 1.0 <= e.position < 2.0)
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 2.0)
    assert not recorder.of(SkipApplied) and not recorder.of(SkipOffered)


async def test_an_offer_is_shown_in_progress_and_expires_past_the_range(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9013)  # opening [1, 2]
    player = make_player(skip_mode="ask", autoplay=False)
    assert await player.accept_skip() is False  # idle: nothing on offer
    assert await player.play(title, 1, stream_url=client.stream_url)
    offer = await recorder.wait_for(SkipOffered)
    assert offer.kind == "opening"
    assert player.skip_offer == "opening"
    await recorder.wait_for(PlaybackProgressed, lambda e: e.skip_offered == "opening")
    # Played past the range without an answer: the offer is over, at once (not throttled).
    passed = await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 2.0)
    assert passed.skip_offered is None and player.skip_offer is None
    assert await player.accept_skip() is False
    progress = recorder.of(PlaybackProgressed)
    assert all(e.skip_offered is None for e in progress if not 1.0 <= e.position < 2.0)
    assert not recorder.of(SkipApplied)
    await player.stop()


async def test_seeking_out_of_an_offered_range_withdraws_the_offer(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9013)
    player = make_player(skip_mode="ask", autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(SkipOffered)
    await player.toggle_pause()
    await recorder.wait_for(PlaybackProgressed, lambda e: e.paused)
    # Back before the opening while paused: no more offer, and a late S skips nothing.
    mark = recorder.mark()
    await player.seek(-5)
    withdrawn = await recorder.wait_for(PlaybackProgressed, lambda e: e.position < 1.0, since=mark)
    assert withdrawn.skip_offered is None and player.skip_offer is None
    assert await player.accept_skip() is False
    assert not recorder.of(SkipApplied)
    await player.stop()


async def test_a_new_skip_offset_moves_the_ranges_of_the_episode_playing(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9013)  # opening [1, 2]
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackStarted)
    player.set_skip_offset(9013, 1.5)
    assert history.skip_offset(9013) == 1.5
    player.set_skip_offset(9001, -1.0)  # another title: stored, the episode playing unmoved
    assert history.skip_offset(9001) == -1.0
    skip = await recorder.wait_for(SkipApplied)
    assert (skip.start, skip.end) == (2.5, 3.5)
    await recorder.wait_for(EpisodeFinished)
    assert len(recorder.of(SkipApplied)) == 1


async def test_switching_to_an_episode_without_streams_fails_and_stops(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = with_episode_hls(await fetch_title(client, 9001), 1, fhd=None, hd=None, sd=None)
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackStarted)
    assert not await player.next_episode()
    failed = await recorder.wait_for(PlaybackFailed)
    assert failed.episode == 2 and "no stream in any quality" in sentence(failed)
    assert not player.playing
    assert await _idle_soon(player)


def sentence(event: PlaybackFailed | PlayerUnavailable) -> str:
    """The English sentence an event's msgid and values make."""
    msgid = event.message if isinstance(event, PlaybackFailed) else event.reason
    return msgid.format(**event.values)


async def _idle_soon(player: PlayerService) -> bool:
    """mpv stops the old file asynchronously: poll (up to 5 s) until it is idle."""
    for _ in range(250):
        if player._mpv.idle_active:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_file_of_an_unknown_title_plays_under_its_name_without_history(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)
    assert title.player is not None and title.player.episodes[0].hls.hd
    url = client.stream_url(title.player, title.player.episodes[0].hls.hd)
    player = make_player()
    assert await player.play_file(url, "Show - 03 [720p].mkv")
    started = await recorder.wait_for(PlaybackStarted)
    assert started.media_title == "Show - 03 [720p].mkv" == player._mpv.media_title
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 1.0)
    await player.stop()
    await recorder.wait_for(PlaybackStopped)
    assert history.recent_titles() == []


async def test_a_file_of_a_known_episode_records_and_resumes_it(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder, history: HistoryStore
) -> None:
    title = await fetch_title(client, 9001)
    assert title.player is not None and title.player.episodes[0].hls.hd
    url = client.stream_url(title.player, title.player.episodes[0].hls.hd)
    player = make_player()
    assert await player.play_file(url, "Show - 02.mkv", title_id=9001, episode=2)
    await recorder.wait_for(PlaybackProgressed, lambda e: e.position >= 1.0)
    await player.stop()
    stopped = await recorder.wait_for(PlaybackStopped)
    saved = history.progress(9001, 2)
    assert saved is not None and saved.position == stopped.position >= 1.0

    mark = recorder.mark()
    assert await player.play_file(url, "Show - 02.mkv", title_id=9001, episode=2)
    resumed = await recorder.wait_for(PlaybackStarted, since=mark)
    assert resumed.start == pytest.approx(saved.position)


async def test_a_missing_audio_device_plays_silently_to_the_end(
    make_player: MakePlayer,
    client: AniLibriaClient,
    recorder: Recorder,
    mpv_config_dir: Path,
    history: HistoryStore,
) -> None:
    # An SSH server or a container has no sound card: mpv then ends the file with an error
    # ("audio output initialization failed"), which must not read as a failed host.
    (mpv_config_dir / "mpv.conf").write_text("audio-device=alsa/anitui-no-such-device\n")
    title = await fetch_title(client, 9001)
    player = make_player(ao="alsa", autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    finished = await recorder.wait_for(EpisodeFinished)
    assert finished.watched
    assert not recorder.of(PlaybackFailed)
    assert len(recorder.of(PlaybackStarted)) == 1  # no other host tried
    progress = history.progress(9001, 1)
    assert progress is not None and progress.watched


async def test_an_episode_paused_then_stopped_leaves_the_next_one_playing(
    make_player: MakePlayer, client: AniLibriaClient, recorder: Recorder
) -> None:
    title = await fetch_title(client, 9001)
    player = make_player(autoplay=False)
    assert await player.play(title, 1, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackStarted)
    mark = recorder.mark()
    await player.toggle_pause()
    await recorder.wait_for(PlaybackProgressed, lambda e: e.paused, since=mark)
    await player.stop()

    mark = recorder.mark()
    assert await player.play(title, 2, stream_url=client.stream_url)
    await recorder.wait_for(PlaybackStarted, since=mark)
    playing = await recorder.wait_for(
        PlaybackProgressed, lambda e: e.position > 0.5, since=mark, timeout=5.0
    )
    assert not playing.paused


async def test_libmpv_messages_go_to_the_log(
    make_player: MakePlayer,
    client: AniLibriaClient,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # No sound card here: ALSA and JACK fail to open, and libmpv says so.
    title = await fetch_title(client, 9001)
    player = make_player(ao="alsa,jack", autoplay=False)
    with caplog.at_level(logging.WARNING, logger="anitui.mpv"):
        assert await player.play(title, 1, stream_url=client.stream_url)
        # The audio output opens once the stream's first frames are decoded.
        await recorder.wait_for(PlaybackProgressed, lambda e: e.position > 0.5)
    messages = [r.getMessage() for r in caplog.records if r.name == "anitui.mpv"]
    assert any(m.startswith("ao/alsa: ") for m in messages), messages
    assert any(m.startswith("ao/jack: ") for m in messages), messages

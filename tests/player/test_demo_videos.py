"""The demo torrents' files are videos libmpv plays to their end (vo/ao null): the clip, null
packets after it and a few 0xFF bytes at the very end, in a file named `.mkv`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.devserver.demo_media import PIECE_LENGTH, clip, video
from app.services.player import EpisodeFinished, PlaybackFailed, PlaybackProgressed, PlayerService
from tests.player.conftest import Recorder

MakePlayer = Callable[..., PlayerService]


async def test_a_padded_demo_video_plays_to_its_end(
    make_player: MakePlayer, recorder: Recorder, tmp_path: Path
) -> None:
    size = (len(clip("1080")) // PIECE_LENGTH + 3) * PIECE_LENGTH
    assert size % 188, "the file must end in a part packet"
    path = tmp_path / "Show - 01 [1080p].mkv"
    path.write_bytes(video("1080", size))
    player = make_player()
    assert await player.play_file(str(path), path.name)
    progressed = await recorder.wait_for(PlaybackProgressed, lambda e: e.duration is not None)
    assert progressed.duration is not None and 3.9 <= progressed.duration <= 4.1
    await recorder.wait_for(EpisodeFinished)
    assert not recorder.of(PlaybackFailed)

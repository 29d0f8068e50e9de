"""The demo torrents' payload: the committed clips padded to whole pieces, hashed per file."""

from __future__ import annotations

import hashlib

import pytest

from app.devserver.demo_media import (
    CLIP_HEIGHTS,
    PIECE_LENGTH,
    VideoFile,
    VideoTorrent,
    clip,
    clip_height,
    video,
    video_size,
)

NULL_PACKET = b"\x47\x1f\xff\x10" + b"\xff" * 184


@pytest.mark.parametrize(
    ("resolution", "height"),
    [("2160p", "1080"), ("1080p", "1080"), (1080, "1080"), ("720p", "720"), ("BD 720", "720"),
     ("576p", "480"), ("480p", "480"), ("360p", "480"), (None, "1080"), ("WEBRip", "1080")],
)  # fmt: skip
def test_clip_height_is_the_largest_clip_not_above_the_resolution(
    resolution: object, height: str
) -> None:
    assert clip_height(resolution) == height


@pytest.mark.parametrize("height", CLIP_HEIGHTS)
def test_a_video_is_its_clip_then_null_packets(height: str) -> None:
    data = clip(height)
    assert data[:1] == b"\x47" and len(data) % 188 == 0
    size = video_size(height, "episode", 1)
    assert size % PIECE_LENGTH == 0 and len(data) <= size <= len(data) + 8 * PIECE_LENGTH
    assert size == video_size(height, "episode", 1)  # deterministic
    padded = video(height, size)
    assert len(padded) == size and padded.startswith(data)
    tail = padded[len(data) :]
    whole = len(tail) // 188 * 188
    assert tail[:whole] == NULL_PACKET * (whole // 188)
    assert set(tail[whole:]) <= {0xFF}  # no sync byte: a demuxer finds the end there
    with pytest.raises(ValueError, match="cannot hold"):
        video(height, len(data) - 188)


def test_sizes_spread_over_the_extra_pieces_asked_for() -> None:
    least = video_size("480", "ep", extra_pieces=(0, 0)) // PIECE_LENGTH
    assert least == -(-len(clip("480")) // PIECE_LENGTH)
    sizes = {video_size("480", "ep", n, extra_pieces=(2, 4)) // PIECE_LENGTH for n in range(40)}
    assert sizes == {least + 2, least + 3, least + 4}


def test_a_higher_quality_makes_bigger_files() -> None:
    """Summed over a season (the torrent sizes the lists show) the order always holds."""
    for season in range(20):
        totals = [sum(video_size(h, season, n) for n in range(1, 13)) for h in CLIP_HEIGHTS]
        assert totals == sorted(totals) and len(set(totals)) == 3


def test_info_dict_and_hash_are_those_of_the_payload() -> None:
    lt = pytest.importorskip("libtorrent")
    files = (
        VideoFile("Show - 01 [480p].mkv", "480", video_size("480", 1)),
        VideoFile("Show - 02 [480p].mkv", "480", video_size("480", 2)),
        VideoFile("Show - 03 [1080p].mkv", "1080", video_size("1080", 3)),
    )
    folder = VideoTorrent("Show [480p]", files)
    film = VideoFile("Film.1080p.mkv", "1080", files[2].size)
    single = VideoTorrent("Film.1080p.mkv", (film,), single=True)
    with pytest.raises(ValueError):
        VideoTorrent("Two", files[:2], single=True)
    for torrent in (folder, single):
        info = lt.torrent_info(lt.bdecode(torrent.torrent_file(["http://127.0.0.1:1/announce"])))
        assert str(info.info_hashes().v1) == torrent.info_hash
        assert info.total_size() == torrent.total_size
        stream = b"".join(data for _, data in torrent.payload())
        assert len(stream) == torrent.total_size
        # The per-file piece hashes are those of the bytes as one stream.
        for index in range(info.num_pieces()):
            piece = stream[index * PIECE_LENGTH : (index + 1) * PIECE_LENGTH]
            assert info.hash_for_piece(index) == hashlib.sha1(piece).digest()
    assert [path for path, _ in folder.payload()] == [f"Show [480p]/{f.path}" for f in files]
    assert [path for path, _ in single.payload()] == ["Film.1080p.mkv"]

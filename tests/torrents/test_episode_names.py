"""The episode a downloaded file's name carries: what `P` records in history."""

from __future__ import annotations

import pytest

from app.services.torrent_meta import episode_in_file_name


@pytest.mark.parametrize(
    ("name", "episode"),
    [
        ("Show - 03 [1080p].mkv", 3),
        ("Kira's Ice Tower [WEBRip 1080p]/Kira's Ice Tower - 07 [1080p].mkv", 7),
        ("[Group] Show - 01v2 (1080p).mkv", 1),
        ("Show - 12.5.mkv", 12.5),
        ("Show 2 - 04.mkv", 4),
        ("Show E05 [720p].mkv", 5),
        ("Show [1080p].mkv", None),
        ("Movie.mkv", None),
        ("Show 2.mkv", None),
    ],
)
def test_episode_in_file_name(name: str, episode: int | float | None) -> None:
    assert episode_in_file_name(name) == episode

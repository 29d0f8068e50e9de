"""Episode numbers read from real-world file names: what must be read, and what must not be
misread (years, resolutions, codecs, CRCs, seasons, batches)."""

from __future__ import annotations

import pytest

from app.services.episode_numbers import episode_from_name, is_video

NAMES: list[tuple[str, int | float | None]] = [
    # fansub groups
    ("[SubsPlease] Sousou no Frieren - 07 (1080p) [ABCD1234].mkv", 7),
    ("[SubsPlease] Dandadan - 12 (720p) [0F1E2D3C].mkv", 12),
    ("[Erai-raws] Kusuriya no Hitorigoto - 07 [1080p][Multiple Subtitle][ENG][8A5F6C12].mkv", 7),
    ("[Erai-raws] Spy x Family - 25 [v2][1080p][HEVC][Multiple Subtitle].mkv", 25),
    ("[HorribleSubs] Mob Psycho 100 - 05 [1080p].mkv", 5),
    ("[Judas] Vinland Saga - S02E07 [1080p][HEVC x265 10bit][Eng-Subs].mkv", 7),
    ("[ASW] Oshi no Ko - 07 [1080p HEVC x265 10Bit][AAC].mkv", 7),
    ("[Group] Show - 01v2 (1080p).mkv", 1),
    ("[Group] Show - 07v3 [1920x1080 x264 AAC].mkv", 7),
    ("[Group] Show - 1105 [1080p].mkv", 1105),
    # nekoBT / scene shapes
    ("Sousou.no.Frieren.S01E07.1080p.WEB.H.264-VARYG.mkv", 7),
    ("Frieren.Beyond.Journeys.End.S01E28.2160p.CR.WEB-DL.DDP2.0.H.265-VARYG.mkv", 28),
    ("Show S2E05 [1080p].mkv", 5),
    ("Show 2x05.mkv", 5),
    ("Show (2024) - 03 [1080p].mkv", 3),
    ("Show 2024 - 03.mkv", 3),
    ("Show 2nd Season - 08 [1080p].mkv", 8),
    ("Show Season 2 - 08.mkv", 8),
    ("86 - Eighty Six - 05.mkv", 5),
    ("Show 2 - 04.mkv", 4),
    # AniLibria's own names
    ("Kira's Ice Tower - 07 [1080p].mkv", 7),
    ("Kira's Ice Tower [WEBRip 1080p]/Kira's Ice Tower - 07 [1080p].mkv", 7),
    ("Sousou_no_Frieren_[07]_[AniLibria_TV]_[WEBRip_1080p].mkv", 7),
    ("Kimetsu no Yaiba [01] [AniLibria] [HDTV-Rip 720p].mkv", 1),
    # markers
    ("Show E05 [720p].mkv", 5),
    ("Show Ep 07.mkv", 7),
    ("Show Ep.07 [1080p].mkv", 7),
    ("Show Episode 7.mkv", 7),
    ("Show #07.mkv", 7),
    ("Провожающая в последний путь Фрирен Серия 07.mkv", 7),
    ("Фрирен - 07 серия [1080p].mkv", 7),
    ("葬送のフリーレン 第07話.mkv", 7),
    ("Show 07.mkv", 7),
    ("Show 007 [x265].mkv", 7),
    # specials
    ("Show - 12.5.mkv", 12.5),
    ("[Group] Show - 12.5 [1080p].mkv", 12.5),
    ("Show E12.5.mkv", 12.5),
    # no single episode: batches
    ("[SubsPlease] Show (01-12) (1080p) [Batch]", None),
    ("[Group] Show - 01-12 [1080p].mkv", None),
    ("Show E01-E12 [1080p].mkv", None),
    ("Show (01 - 24) [BD 1080p].mkv", None),
    ("Show 01~12.mkv", None),
    # nothing that names an episode
    ("Show [1080p].mkv", None),
    ("Movie.mkv", None),
    ("Show 2.mkv", None),
    ("Mob Psycho 100.mkv", None),
    ("Your Name (2016) [1920x1080 x264].mkv", None),
    ("Show [ABCD1234].mkv", None),
    ("Show (2024).mkv", None),
    ("Show.(2011).1080p.BluRay.x264.DTS.5.1.mkv", None),
    ("Show [BD 1080p HEVC 10bit FLAC 2.0].mkv", None),
    ("Show S2 [720p].mkv", None),
    ("Show Part 2.mkv", None),
    ("Hoshizora Express [1080p].mkv", None),
]


def test_the_table_has_at_least_forty_shapes() -> None:
    assert len(NAMES) >= 40


@pytest.mark.parametrize(("name", "episode"), NAMES)
def test_episode_from_name(name: str, episode: int | float | None) -> None:
    assert episode_from_name(name) == episode


@pytest.mark.parametrize(
    ("name", "video"),
    [
        ("Show - 01.mkv", True),
        ("Show - 01.MP4", True),
        ("a/b.avi", True),
        ("clip.webm", True),
        ("stream.ts", True),
        ("movie.m4v", True),
        ("Show - 01.ass", False),
        ("Show - 01.mkv.part", False),
        ("poster.jpg", False),
        ("tvshow.nfo", False),
        ("mkv", False),
        ("dir.mkv/readme", False),
    ],
)
def test_only_video_files_count(name: str, video: bool) -> None:
    assert is_video(name) is video

"""tvshow.nfo and episode NFOs written for titles read from the devserver (API v1 and v2), parsed
back and checked field by field; hostile names come out escaped, control characters gone."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from app.plaintext import html_to_text
from app.services.nfo import ArtworkStatus, NfoService, OutsideFolderError, tvshow_nfo
from app.sources.anilibria.models import Names
from tests.nfo.conftest import Library, parsed, texts

TITLE = 9001
"""Finished, 12 episodes with previews, an alternative (romaji) name, a team."""
NAMED = 9004
"""Ongoing, 8 episodes, three of them named."""


def day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


async def test_tvshow_nfo_holds_the_title_field_by_field(library: Library) -> None:
    series = await library.series(TITLE)
    state = await library.service().create(series)

    show = parsed(series.folder / "tvshow.nfo")
    raw = library.server.catalog.title(TITLE)
    assert raw is not None
    assert show.tag == "tvshow"
    assert texts(show, "title") == ["Звёздный курьер"]
    assert texts(show, "originaltitle") == ["Hoshi no Hakobiya"]
    plot = show.findtext("plot") or ""
    assert plot and plot == html_to_text(series.title.description) and "<" not in plot
    assert texts(show, "year") == ["2019"]
    first_upload = min(item["created_timestamp"] for item in raw["player"]["playlist"].values())
    assert texts(show, "premiered") == [day(first_upload)]
    assert texts(show, "status") == ["Ended"]
    assert texts(show, "genre") == raw["genres"]
    assert texts(show, "studio") == ["AniLibria"]
    [unique] = show.findall("uniqueid")
    assert (unique.text, unique.attrib) == (str(TITLE), {"type": "anilibria", "default": "true"})
    team = raw["team"]
    assert [a.findtext("name") for a in show.findall("actor")] == team["voice"]
    assert {a.findtext("role") for a in show.findall("actor")} == {"Voice"}
    credited = [*team["translator"], *team["editing"], *team["decor"], *team["timing"]]
    assert texts(show, "credits") == list(dict.fromkeys(credited))

    assert state.has_nfo and state.poster.status is ArtworkStatus.PRESENT
    assert series.title.posters is not None and series.title.posters.original.url
    poster = await library.image(series.title.posters.original.url)
    assert (series.folder / "poster.jpg").read_bytes() == poster
    assert series.title.player is not None and series.title.player.episodes[0].preview
    fanart = await library.image(series.title.player.episodes[0].preview)
    assert (series.folder / "fanart.jpg").read_bytes() == fanart
    assert state.fanart.status is ArtworkStatus.PRESENT


async def test_shikimori_and_mal_ids_where_the_source_gives_them(library: Library) -> None:
    raw = library.server.catalog.title(TITLE)
    assert raw is not None
    raw.update(shikimori_id=38000, mal_id=38001)
    series = await library.series(TITLE)

    await library.service().create(series, media=False)

    ids = {u.get("type"): u.text for u in parsed(series.folder / "tvshow.nfo").findall("uniqueid")}
    # AniLiberty v1's newer schema links other sites; AniLibria v2 never did.
    linked = {"shikimori": "38000", "mal": "38001"} if library.api == "v1" else {}
    assert ids == {"anilibria": str(TITLE), **linked}


async def test_an_ongoing_title_continues(library: Library) -> None:
    series = await library.series(NAMED)
    await library.service().create(series, media=False)
    show = parsed(series.folder / "tvshow.nfo")
    assert texts(show, "status") == ["Continuing"]
    # No alternative name: the English one is the original title.
    assert texts(show, "originaltitle") == ["Starlight Courier 3"]


async def test_episode_nfos_sit_beside_their_files(library: Library) -> None:
    series = await library.series(
        NAMED,
        episodes={
            "Starlight Courier 3 - 01 [1080p].mkv": 1,
            "Season 1/Starlight Courier 3 - 02.mkv": 2,
            "Starlight Courier 3 - 04.5.mkv": 4.5,
        },
    )
    await library.service(episode_nfo=True).create(series, media=False)

    raw = library.server.catalog.title(NAMED)
    assert raw is not None
    first, second = raw["player"]["playlist"]["1"], raw["player"]["playlist"]["2"]
    one = parsed(series.folder / "Starlight Courier 3 - 01 [1080p].nfo")
    assert one.tag == "episodedetails"
    assert texts(one, "title") == [first["name"]]
    assert (texts(one, "season"), texts(one, "episode")) == (["1"], ["1"])
    assert texts(one, "aired") == [day(first["created_timestamp"])]
    two = parsed(series.folder / "Season 1" / "Starlight Courier 3 - 02.nfo")
    assert (texts(two, "season"), texts(two, "episode")) == (["1"], ["2"])
    assert texts(two, "aired") == [day(second["created_timestamp"])]
    # In between 4 and 5, not on AniLibria: a special shown before episode 5, nothing invented.
    special = parsed(series.folder / "Starlight Courier 3 - 04.5.nfo")
    assert (texts(special, "season"), texts(special, "episode")) == (["0"], ["4"])
    assert (texts(special, "displayseason"), texts(special, "displayepisode")) == (["1"], ["5"])
    assert special.find("title") is None and special.find("aired") is None


async def test_episode_nfos_only_when_asked(library: Library) -> None:
    series = await library.series(NAMED, episodes={"Show - 01.mkv": 1})
    await library.service().create(series, media=False)
    assert sorted(p.name for p in series.folder.iterdir()) == ["Show - 01.mkv", "tvshow.nfo"]


async def test_hostile_names_are_escaped_and_control_characters_dropped(
    library: Library,
) -> None:
    raw = library.server.catalog.title(TITLE)
    assert raw is not None
    raw["names"]["ru"] = "Tom & Jerry <b>[b]x[/b]</b>\x1b[31m red\x07\x00 ]]> end\ufffe"
    raw["names"]["alternative"] = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>&a;'
    raw["genres"] = ["<script>alert(1)</script>", "R&D", "\x01\x02"]
    raw["team"]["voice"] = ["A&B <i>", "\x1b[2J\x08"]
    series = await library.series(TITLE, "Tom & Jerry")

    await library.service().create(series, media=False)

    data = (series.folder / "tvshow.nfo").read_bytes()
    assert b"&amp;" in data and b"&lt;b&gt;" in data
    assert not any(byte < 0x20 and byte not in b"\t\n" for byte in data)
    show = parsed(series.folder / "tvshow.nfo")
    assert texts(show, "title") == ["Tom & Jerry <b>[b]x[/b]</b> red ]]> end"]
    assert texts(show, "originaltitle") == [raw["names"]["alternative"]]
    assert texts(show, "genre") == ["<script>alert(1)</script>", "R&D"]
    assert [a.findtext("name") for a in show.findall("actor")] == ["A&B <i>"]


async def test_lone_surrogates_never_reach_the_file(library: Library) -> None:
    # JSON's "\ud800" decodes to a lone surrogate, which UTF-8 cannot hold.
    title = await library.title(TITLE)
    broken = title._replace(names=Names("a\ud800b", None, "\udfffc"))
    show = ET.fromstring(tvshow_nfo(broken))
    assert (show.findtext("title"), show.findtext("originaltitle")) == ("ab", "c")


async def test_an_episode_folder_that_leads_out_of_the_series_is_refused(
    library: Library, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    series = await library.series(NAMED, episodes={"Show - 01.mkv": 1})
    (series.folder / "Extras").symlink_to(outside)
    escaping = dataclasses.replace(
        series,
        episodes=(
            *series.episodes,
            dataclasses.replace(
                series.episodes[0], path=series.folder / "Extras" / "Show - 02.mkv", episode=2
            ),
        ),
    )

    state = await library.service(episode_nfo=True).create(escaping, media=False)

    assert list(outside.iterdir()) == []
    [(path, error)] = state.episode_failures
    assert path == series.folder / "Extras" / "Show - 02.nfo"
    assert isinstance(error, OutsideFolderError)
    assert (series.folder / "Show - 01.nfo").is_file() and state.has_nfo


async def test_a_title_without_episodes_has_no_fanart_and_says_so(library: Library) -> None:
    series = await library.series(9031)
    service: NfoService = library.service()
    before = service.state(series.folder, series.title)
    assert before.fanart.status is ArtworkStatus.NONE_AT_SOURCE
    assert before.poster.status is ArtworkStatus.MISSING

    state = await service.create(series)

    assert state.poster.status is ArtworkStatus.PRESENT
    assert state.fanart.status is ArtworkStatus.NONE_AT_SOURCE
    assert not (series.folder / "fanart.jpg").exists()
    # Without the title, nothing says whether the source has one.
    assert service.state(series.folder).fanart.status is ArtworkStatus.MISSING

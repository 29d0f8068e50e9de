"""The local AniLibria v2.13.15 server over real HTTP: every method, its parameters and errors,
the site's files (posters, .torrent, HLS), sessions, faults and the command line."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.bencode import bdecode, bencode
from app.devserver import fields
from app.devserver.catalog import PIECE_LENGTH, Account, Catalog
from app.devserver.server import DevServer

OLD_GENERATION = {9008, 9009, 9033, 9034}
BLOCKED = 9031
ANNOUNCED = 9032
TITLE_KEYS = {
    "id", "code", "names", "announce", "status", "posters", "updated", "last_change", "type",
    "genres", "team", "season", "description", "in_favorites", "blocked", "player", "torrents",
}  # fmt: skip
HOSTILE = ["[b]x[/b]", "[/]", "[@click=app.quit]x", "\x1b[31mred", "<script>]]>&amp;</script>"]


@pytest.fixture(scope="module")
def http(devserver: DevServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=devserver.base_url, timeout=5) as client:
        yield client


@pytest.fixture
def fresh_http(fresh_devserver: DevServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh_devserver.base_url, timeout=5) as client:
        yield client


def api(client: httpx.Client, method: str, **params: Any) -> Any:
    response = client.get(f"/v2/{method}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def login(client: httpx.Client, mail: str = "demo", passwd: str = "demo-password") -> str:
    body = client.post("/public/login.php", data={"mail": mail, "passwd": passwd}).json()
    assert body["err"] == "ok", body
    return str(body["sessionId"])


def info_hash(torrent: bytes) -> str:
    return hashlib.sha1(bencode_info(torrent)).hexdigest()


def bencode_info(torrent: bytes) -> bytes:
    return bencode(bdecode(torrent)[b"info"])


# --- routing, headers, errors ------------------------------------------------------------


def test_every_response_carries_the_api_version(http: httpx.Client) -> None:
    for path in (
        "/v2/getYears",
        "/v2/getTitle?id=1",
        "/v2/nope",
        "/storage/releases/posters/9001/x.jpg",
        "/no/such/path",
    ):
        assert http.get(path).headers["API-Version"] == "2.13.15", path


def test_versioned_prefixes_answer_alike(http: httpx.Client) -> None:
    expected = api(http, "getYears")
    for prefix in ("/v2.13", "/v2.13.15", "/api/v2"):
        assert http.get(f"{prefix}/getYears").json() == expected
    assert http.get("/v2.12/getYears").status_code == 404


def test_errors_have_the_spec_shape(http: httpx.Client) -> None:
    assert error(http.get("/v2/getTitle", params={"id": 1})) == (
        404, 404, 'Title "1" not found!'
    )  # fmt: skip
    assert error(http.get("/v2/getTitle", params={"code": "test"}))[2] == 'Title "test" not found!'
    status, code, message = error(http.get("/v2/getTitle?id=9001&code=x&zzz=1&aaa=2"))
    assert (status, code, message) == (412, 412, "Unknown parameters: zzz, aaa")
    assert error(http.get("/v2/getTitle", params={"id": "abc"}))[:2] == (400, 400)
    assert error(http.get("/v2/getTitle"))[:2] == (400, 400)
    assert error(http.get("/v2/getTitle?id=9001&description_type=rtf"))[:2] == (400, 400)
    assert error(http.get("/v2/getTitle?id=9001&playlist_type=list"))[:2] == (400, 400)
    assert error(http.get("/v2/getTitle?id=9001&include=raw_video"))[:2] == (400, 400)
    assert error(http.get("/v2/getTitle?id=9001&filter=names..ru"))[:2] == (400, 400)
    assert error(http.get("/v2/getUpdates?limit=-2"))[:2] == (400, 400)
    assert error(http.get("/v2/getNothing"))[:2] == (404, 404)
    assert error(http.post("/v2/getTitle?id=9001"))[:2] == (405, 405)


def test_get_changes_refuses_playlist_type_like_the_spec(http: httpx.Client) -> None:
    assert error(http.get("/v2/getChanges?playlist_type=array"))[:2] == (412, 412)


SPEC_EXAMPLES = [
    "/v2/getTitle?id=9005&filter=posters,type,status,player.playlist.24",
    "/v2/getTitle?code=witch-of-lantern-street",
    "/v2/getTitles?id_list=9005,9006&filter=posters,type,status,player.playlist.24",
    "/v2/getTitles?code_list=witch-of-lantern-street",
    "/api/v2/getUpdates?filter=posters,type,status&limit=5",
    "/api/v2/getUpdates?since=1590233417",
    "/v2/getChanges?filter=posters,type,status&limit=5",
    "/v2/getChanges?since=1590233417",
    "/v2/getSchedule?filter=posters,type,status",
    "/v2/getSchedule?days=5,6",
    "/v2/getCachingNodes",
    "/v2/getRandomTitle",
    "/v2/getYouTube?limit=10",
    "/v2/getFeed?limit=10",
    "/v2/getFeed?filter=",
    "/v2/getYears",
    "/v2/getGenres",
    "/v2/getTeam",
    "/v2/getSeedStats?users=T1MOX4",
    "/v2/getRSS?rss_type=atom&limit=5",
    "/v2/searchTitles?search=cудьба апокреф&voice=Amikiri,Silv,Hekomi"
    "&filter=id,names,team,genres[0]&limit=10",
]


@pytest.mark.parametrize("path", SPEC_EXAMPLES)
def test_the_spec_examples_answer(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 200, response.text
    if "getRSS" not in path:
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        response.json()


def test_the_spec_example_of_advanced_search(http: httpx.Client) -> None:
    response = http.get(
        "/v2/advancedSearch?query={season.code} == 1 and {season.year} == 2020"
        "&filter=id,names,in_favorites&order_by=in_favorites&sort_direction=0"
    )
    assert response.status_code == 200, response.text
    assert [t["id"] for t in response.json()] == [9035]


# --- getTitle and the title's shape --------------------------------------------------------


def test_title_has_every_field_of_the_spec(http: httpx.Client) -> None:
    title = api(http, "getTitle", id=9004)
    assert set(title) == TITLE_KEYS
    assert set(title["names"]) == {"ru", "en", "alternative"}
    assert set(title["posters"]) == {"small", "medium", "original"}
    assert set(title["type"]) == {"full_string", "code", "string", "series", "length"}
    assert title["type"]["full_string"] == "ТВ (12 эп.), 24 мин."
    assert isinstance(title["type"]["length"], int)
    assert set(title["season"]) == {"string", "code", "year", "week_day"}
    assert set(title["team"]) == {"voice", "translator", "editing", "decor", "timing"}
    assert set(title["blocked"]) == {"blocked", "bakanim"}
    player = title["player"]
    assert set(player) == {"alternative_player", "host", "series", "playlist"}
    assert player["host"] == http.base_url.netloc.decode()
    assert player["series"] == {"first": 1, "last": 8, "string": "1-8"}
    episode = player["playlist"]["1"]
    assert set(episode) == {
        "serie", "name", "uuid", "created_timestamp", "preview", "skips", "hls"
    }  # fmt: skip
    assert set(episode["hls"]) == {"fhd", "hd", "sd"}
    assert set(episode["skips"]) == {"opening", "ending"}
    torrent = title["torrents"]["list"][0]
    assert set(torrent) == {
        "torrent_id", "series", "quality", "leechers", "seeders", "downloads", "total_size",
        "url", "uploaded_timestamp", "hash", "metadata", "raw_base64_file",
    }  # fmt: skip
    assert torrent["quality"]["resolution"] == "1080p"
    assert torrent["quality"]["lq_audio"] is None
    assert torrent["metadata"] is None and torrent["raw_base64_file"] is None


def test_title_by_code_and_by_torrent_id(http: httpx.Client) -> None:
    by_id = api(http, "getTitle", id=9013)
    assert api(http, "getTitle", code="dungeon-line-cook") == by_id
    torrent_id = by_id["torrents"]["list"][-1]["torrent_id"]
    assert api(http, "getTitle", torrent_id=torrent_id)["id"] == 9013


def test_old_generation_fields_are_served_as_stored(http: httpx.Client) -> None:
    for title_id in OLD_GENERATION:
        title = api(http, "getTitle", id=title_id)
        assert isinstance(title["type"]["length"], str)
        assert title["type"]["length"].endswith(" мин")
        for torrent in title["torrents"]["list"]:
            assert isinstance(torrent["quality"]["resolution"], int)
            assert torrent["quality"]["lq_audio"] is False


def test_spec_example_filter(http: httpx.Client) -> None:
    title = api(http, "getTitle", id=9005, filter="posters,type,status,player.playlist.24")
    assert set(title) == {"posters", "type", "status", "player"}
    assert list(title["player"]) == ["playlist"]
    assert list(title["player"]["playlist"]) == ["24"]
    assert title["player"]["playlist"]["24"]["serie"] == 24


def test_filter_paths(http: httpx.Client) -> None:
    full = api(http, "getTitle", id=9001)
    assert api(http, "getTitle", id=9001, filter="names.alternative") == {
        "names": {"alternative": "Hoshi no Hakobiya"}
    }
    assert api(http, "getTitle", id=9001, filter="team.voice[0],genres[0]") == {
        "genres": full["genres"][:1],
        "team": {"voice": full["team"]["voice"][:1]},
    }
    ids = api(http, "getTitle", id=9001, filter="torrents.list[*].torrent_id")
    assert ids == {
        "torrents": {"list": [{"torrent_id": t["torrent_id"]} for t in full["torrents"]["list"]]}
    }
    pairs = api(
        http, "getTitle", id=9001, filter="torrents.list[*].torrent_id,torrents.list[*].hash"
    )
    assert [set(t) for t in pairs["torrents"]["list"]] == [{"torrent_id", "hash"}] * len(
        full["torrents"]["list"]
    )
    assert api(http, "getTitle", id=9001, filter="no.such.key") == {}


def test_remove_paths(http: httpx.Client) -> None:
    full = api(http, "getTitle", id=9001)
    title = api(http, "getTitle", id=9001, remove="player,names.en,torrents.list[*].hash,genres[0]")
    assert "player" not in title
    assert title["names"] == {
        "ru": full["names"]["ru"],
        "alternative": full["names"]["alternative"],
    }
    assert all("hash" not in t and "url" in t for t in title["torrents"]["list"])
    assert title["genres"] == full["genres"][1:]


def test_playlist_types(http: httpx.Client) -> None:
    as_object = api(http, "getTitle", id=9006)["player"]["playlist"]
    as_array = api(http, "getTitle", id=9006, playlist_type="array")["player"]["playlist"]
    assert list(as_object) == [str(n) for n in range(1, 8)]
    assert as_array == list(as_object.values())
    filtered = api(http, "getTitle", id=9006, playlist_type="array", filter="player.playlist.3")
    assert filtered["player"]["playlist"] == [as_object["3"]]


def test_blocked_title_has_an_empty_playlist_array(http: httpx.Client) -> None:
    title = api(http, "getTitle", id=BLOCKED)
    assert title["blocked"]["blocked"] is True
    assert title["player"]["playlist"] == []
    assert title["player"]["series"] == {"first": None, "last": None, "string": None}
    assert title["torrents"]["list"], "blocked titles keep their torrents"
    assert api(http, "getTitle", id=ANNOUNCED)["announce"]


def test_description_types(http: httpx.Client) -> None:
    html = api(http, "getTitle", id=9002, description_type="html")["description"]
    plain = api(http, "getTitle", id=9002)["description"]
    short = api(http, "getTitle", id=9002, description_type="no_view_order")["description"]
    assert "<br>" in html and "<a href=" in html
    assert "<" not in plain and "Порядок просмотра" in plain and "Звёздный курьер 3" in plain
    assert "Порядок просмотра" not in short and plain.startswith(short)
    assert len({html, plain, short}) == 3


# --- includes, .torrent files, posters ----------------------------------------------------


def test_include_raw_poster(http: httpx.Client) -> None:
    title = api(http, "getTitle", id=9003, include="raw_poster")
    poster = title["posters"]["small"]
    image = http.get(poster["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8")
    assert base64.b64decode(poster["raw_base64_file"]) == image.content
    assert len(image.content) < 16_000


def test_include_raw_torrent_and_meta_match_the_hash(
    http: httpx.Client, devserver: DevServer
) -> None:
    lt = pytest.importorskip("libtorrent")
    title = api(http, "getTitle", id=9001, include="raw_torrent,torrent_meta")
    for torrent in title["torrents"]["list"]:
        raw = base64.b64decode(torrent["raw_base64_file"])
        info = lt.torrent_info(lt.bdecode(raw))
        assert str(info.info_hashes().v1) == torrent["hash"] == info_hash(raw)
        assert info.total_size() == torrent["total_size"]
        meta = torrent["metadata"]
        assert meta["hash"] == torrent["hash"]
        assert meta["name"] == info.name()
        assert meta["created_timestamp"] == torrent["uploaded_timestamp"]
        assert meta["announce"] == [f"{devserver.base_url}/announce"]
        offset = 0
        for entry in meta["files_list"]:
            assert entry["offset"] == offset
            offset += entry["size"]
        assert offset == torrent["total_size"]
        assert len(meta["files_list"]) == torrent["series"]["last"] - torrent["series"]["first"] + 1


def test_download_serves_a_real_torrent_of_the_payload(
    http: httpx.Client, devserver: DevServer
) -> None:
    title = api(http, "getTitle", id=9004)
    torrent = title["torrents"]["list"][0]
    response = http.get(torrent["url"])
    assert response.headers["content-type"] == "application/x-bittorrent"
    meta = bdecode(response.content)
    assert info_hash(response.content) == torrent["hash"]
    assert meta[b"announce"] == f"{devserver.base_url}/announce".encode()
    info = meta[b"info"]
    assert info[b"piece length"] == PIECE_LENGTH
    payload = devserver.catalog.torrent_payload(torrent["torrent_id"])
    name = info[b"name"].decode()
    assert [path for path, _ in payload] == [
        f"{name}/{f[b'path'][0].decode()}" for f in info[b"files"]
    ]
    assert payload[0][0].endswith("Starlight Courier 3 - 01 [1080p].mkv")
    assert all(64 * 1024 <= len(data) <= 192 * 1024 for _, data in payload)
    stream = b"".join(data for _, data in payload)
    pieces = [stream[i : i + PIECE_LENGTH] for i in range(0, len(stream), PIECE_LENGTH)]
    assert b"".join(hashlib.sha1(p).digest() for p in pieces) == info[b"pieces"]
    assert devserver.catalog.torrent_payload(torrent["torrent_id"]) == payload


def _loopback_session(lt: Any) -> Any:
    return lt.session(
        {
            "listen_interfaces": "127.0.0.1:0",
            "enable_dht": False,
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
            # TCP only: uTP over loopback is slow and erratic (PITFALLS.md).
            "enable_outgoing_utp": False,
            "enable_incoming_utp": False,
            "stop_tracker_timeout": 0,
        }
    )


def test_a_leecher_downloads_a_demo_torrent_from_a_local_seeder(
    fresh_devserver: DevServer, tmp_path: Any
) -> None:
    lt = pytest.importorskip("libtorrent")
    server = fresh_devserver
    title = httpx.get(f"{server.anilibria_api}/getTitle", params={"id": 9023}).json()
    torrent = title["torrents"]["list"][0]
    raw = httpx.get(server.anilibria_site + torrent["url"]).content
    for path, data in server.catalog.torrent_payload(torrent["torrent_id"]):
        target = tmp_path / "seed" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    seeder, leecher = _loopback_session(lt), _loopback_session(lt)

    def params(folder: str, flags: int = 0) -> Any:
        p = lt.add_torrent_params()
        p.ti = lt.torrent_info(lt.bdecode(raw))
        p.save_path = str(tmp_path / folder)
        p.flags |= flags
        return p

    seeder.add_torrent(params("seed", lt.torrent_flags.seed_mode))
    deadline = time.monotonic() + 10
    while not any(r.path == "/announce" for r in server.requests):
        assert time.monotonic() < deadline, "the seeder never announced"
        time.sleep(0.05)
    handle = leecher.add_torrent(params("leech"))
    while not handle.status().is_seeding:
        assert time.monotonic() < deadline + 10, "the download did not finish"
        time.sleep(0.05)
    for path, data in server.catalog.torrent_payload(torrent["torrent_id"]):
        assert (tmp_path / "leech" / path).read_bytes() == data


def test_every_demo_hash_is_the_info_hash_of_its_payload() -> None:
    catalog = Catalog.demo()
    torrents = [t for title in catalog.titles for t in title["torrents"]["list"]]
    assert len(torrents) > 50
    for torrent in torrents:
        layout = catalog.torrent_layout(torrent["torrent_id"])
        assert catalog.torrent_info_hash(torrent["torrent_id"]) == torrent["hash"]
        assert layout.total_size == torrent["total_size"]


def test_torrent_download_with_sessions(http: httpx.Client) -> None:
    url = "/public/torrent/download.php"
    bad = http.get(url, params={"id": 21001, "session": "nope"})
    assert bad.status_code == 200 and not bad.content.startswith(b"d")
    session = login(http)
    good = http.get(url, params={"id": 21001, "session": session})
    announce = bdecode(good.content)[b"announce"].decode()
    assert "passkey=" in announce
    assert info_hash(good.content) == info_hash(http.get(url, params={"id": 21001}).content)
    assert http.get(url, params={"id": 1}).status_code == 404
    assert http.get(url, params={"id": "x"}).status_code == 404


# --- HLS and images -----------------------------------------------------------------------


def test_hls_playlists_reference_served_segments(http: httpx.Client) -> None:
    title = api(http, "getTitle", id=9013)
    episode = title["player"]["playlist"]["2"]
    for path in episode["hls"].values():
        playlist = http.get(f"http://{title['player']['host']}{path}")
        assert playlist.status_code == 200
        assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
        lines = playlist.text.splitlines()
        assert lines[0] == "#EXTM3U" and "#EXT-X-ENDLIST" in lines
        segments = [line for line in lines if line and not line.startswith("#")]
        assert segments
        for segment in segments:
            media = http.get(httpx.URL(str(playlist.url)).join(segment))
            assert media.status_code == 200 and media.headers["content-type"] == "video/mp2t"
            assert media.content[0] == 0x47  # MPEG-TS sync byte
    assert episode["skips"] == {"opening": [1, 2], "ending": []}
    preview = http.get(episode["preview"])
    assert preview.status_code == 200 and preview.content.startswith(b"\xff\xd8")
    assert http.get("/videos/media/ts/1/1/1080/x.m3u8").status_code == 404
    assert http.get("/videos/media/ts/9013/1/1080/../../x.ts").status_code == 404


def test_media_supports_range_requests(http: httpx.Client) -> None:
    path = "/videos/media/ts/9013/1/720/seg000.ts"
    whole = http.get(path).content
    part = http.get(path, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"


def test_demo_media_is_small(devserver: DevServer) -> None:
    from app.devserver.catalog import assets_dir

    media = sum(f.stat().st_size for f in (assets_dir() / "media").rglob("*") if f.is_file())
    images = sum(f.stat().st_size for f in assets_dir().rglob("*.jpg"))
    assert media + images < 2 * 1024 * 1024


def test_hls_really_plays_in_mpv(devserver: DevServer) -> None:
    import locale

    try:
        import mpv
    except OSError:
        pytest.skip("libmpv is not installed")
    locale.setlocale(locale.LC_NUMERIC, "C")
    player = mpv.MPV(vo="null", ao="null", config=False, speed=4)
    ended = threading.Event()
    reasons: list[int] = []

    def on_end(event: Any) -> None:
        reasons.append(event.data.reason)
        ended.set()

    # Registered by a call, not as a decorator: python-mpv is untyped, and an untyped
    # decorator would leave on_end unchecked.
    player.event_callback("end-file")(on_end)

    try:
        player.play(f"{devserver.base_url}/videos/media/ts/9004/1/480/x.m3u8")
        assert ended.wait(15)
    finally:
        player.terminate()
    assert reasons == [mpv.MpvEventEndFile.EOF]


# --- list methods -------------------------------------------------------------------------


def test_updates_and_changes_order_and_paging(http: httpx.Client, devserver: DevServer) -> None:
    updates = api(http, "getUpdates", filter="id,updated", limit=-1)
    assert len(updates) == len(devserver.catalog.titles)
    assert [t["updated"] for t in updates] == sorted((t["updated"] for t in updates), reverse=True)
    assert len(api(http, "getUpdates", filter="id")) == 5
    assert api(http, "getUpdates", filter="id", limit=3, after=2) == [
        {"id": t["id"]} for t in updates[2:5]
    ]
    since = updates[6]["updated"]
    assert api(http, "getUpdates", filter="id", since=since, limit=-1) == [
        {"id": t["id"]} for t in updates[:6]
    ]
    changes = api(http, "getChanges", filter="last_change", limit=-1)
    stamps = [t["last_change"] for t in changes]
    assert stamps == sorted(stamps, reverse=True)
    assert api(http, "getUpdates", limit=0) == []


def test_titles_by_lists(http: httpx.Client) -> None:
    torrent_id = api(http, "getTitle", id=9010)["torrents"]["list"][0]["torrent_id"]
    titles = api(
        http,
        "getTitles",
        id_list="9003,1,9001",
        code_list="steel-garden,nope",
        torrent_id_list=str(torrent_id),
        filter="id",
    )
    assert titles == [{"id": 9003}, {"id": 9001}, {"id": 9016}, {"id": 9010}]
    spec_like = api(
        http, "getTitles", id_list="9005,9001", filter="posters,type,status,player.playlist.24"
    )
    assert [set(t) for t in spec_like] == [
        {"posters", "type", "status", "player"},
        {"posters", "type", "status"},
    ]
    assert error(http.get("/v2/getTitles", params={"id_list": "1,x"}))[:2] == (400, 400)
    assert error(http.get("/v2/getTitles"))[:2] == (400, 400)


def test_schedule(http: httpx.Client) -> None:
    schedule = api(http, "getSchedule", filter="id,status,season")
    assert [day["day"] for day in schedule] == list(range(7))
    for day in schedule:
        assert len(day["list"]) >= 2, day["day"]
        for title in day["list"]:
            assert title["season"]["week_day"] == day["day"]
            assert title["status"]["code"] == 1
    weekend = api(http, "getSchedule", days="6,5", filter="id")
    assert [day["day"] for day in weekend] == [5, 6]
    assert error(http.get("/v2/getSchedule", params={"days": "7"}))[:2] == (400, 400)


def test_random_title(http: httpx.Client, devserver: DevServer) -> None:
    ids = {t["id"] for t in devserver.catalog.titles}
    seen = {api(http, "getRandomTitle", filter="id")["id"] for _ in range(8)}
    assert seen <= ids and len(seen) > 1
    assert set(api(http, "getRandomTitle")) == TITLE_KEYS


def test_youtube_and_feed(http: httpx.Client) -> None:
    videos = api(http, "getYouTube", limit=-1)
    assert len(videos) == 8
    assert [v["timestamp"] for v in videos] == sorted(
        (v["timestamp"] for v in videos), reverse=True
    )
    assert set(videos[0]) == {"id", "title", "image", "youtube_id", "timestamp"}
    image = http.get(videos[0]["image"])
    assert image.status_code == 200 and image.content.startswith(b"\xff\xd8")
    assert len(api(http, "getYouTube")) == 5
    feed = api(http, "getFeed", limit=-1, filter="id,updated,timestamp")
    kinds = [next(iter(item)) for item in feed]
    assert set(kinds) == {"title", "youtube"}
    times = [item.get("title", {}).get("updated") or item["youtube"]["timestamp"] for item in feed]
    assert times == sorted(times, reverse=True)
    scoped = api(http, "getFeed", limit=-1, filter="title.names.ru,youtube.title")
    assert all(
        set(item.get("title", {"names": 1})) == {"names"}
        and set(item.get("youtube", {"title": 1})) == {"title"}
        for item in scoped
    )


def test_feed_paths_inside_items_is_the_other_reading(
    fresh_http: httpx.Client, fresh_devserver: DevServer
) -> None:
    by_kind = "title.id,title.names.ru,youtube.id"
    inside = "id,names.ru"
    assert all(
        set(next(iter(item.values()))) for item in api(fresh_http, "getFeed", filter=by_kind)
    )

    fresh_devserver.feed_paths_inside_items = True
    # Read inside the title, `title.id` names a key no title has; a video's `title` is a string.
    assert api(fresh_http, "getFeed", limit=-1, filter=by_kind) == [
        {next(iter(item)): {}} for item in api(fresh_http, "getFeed", limit=-1, filter="id")
    ]
    for item in api(fresh_http, "getFeed", limit=-1, filter=inside):
        ((kind, value),) = item.items()
        assert set(value) == ({"id", "names"} if kind == "title" else {"id"})
        assert kind == "youtube" or set(value["names"]) == {"ru"}


def test_years_genres_nodes_team(http: httpx.Client, devserver: DevServer) -> None:
    years = api(http, "getYears")
    assert years == sorted(set(years)) and years[0] == 2015 and years[-1] == 2026
    genres = api(http, "getGenres")
    assert genres == sorted(genres, key=lambda g: g.lower().replace("ё", "е"))
    assert 12 <= len(genres) <= 22
    rating: dict[str, int] = {}
    for title in devserver.catalog.titles:
        for genre in title["genres"]:
            rating[genre] = rating.get(genre, 0) + title["in_favorites"]
    by_rating = api(http, "getGenres", sorting_type=1)
    assert [rating[g] for g in by_rating] == sorted(rating.values(), reverse=True)
    assert error(http.get("/v2/getGenres", params={"sorting_type": 2}))[:2] == (400, 400)
    assert api(http, "getCachingNodes") == [f"127.0.0.1:{devserver.port}"]
    team = api(http, "getTeam")["team"]
    assert set(team) == {"voice", "translator", "editing", "decor", "timing"}
    members = {name for names in team.values() for name in names}
    assert 15 <= len(members) <= 25


def test_seed_stats(http: httpx.Client) -> None:
    top = api(http, "getSeedStats")
    assert len(top) == 5 and set(top[0]) == {"downloaded", "uploaded", "user"}
    uploaded = [row["uploaded"] for row in api(http, "getSeedStats", limit=-1)]
    assert uploaded == sorted(uploaded, reverse=True)
    users = api(http, "getSeedStats", sort_by="user", order=1, limit=-1)
    assert [u["user"].casefold() for u in users] == sorted(u["user"].casefold() for u in users)
    assert [u["user"] for u in api(http, "getSeedStats", users="tsukune,Pryanik")] == [
        u["user"]
        for u in api(http, "getSeedStats", limit=-1)
        if u["user"] in ("Tsukune", "Pryanik")
    ]
    assert api(http, "getSeedStats", filter="user", limit=1)[0].keys() == {"user"}
    assert error(http.get("/v2/getSeedStats", params={"sort_by": "ratio"}))[:2] == (400, 400)


def test_rss_formats(http: httpx.Client) -> None:
    rss = http.get("/v2/getRSS")
    assert rss.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert len(items) == 10
    enclosure = items[0].find("enclosure")
    assert enclosure is not None and enclosure.get("type") == "application/x-bittorrent"
    torrent = http.get(enclosure.get("url") or "")
    assert torrent.content.startswith(b"d") and int(enclosure.get("length") or 0) > 0

    atom = http.get("/v2/getRSS", params={"rss_type": "atom", "limit": 5})
    assert atom.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 5

    feed = http.get("/v2/getRSS", params={"rss_type": "json", "limit": 3, "session": "s1"})
    body = feed.json()
    assert body["version"] == "https://jsonfeed.org/version/1"
    assert len(body["items"]) == 3
    assert all(i["attachments"][0]["url"].endswith("&session=s1") for i in body["items"])
    assert error(http.get("/v2/getRSS", params={"rss_type": "yaml"}))[:2] == (400, 400)


# --- search -------------------------------------------------------------------------------


def ids(titles: list[dict[str, Any]]) -> list[int]:
    return [t["id"] for t in titles]


def test_search_tolerates_typos_and_look_alike_letters(http: httpx.Client) -> None:
    exact = ids(api(http, "searchTitles", search="Стальной сад", filter="id"))
    assert exact[0] == 9016
    assert ids(api(http, "searchTitles", search="cтальнoй caд", filter="id"))[0] == 9016
    assert ids(api(http, "searchTitles", search="стальнй сат", filter="id"))[0] == 9016
    assert 9006 in ids(api(http, "searchTitles", search="ведьма фонарей", filter="id"))
    witch = api(http, "searchTitles", search="lantern witch", filter="id", limit=-1)
    assert set(ids(witch)) == {9005, 9006, 9007}
    assert 9029 in ids(api(http, "searchTitles", search="библиотекарь", filter="id", limit=-1))
    assert api(http, "searchTitles", search="zzzqqq", filter="id") == []


def test_search_list_filters(http: httpx.Client, devserver: DevServer) -> None:
    titles = devserver.catalog.titles
    in_years = api(http, "searchTitles", year="2015,2016", filter="id", limit=-1)
    assert set(ids(in_years)) == {t["id"] for t in titles if t["season"]["year"] in (2015, 2016)}
    autumn_2026 = api(http, "searchTitles", year="2026", season_code="4", filter="id", limit=-1)
    assert set(ids(autumn_2026)) == {
        t["id"] for t in titles if t["season"]["year"] == 2026 and t["season"]["code"] == 4
    }
    both = api(http, "searchTitles", genres="Комедия,Фэнтези", filter="id", limit=-1)
    assert set(ids(both)) == {t["id"] for t in titles if {"Комедия", "Фэнтези"} <= set(t["genres"])}
    voice = titles[0]["team"]["voice"][0]
    by_voice = api(http, "searchTitles", voice=voice, filter="id,team", limit=-1)
    assert by_voice and all(voice in t["team"]["voice"] for t in by_voice)
    spec = api(
        http,
        "searchTitles",
        search="звездный",
        voice=voice,
        filter="id,names,team,genres[0]",
        limit=10,
    )
    assert all(set(t) == {"id", "names", "team", "genres"} and len(t["genres"]) == 1 for t in spec)
    assert len(api(http, "searchTitles")) == 5
    assert error(http.get("/v2/searchTitles", params={"year": "soon"}))[:2] == (400, 400)


def test_advanced_search(http: httpx.Client, devserver: DevServer) -> None:
    found = api(
        http,
        "advancedSearch",
        query="{season.code} == 4 and {season.year} == 2026",
        filter="id,names,in_favorites",
        order_by="in_favorites",
        sort_direction=0,
        limit=-1,
    )
    expected = [
        t
        for t in devserver.catalog.titles
        if t["season"]["code"] == 4 and t["season"]["year"] == 2026
    ]
    assert set(ids(found)) == {t["id"] for t in expected}
    favorites = [t["in_favorites"] for t in found]
    assert favorites == sorted(favorites)
    descending = api(
        http,
        "advancedSearch",
        query="{season.year} >= 2015",
        order_by="season.year",
        sort_direction=1,
        filter="season.year",
        limit=-1,
    )
    years = [t["season"]["year"] for t in descending]
    assert years == sorted(years, reverse=True)
    status, code, message = error(http.get("/v2/advancedSearch", params={"query": "{id} =="}))
    assert (status, code) == (400, 400)
    assert message.startswith("Query syntax error at position ")
    assert error(http.get("/v2/advancedSearch"))[:2] == (400, 400)


# --- sessions and favorites ---------------------------------------------------------------


def test_login(http: httpx.Client) -> None:
    assert login(http) != login(http, mail="demo@anitui.invalid")
    wrong = http.post("/public/login.php", data={"mail": "demo", "passwd": "nope"})
    assert wrong.status_code == 200
    assert wrong.json() == {
        "err": "error",
        "mes": "Invalid login or password",
        "key": "invalidUser",
    }
    assert http.get("/public/login.php").status_code == 405


def test_favorites_are_kept_per_account(
    fresh_http: httpx.Client, fresh_devserver: DevServer
) -> None:
    fresh_devserver.catalog.accounts.append(Account("other", "other@anitui.invalid", "pw"))
    first, second = login(fresh_http), login(fresh_http, mail="demo@anitui.invalid")
    other = login(fresh_http, mail="other", passwd="pw")
    before = api(fresh_http, "getTitle", id=9016)["in_favorites"]
    for session, title_id in ((first, 9016), (first, 9001), (second, 9016), (other, 9016)):
        response = fresh_http.put(
            "/v2/addFavorite", params={"session": session, "title_id": title_id}
        )
        assert response.json() == {"success": True}
    assert ids(api(fresh_http, "getFavorites", session=first, filter="id")) == [9016, 9001]
    assert ids(api(fresh_http, "getFavorites", session=second, filter="id")) == [9016, 9001]
    assert ids(api(fresh_http, "getFavorites", session=other, filter="id")) == [9016]
    # One count per account, however many of its sessions add the title.
    assert api(fresh_http, "getTitle", id=9016)["in_favorites"] == before + 2
    assert fresh_devserver.favorites == {"demo": [9016, 9001], "other": [9016]}
    removed = fresh_http.delete("/v2/delFavorite", params={"session": second, "title_id": 9016})
    assert removed.json() == {"success": True}
    fresh_http.delete("/v2/delFavorite", params={"session": first, "title_id": 9016})
    assert api(fresh_http, "getTitle", id=9016)["in_favorites"] == before + 1
    favorites = api(fresh_http, "getFavorites", session=first, playlist_type="array")
    assert ids(favorites) == [9001]
    assert isinstance(favorites[0]["player"]["playlist"], list)
    assert (
        fresh_http.get("/v2/addFavorite", params={"session": first, "title_id": 1}).status_code
        == 405
    )
    assert error(fresh_http.put("/v2/addFavorite", params={"session": first, "title_id": 1}))[
        :2
    ] == (404, 404)
    fresh_devserver.expire_session(first)
    assert error(fresh_http.get("/v2/getFavorites", params={"session": first}))[:2] == (401, 401)
    assert error(fresh_http.get("/v2/getFavorites", params={"session": "bogus"}))[:2] == (401, 401)
    assert error(fresh_http.get("/v2/getFavorites"))[:2] == (401, 401)
    # The expired session's account keeps its favorites: a new login sees them.
    assert ids(api(fresh_http, "getFavorites", session=second)) == [9001]
    again = login(fresh_http)
    assert again not in (first, second)
    assert ids(api(fresh_http, "getFavorites", session=again, filter="id")) == [9001]
    fresh_devserver.sessions[again].favorites.append(9002)  # a test's edit reaches the account
    assert ids(api(fresh_http, "getFavorites", session=second, filter="id")) == [9001, 9002]


# --- faults, recording, concurrency, lifecycle -------------------------------------------


def test_fault_injector(fresh_http: httpx.Client, fresh_devserver: DevServer) -> None:
    faults = fresh_devserver.faults
    faults.fail_next("/v2/getTitle", 503, times=2)
    for _ in range(2):
        response = fresh_http.get("/v2/getTitle", params={"id": 9001})
        assert response.status_code == 500
        assert response.json()["error"]["code"] == 503
        assert response.headers["API-Version"] == "2.13.15"
    assert fresh_http.get("/v2/getTitle", params={"id": 9001}).status_code == 200
    faults.fail_next("/v2/getUpdates", 429, headers={"Retry-After": "0.2"})
    limited = fresh_http.get("/v2/getUpdates")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "0.2")
    assert limited.json()["error"]["code"] == 429
    faults.fail_next("/v2/getYears", 502, body="<html>bad gateway</html>")
    assert (
        fresh_http.get("/v2/getYears").status_code,
        fresh_http.get("/v2/getYears").status_code,
    ) == (502, 200)
    faults.fail_next("/storage", 404, body={"custom": True})
    assert fresh_http.get("/storage/releases/posters/9001/x.jpg").json() == {"custom": True}
    faults.delay_next("/v2/getYears", 1.0)
    with pytest.raises(httpx.ReadTimeout):
        fresh_http.get("/v2/getYears", timeout=0.2)
    faults.fail_next("/v2/getYears", 500)
    faults.clear()
    assert fresh_http.get("/v2/getYears").status_code == 200


def test_requests_are_recorded(fresh_http: httpx.Client, fresh_devserver: DevServer) -> None:
    fresh_devserver.requests.clear()
    fresh_http.get("/v2/getTitle", params={"id": 9001, "filter": "id"}, headers={"X-Test": "1"})
    fresh_http.post("/public/login.php", data={"mail": "demo", "passwd": "x"})
    first, second = fresh_devserver.requests
    assert (first.method, first.path, first.query) == (
        "GET",
        "/v2/getTitle",
        {"id": "9001", "filter": "id"},
    )
    assert first.headers["x-test"] == first.headers["X-Test"] == "1"
    assert (second.method, second.path, second.body) == (
        "POST",
        "/public/login.php",
        b"mail=demo&passwd=x",
    )


def test_a_slow_answer_does_not_block_others(fresh_devserver: DevServer) -> None:
    fresh_devserver.faults.delay_next("/v2/getYears", 0.8)
    slow: list[float] = []

    def call_slow() -> None:
        start = time.monotonic()
        httpx.get(f"{fresh_devserver.anilibria_api}/getYears", timeout=5)
        slow.append(time.monotonic() - start)

    thread = threading.Thread(target=call_slow)
    thread.start()
    time.sleep(0.1)
    start = time.monotonic()
    assert httpx.get(f"{fresh_devserver.anilibria_api}/getGenres", timeout=5).status_code == 200
    assert time.monotonic() - start < 0.5
    thread.join()
    assert slow[0] >= 0.75


async def test_usable_from_async_tests(devserver: DevServer) -> None:
    async with httpx.AsyncClient(base_url=devserver.anilibria_api) as client:
        response = await client.get("/getTitle", params={"id": 9001, "filter": "id"})
    assert response.json() == {"id": 9001}


def test_stop_is_fast_and_idempotent() -> None:
    server = DevServer(catalog=Catalog())
    server.start()
    server.faults.delay_next("/v2/getYears", 30)
    client = httpx.Client(timeout=10)
    assert client.get(f"{server.anilibria_api}/getGenres").json() == []
    pending = threading.Thread(
        target=lambda: _ignore_errors(client, f"{server.anilibria_api}/getYears")
    )
    pending.start()
    time.sleep(0.1)
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 1.0
    server.stop()
    pending.join(5)
    client.close()
    with DevServer(catalog=Catalog()) as again:
        assert httpx.get(f"{again.anilibria_api}/getYears").json() == []


def _ignore_errors(client: httpx.Client, url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        client.get(url)


def test_command_line_prints_its_urls() -> None:
    # As a context manager, Popen also closes the stdout pipe.
    with subprocess.Popen(
        [sys.executable, "-m", "app.devserver", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            urls = json.loads(process.stdout.readline())
            assert set(urls) == {
                "base_url",
                "anilibria_api",
                "anilibria_site",
                "anilibria_ws",
                "aniliberty_api",
                "aniliberty_site",
                "nekobt_api",
                "torrent_api",
            }
            assert urls["anilibria_api"] == urls["base_url"] + "/v2"
            assert urls["anilibria_ws"] == urls["base_url"].replace("http", "ws", 1) + "/v2/ws/"
            assert urls["anilibria_site"] == urls["base_url"]
            assert httpx.get(urls["anilibria_api"] + "/getYears").json()[0] == 2015
            # One port serves every API: AniLiberty v1, nekoBT and the Torrent API answer too.
            assert httpx.get(urls["nekobt_api"] + "/langs").status_code == 200
            assert httpx.get(urls["aniliberty_api"] + "/app/status").json()["is_alive"]
            unknown_key = httpx.get(urls["torrent_api"] + "/movie", params={"imdb": "tt9000001"})
            assert "API_KEY_UNKNOWN" in unknown_key.text
        finally:
            process.terminate()
            assert process.wait(5) == 0


# --- the catalog --------------------------------------------------------------------------


def test_hostile_names_are_served_verbatim(
    fresh_http: httpx.Client, fresh_devserver: DevServer
) -> None:
    template = copy.deepcopy(fresh_devserver.catalog.title(9004))
    assert template is not None
    for n, name in enumerate(HOSTILE):
        title = copy.deepcopy(template)
        title["id"] = 70_000 + n
        title["code"] = f"hostile-{n}"
        title["names"] = {"ru": name, "en": name, "alternative": name}
        title["updated"] = 1_900_000_000 + n
        for k, torrent in enumerate(title["torrents"]["list"]):
            torrent["torrent_id"] = 700_000 + 10 * n + k
            torrent["url"] = f"/public/torrent/download.php?id={torrent['torrent_id']}"
        fresh_devserver.catalog.add_title(title)
    for n, name in enumerate(HOSTILE):
        served = api(fresh_http, "getTitle", id=70_000 + n)
        assert served["names"] == {"ru": name, "en": name, "alternative": name}
        torrent = served["torrents"]["list"][0]
        assert info_hash(fresh_http.get(torrent["url"]).content) == torrent["hash"]
    updates = api(fresh_http, "getUpdates", filter="names.ru", limit=len(HOSTILE))
    assert [t["names"]["ru"] for t in updates] == HOSTILE[::-1]
    assert "[/]" in [t["names"]["ru"] for t in api(fresh_http, "getSchedule", days="0")[0]["list"]]
    for rss_type in ("rss", "atom"):
        ET.fromstring(fresh_http.get("/v2/getRSS", params={"rss_type": rss_type}).content)
    layout = fresh_devserver.catalog.torrent_layout(700_000)
    assert "/" not in layout.name and all("/" not in f and "\x1b" not in f for f, _ in layout.files)


def test_demo_catalog_facts() -> None:
    catalog = Catalog.demo()
    titles = catalog.titles
    assert 45 <= len(titles) <= 55
    assert {t["season"]["week_day"] for t in titles} == set(range(7))
    assert {t["status"]["code"] for t in titles} == {1, 2, 3, 4}
    assert {t["type"]["code"] for t in titles} == {0, 1, 2, 3, 4}
    assert {t["id"] for t in titles if isinstance(t["type"]["length"], str)} == OLD_GENERATION
    assert [t["id"] for t in titles if t["blocked"]["blocked"]] == [BLOCKED]
    assert any(t["blocked"]["bakanim"] for t in titles)
    assert any(t["names"]["en"] is None for t in titles)
    assert all(1 <= len(t["torrents"]["list"]) <= 3 for t in titles)
    for title in titles:
        out = len(title["player"]["playlist"])
        assert out <= max(title["type"]["series"], 1)
        assert 2015 <= title["season"]["year"] <= 2026
        assert title["updated"] < 1795392000 and title["last_change"] < 1795392000
    assert catalog.accounts[0].login == "demo"
    other = Catalog.demo()
    other.titles[0]["names"]["ru"] = "changed"
    assert Catalog.demo().titles[0]["names"]["ru"] != "changed"


def test_bulk_catalog_pages_through_get_updates() -> None:
    start = time.monotonic()
    catalog = Catalog.bulk(3000)
    built = time.monotonic() - start
    assert Catalog.bulk(3, seed=1) == Catalog.bulk(3, seed=1)
    assert Catalog.bulk(3, seed=1).titles != Catalog.bulk(3, seed=2).titles
    with (
        DevServer(catalog=catalog) as server,
        httpx.Client(base_url=server.anilibria_api) as client,
    ):
        seen: list[int] = []
        stamps: list[int] = []
        while True:
            page = client.get(
                "/getUpdates", params={"filter": "id,updated", "limit": 500, "after": len(seen)}
            ).json()
            if not page:
                break
            seen += [t["id"] for t in page]
            stamps += [t["updated"] for t in page]
        assert len(seen) == len(set(seen)) == 3000
        assert stamps == sorted(stamps, reverse=True)
        title = client.get("/getTitle", params={"id": seen[0]}).json()
        torrent = title["torrents"]["list"][0]
        raw = httpx.get(server.anilibria_site + torrent["url"]).content
        assert info_hash(raw) == torrent["hash"]
    assert built < 10


# --- building blocks ----------------------------------------------------------------------


def test_paths_parse() -> None:
    assert fields.parse_paths("names.alternative, team.voice[0],torrents.list[*].torrent_id") == [
        ("names", "alternative"),
        ("team", "voice", 0),
        ("torrents", "list", "*", "torrent_id"),
    ]
    for bad in (".a", "a.", "a..b", "a[x]"):
        with pytest.raises(ValueError):
            fields.parse_paths(bad)

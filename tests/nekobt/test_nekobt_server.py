"""The nekoBT devserver over real HTTP: shapes, filters, auth, schema errors, 429s, downloads."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from app.bencode import bdecode, bencode
from app.devserver import nekobt_data
from app.devserver.nekobt import DEMO_API_KEY, DEMO_TORRENT_KEY, NekoBtApi
from app.devserver.server import DevServer

KEY = {"ssid": DEMO_API_KEY}


def get(api_url: str, path: str, cookies: dict[str, str] | None = None, **params: Any) -> Any:
    with httpx.Client(cookies=cookies) as http:
        return http.get(api_url + path, params=params)


def search(api_url: str, **params: Any) -> dict[str, Any]:
    response = get(api_url, "/torrents/search", **params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_search_row_has_the_spec_shape_with_numbers_as_strings(api_url: str) -> None:
    data = search(api_url, limit=5)
    assert set(data) >= {"results", "infohash_match", "recommended_media", "media",
                         "similar_media", "debug", "more", "search"}  # fmt: skip
    row = data["results"][0]
    for key in ("id", "uploaded_at", "filesize", "seeders", "leechers", "completed",
                "comment_count"):  # fmt: skip
        assert isinstance(row[key], str) and row[key].isdigit(), key
    assert len(row["uploaded_at"]) == 13  # milliseconds
    assert isinstance(row["level"], int) and isinstance(row["video_codec"], int)
    assert row["private_magnet"] is None and row["user_is_seeding"] is None
    assert row["magnet"].startswith(f"magnet:?xt=urn:btih:{row['infohash']}")
    assert data["more"] is True
    assert data["search"]["limit"] == 5 and data["search"]["sort_by"] == "best"


def test_authenticated_search_rows_carry_private_fields(api_url: str) -> None:
    row = get(api_url, "/torrents/search", KEY, limit=1).json()["data"]["results"][0]
    assert DEMO_TORRENT_KEY in row["private_magnet"]
    assert row["user_is_seeding"] is False and row["user_download_count"] == 0


@pytest.mark.parametrize(
    ("params", "path", "keyword", "message"),
    [
        ({"limit": 101}, "/limit", "maximum", "Data provided was invalid: 'limit' must be <= 100."),
        ({"limit": 0}, "/limit", "minimum", "Data provided was invalid: 'limit' must be >= 1."),
        ({"offset": -1}, "/offset", "minimum", "Data provided was invalid: 'offset' must be >= 0."),
        ({"offset": "x"}, "/offset", "type",
         "Data provided was invalid: 'offset' must be integer."),
        ({"hardsub": "yes"}, "/hardsub", "type",
         "Data provided was invalid: 'hardsub' must be boolean."),
        ({"sort_by": "random"}, "/sort_by", "enum",
         "Data provided was invalid: 'sort_by' must be equal to one of the allowed values."),
    ],
)  # fmt: skip
def test_schema_violations_answer_400_with_validate_errors(
    api_url: str, params: dict[str, Any], path: str, keyword: str, message: str
) -> None:
    response = get(api_url, "/torrents/search", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True and body["message"] == message
    (entry,) = body["validate_errors"]
    assert entry["instancePath"] == path and entry["keyword"] == keyword
    assert entry["schemaPath"] == f"#/properties{path}/{keyword}"


def test_range_error_matches_the_spec_example_exactly(api_url: str) -> None:
    body = get(api_url, "/torrents/search", limit=101).json()
    assert body["validate_errors"] == [
        {
            "instancePath": "/limit",
            "schemaPath": "#/properties/limit/maximum",
            "keyword": "maximum",
            "params": {"comparison": "<=", "limit": 100},
            "message": "must be <= 100",
        }
    ]


def test_media_search_requires_query(api_url: str) -> None:
    response = get(api_url, "/media/search")
    assert response.status_code == 400
    assert response.json()["validate_errors"][0]["params"] == {"missingProperty": "query"}


def test_auth_cookie(api_url: str) -> None:
    assert get(api_url, "/users/@me").status_code == 401
    assert get(api_url, "/torrents/search", {"ssid": "wrong"}).json() == {
        "error": True,
        "message": "Unauthorized.",
    }
    me = get(api_url, "/users/@me", KEY).json()["data"]
    assert me["username"] == "kisaragi" and me["torrent_key"] == DEMO_TORRENT_KEY
    other = get(api_url, "/users/1000000002", KEY).json()["data"]
    assert "torrent_key" not in other
    assert get(api_url, "/users/1999999999").status_code == 404


def test_hostile_title_is_served_verbatim(api_url: str, api: NekoBtApi) -> None:
    data = get(api_url, f"/torrents/{api.hostile_torrent_id}").json()["data"]
    assert data["title"] == nekobt_data.HOSTILE_TITLE
    assert "\x1b[31m" in data["title"]


def test_imdb_rule_first_twenty_media(api_url: str, api: NekoBtApi) -> None:
    ids = [m["imdbId"] for m in api.data.media]
    assert ids[:20] == [f"tt{9000001 + n}" for n in range(20)]
    assert all(imdb is None for imdb in ids[20:])
    found = get(api_url, "/media/search", query="Starlight Courier").json()["data"]["results"]
    assert found[0]["id"] == "s1" and found[0]["imdbId"] == "tt9000001"


def test_media_detail_and_force(api_url: str, api: NekoBtApi) -> None:
    data = get(api_url, "/media/s1").json()["data"]
    assert data["episodes"][0]["airDateUtc"].endswith("Z") and data["groups"] is not None
    api.data.media.append({**api.data.media[0], "id": "s999", "imdbId": None})
    try:
        assert get(api_url, "/media/s999").status_code == 400
        assert get(api_url, "/media/s999", force="true").status_code == 200
    finally:
        api.data.media.pop()
    assert get(api_url, "/media/s404").status_code == 404


def test_download_public_private_and_infohash(api_url: str, api: NekoBtApi) -> None:
    torrent = api.data.torrents[0]
    anonymous = get(api_url, f"/torrents/{torrent.id}/download")
    assert anonymous.headers["content-type"] == "application/x-bittorrent"
    meta = bdecode(anonymous.content)
    assert b"passkey" not in meta[b"announce"]
    assert hashlib.sha1(bencode(meta[b"info"])).hexdigest() == torrent.infohash
    private = bdecode(get(api_url, f"/torrents/{torrent.id}/download", KEY).content)
    assert private[b"announce"].endswith(f"passkey={DEMO_TORRENT_KEY}".encode())
    assert private[b"info"] == meta[b"info"]
    public = bdecode(get(api_url, f"/torrents/{torrent.id}/download", KEY, public="true").content)
    assert b"passkey" not in public[b"announce"]
    listed = get(api_url, f"/torrents/{torrent.id}").json()["data"]
    assert listed["infohash"] == torrent.infohash
    assert int(listed["filesize"]) == sum(f[b"length"] for f in meta[b"info"][b"files"])


def test_payload_matches_the_piece_hashes(api: NekoBtApi) -> None:
    torrent = api.data.torrents[4]  # a batch: several files
    data = b"".join(content for _, content in nekobt_data.torrent_payload(torrent))
    info = bdecode(torrent.info)
    pieces = info[b"pieces"]
    length = info[b"piece length"]
    assert len(pieces) == 20 * -(-len(data) // length)
    assert pieces[:20] == hashlib.sha1(data[:length]).digest()


def test_every_listed_infohash_is_that_of_the_served_torrent_and_magnet(
    api_url: str, api: NekoBtApi
) -> None:
    """What the demo seeder seeds for a listed info-hash is the .torrent the API serves: the
    same info dict, the same files and sizes, and the magnet names that hash."""
    rows = search(api_url, limit=100)["results"]
    assert len(rows) == len(api.data.torrents)
    with httpx.Client(base_url=api_url) as http:
        files = {row["id"]: http.get(f"/torrents/{row['id']}/download").content for row in rows}
    for row in rows:
        served = bdecode(files[row["id"]])
        infohash = hashlib.sha1(bencode(served[b"info"])).hexdigest()
        assert row["infohash"] == infohash
        assert row["magnet"].startswith(f"magnet:?xt=urn:btih:{infohash}&")
        video = api.video_torrent(infohash.upper())
        assert video is not None and video.info == bencode(served[b"info"])
        sizes = [f[b"length"] for f in served[b"info"][b"files"]]
        assert int(row["filesize"]) == sum(sizes) == video.total_size
        assert [len(data) for _, data in video.payload()] == sizes
    assert api.video_torrent("ab" * 20) is None


def test_rate_limit_json_and_html(api_url: str, api: NekoBtApi) -> None:
    api.rate_limit("json", retry_after=0.2)
    limited = get(api_url, "/langs")
    assert limited.status_code == 429 and limited.json()["retry_after"] == 0.2
    api.rate_limit("html", retry_after=0.3, times=2)
    for _ in range(2):
        page = get(api_url, "/langs")
        assert page.status_code == 429 and page.headers["Retry-After"] == "0.3"
        assert page.headers["content-type"].startswith("text/html")
    assert get(api_url, "/langs").status_code == 200


def test_animetosho_202_then_201_then_200(api_url: str, api: NekoBtApi) -> None:
    api.animetosho_processing = 2
    torrent_id = api.data.torrents[0].id
    path = f"/torrents/{torrent_id}/animetosho"
    assert get(api_url, path).status_code == 202
    assert get(api_url, f"/torrents/{torrent_id}").json()["data"]["animetosho"] == "processing"
    assert [get(api_url, path).status_code for _ in range(3)] == [202, 201, 200]
    assert get(api_url, path).json()["retry"] is False
    detail = get(api_url, f"/torrents/{torrent_id}").json()["data"]
    assert isinstance(detail["animetosho"], list) and len(detail["screenshots"]) == 5
    assert detail["animetosho_fetch_time"].isdigit()


def test_animetosho_final_statuses(api_url: str, api: NekoBtApi) -> None:
    api.animetosho_processing = 0
    skipped = next(t for t in api.data.torrents if t.animetosho == "skipped")
    response = get(api_url, f"/torrents/{skipped.id}/animetosho")
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Torrent was skipped on AnimeTosho.",
        "retry": False,
    }


def test_filters(api_url: str, api: NekoBtApi) -> None:
    rows = search(api_url, limit=100, levels="3,4", hardsub="false")["results"]
    assert rows and all(r["level"] in (3, 4) and not r["hardsub"] for r in rows)
    rows = search(api_url, limit=100, audio_lang="en")["results"]
    assert rows and all("en" in r["audio_lang"].split(",") for r in rows)
    rows = search(api_url, limit=100, mtl="true")["results"]
    assert rows and all(r["mtl"] for r in rows)
    frostbyte, lite = nekobt_data.group_id(2), nekobt_data.group_id(3)
    with_children = {r["id"] for r in search(api_url, limit=100, group_id=frostbyte)["results"]}
    alone = {
        r["id"]
        for r in search(api_url, limit=100, group_id=frostbyte, group_childs="false")["results"]
    }
    lite_only = {r["id"] for r in search(api_url, limit=100, group_id=lite)["results"]}
    assert alone and lite_only and with_children == alone | lite_only
    uploader = nekobt_data.user_id(0)
    rows = search(api_url, limit=100, uploader_id=uploader)["results"]
    assert rows and all(r["uploader"] is None or r["uploader"]["id"] == uploader for r in rows)
    cut = api.data.torrents[10].uploaded_ms
    before = search(api_url, limit=100, before=str(cut))["results"]
    assert before and all(int(r["uploaded_at"]) < cut for r in before)
    after = search(api_url, limit=100, after=str(cut))["results"]
    assert len(before) + len(after) == len(api.data.torrents) - 1


def test_episode_filters_and_media(api_url: str, api: NekoBtApi) -> None:
    batch = api.data.torrents[4]
    first, second = batch.fields["media_episode_ids"][:2]
    media_id = batch.fields["media_id"]
    both = search(api_url, media_id=media_id, episode_ids=f"{first},{second}")
    assert [r["id"] for r in both["results"]] == [batch.id]
    assert both["media"]["id"] == media_id
    any_of = search(api_url, media_id=media_id, episode_ids=f"{first},{second}",
                    episode_match_any="true")  # fmt: skip
    assert len(any_of["results"]) > 1 and any_of["search"]["episode_match_any"] is True


def test_sorting_and_paging(api_url: str, api: NekoBtApi) -> None:
    rows = search(api_url, limit=100, sort_by="filesize_asc")["results"]
    sizes = [int(r["filesize"]) for r in rows]
    assert sizes == sorted(sizes) and len(rows) == len(api.data.torrents)
    latest = [int(r["uploaded_at"]) for r in search(api_url, sort_by="latest")["results"]]
    assert latest == sorted(latest, reverse=True)
    last_page = search(api_url, limit=25, offset=50)
    assert last_page["more"] is False and len(last_page["results"]) == 10


def test_query_hints(api_url: str, api: NekoBtApi) -> None:
    hevc = search(api_url, query="hevc", limit=100)
    assert hevc["debug"]["summary"] == ["video codec: HEVC"]
    assert all(r["video_codec"] == 2 for r in hevc["results"])
    torrent = api.data.torrents[3]
    match = search(api_url, query=torrent.infohash.upper())
    assert match["infohash_match"] == torrent.id
    assert [r["id"] for r in match["results"]] == [torrent.id]
    assert search(api_url, query="f" * 40)["infohash_match"] is None
    recommended = search(api_url, query="Codex Frost Dragon")
    assert recommended["recommended_media"]["id"] == "s4"


def test_detail_comments_groups_and_site(api_url: str, api: NekoBtApi) -> None:
    detail = get(api_url, "/torrents/3000000001").json()["data"]
    assert detail["files"][0]["offset"] == 0 and detail["animetosho"] is None
    comments = get(api_url, "/torrents/3000000001/comments").json()["data"]
    assert comments[0]["children"][1]["deleted"] is True
    assert isinstance(comments[0]["children"][0]["last_edit"], int)
    group = get(api_url, f"/groups/{nekobt_data.group_id(2)}").json()["data"]
    assert group["relations"]["children"][0]["id"] == nekobt_data.group_id(3)
    assert group["stats"]["seeders"].isdigit()
    found = get(api_url, "/groups/search", query="frost").json()["data"]
    assert {g["display_name"] for g in found["results"]} == {"Frostbyte", "Frostbyte Lite"}
    assert get(api_url, "/langs").json()["data"]["convert"]["jp"] == "ja"
    assert get(api_url, "/announcements").json()["data"][0]["start_time"].isdigit()
    assert get(api_url, "/stats").json()["data"]["torrents"]["total"] == 60
    for missing in ("/torrents/1", "/torrents/1/comments", "/groups/1", "/nothing/here"):
        response = get(api_url, missing)
        assert response.status_code == 404 and response.json()["error"] is True


def test_requests_are_recorded_with_the_cookie(server: DevServer, api_url: str) -> None:
    get(api_url, "/langs", KEY)
    assert server.requests[-1].headers["Cookie"] == f"ssid={DEMO_API_KEY}"


def test_a_failing_handler_answers_nekobts_500(
    api_url: str, api: NekoBtApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = api.data.torrents[0]
    monkeypatch.setattr(broken, "files", (("x.mkv", None),))  # offsets cannot be summed
    response = get(api_url, f"/torrents/{broken.id}")
    assert response.status_code == 500
    assert response.json() == {"error": True, "message": "Internal Error"}

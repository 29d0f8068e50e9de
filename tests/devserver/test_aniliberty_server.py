"""The local AniLiberty API v1 over real HTTP: releases, episodes, schedule, catalog filters,
franchises, genres, torrents and their files, media, include/exclude, paging, 422s, the shape
variants, run-time additions to the shared catalog and the fault injector on a v1 path."""

from __future__ import annotations

import copy
import gzip
import hashlib
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.bencode import bdecode, bencode
from app.devserver.aniliberty_models import NAMESPACE
from app.devserver.catalog import DEMO_NOW, TitleSeed, TorrentSeed
from app.devserver.server import DevServer

RELEASE_KEYS = {
    "id", "type", "year", "name", "alias", "season", "poster", "fresh_at", "created_at",
    "updated_at", "is_ongoing", "is_in_production", "age_rating", "publish_day", "description",
    "notification", "episodes_total", "external_player", "is_blocked_by_geo",
    "is_blocked_by_copyrights", "added_in_users_favorites", "average_duration_of_episode",
    "added_in_planned_collection", "added_in_watched_collection",
    "added_in_watching_collection", "added_in_postponed_collection",
    "added_in_abandoned_collection",
}  # fmt: skip
EPISODE_KEYS = {
    "id", "name", "name_english", "ordinal", "sort_order", "duration", "hls_480", "hls_720",
    "hls_1080", "opening", "ending", "preview", "rutube_id", "youtube_id", "updated_at",
}  # fmt: skip
TORRENT_KEYS = {
    "id", "hash", "size", "type", "color", "codec", "label", "quality", "magnet", "filename",
    "seeders", "bitrate", "leechers", "sort_order", "updated_at", "is_hardsub", "description",
    "created_at", "completed_times", "torrent_members", "release",
}  # fmt: skip
PAGINATION_KEYS = {"total", "count", "per_page", "current_page", "total_pages", "links"}


@pytest.fixture(scope="module")
def v1(devserver: DevServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=devserver.aniliberty_api, timeout=5) as client:
        yield client


def ok(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def errors(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 422, response.text
    found: dict[str, list[str]] = response.json()["errors"]
    return found


def info_hash(torrent: bytes) -> str:
    return hashlib.sha1(bencode(bdecode(torrent)[b"info"])).hexdigest()


# --- the app, routing ----------------------------------------------------------------------


def test_status_names_this_server_as_the_live_endpoint(
    v1: httpx.Client, devserver: DevServer
) -> None:
    status = ok(v1, "/app/status")
    assert status["is_alive"] is True
    assert status["available_api_endpoints"] == [devserver.aniliberty_api]
    assert status["request"]["ip"] == "127.0.0.1"
    assert devserver.aniliberty_api == devserver.base_url + "/api/v1"
    assert devserver.aniliberty_site == devserver.base_url


def test_unknown_paths_and_the_missing_recommended_answer_a_json_404(v1: httpx.Client) -> None:
    for path in ("/nothing/here", "/anime/releases/recommended", "/anime/releases/999999"):
        response = v1.get(path)
        assert response.status_code == 404, path
        assert isinstance(response.json()["message"], str)


# --- releases and episodes -----------------------------------------------------------------


def test_a_release_has_the_file_fields_with_episodes_torrents_members_and_genres(
    v1: httpx.Client, devserver: DevServer
) -> None:
    release = ok(v1, "/anime/releases/9004")
    assert set(release) == RELEASE_KEYS | {"genres", "members", "episodes", "torrents"}
    assert ok(v1, "/anime/releases/starlight-courier-3") == release
    title = devserver.catalog.title(9004)
    assert title is not None
    assert release["alias"] == title["code"] == "starlight-courier-3"
    assert release["name"]["main"] == title["names"]["ru"]
    assert release["type"]["value"] == "TV"
    assert release["season"]["value"] == "autumn"
    assert release["publish_day"]["value"] == title["season"]["week_day"] + 1
    assert release["is_ongoing"] is True and release["is_in_production"] is True
    assert release["age_rating"]["value"].startswith("R")
    assert {g["name"] for g in release["genres"]} == set(title["genres"])
    assert {m["role"]["value"] for m in release["members"]} <= {
        "voicing", "translating", "editing", "decorating", "timing", "poster"
    }  # fmt: skip
    playlist = title["player"]["playlist"]
    assert [e["id"] for e in release["episodes"]] == [
        playlist[key]["uuid"] for key in sorted(playlist, key=int)
    ]
    assert [e["ordinal"] for e in release["episodes"]] == list(range(1, len(playlist) + 1))
    assert {h["hash"] for h in release["torrents"]} == {
        t["hash"] for t in title["torrents"]["list"]
    }


def test_episodes_link_absolute_hls_and_relative_images_the_site_serves(
    v1: httpx.Client, devserver: DevServer
) -> None:
    episode = ok(v1, "/anime/releases/9001")["episodes"][0]
    assert set(episode) == EPISODE_KEYS
    for quality in ("hls_480", "hls_720", "hls_1080"):
        assert episode[quality].startswith(devserver.base_url + "/videos/media/ts/9001/1/")
        playlist = httpx.get(episode[quality], timeout=5)
        assert playlist.status_code == 200
        assert playlist.text.startswith("#EXTM3U")
    assert episode["hls_720"].endswith("?isWithAds=0&isAuthorized=0")
    assert episode["duration"] == 24 * 60
    for path in (episode["preview"]["src"], ok(v1, "/anime/releases/9001")["poster"]["preview"]):
        assert path.startswith("/storage/")
        image = httpx.get(devserver.aniliberty_site + path, timeout=5)
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/jpeg"


def test_missing_qualities_are_null_and_odd_ordinals_keep_their_value(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    title = v1_server.catalog.title(9001)
    assert title is not None
    playlist = title["player"]["playlist"]
    playlist["1"]["hls"]["fhd"] = None
    special = copy.deepcopy(playlist["12"])
    special.update(serie=12.5, uuid=None)
    playlist["12.5"] = special
    recap = copy.deepcopy(playlist["1"])
    recap.update(serie=0, uuid=None)
    playlist["0"] = recap
    episodes = ok(v1_client, "/anime/releases/9001")["episodes"]
    assert [e["ordinal"] for e in episodes][:2] == [0, 1]
    assert episodes[-1]["ordinal"] == 12.5
    assert [e["sort_order"] for e in episodes] == list(range(1, len(episodes) + 1))
    assert episodes[1]["hls_1080"] is None and episodes[1]["hls_720"] is not None
    derived = str(uuid.uuid5(NAMESPACE, "episode:9001:12.5"))
    assert episodes[-1]["id"] == derived
    assert ok(v1_client, f"/anime/releases/episodes/{derived}")["ordinal"] == 12.5


def test_one_episode_comes_with_its_release(v1: httpx.Client) -> None:
    first = ok(v1, "/anime/releases/9005")["episodes"][2]
    episode = ok(v1, f"/anime/releases/episodes/{first['id']}")
    assert episode["id"] == first["id"] and episode["ordinal"] == 3
    assert episode["release"]["id"] == 9005
    assert len(episode["release"]["episodes"]) == 24
    assert v1.get(f"/anime/releases/episodes/{uuid.uuid4()}").status_code == 404


def test_release_members_by_id_or_alias(v1: httpx.Client, devserver: DevServer) -> None:
    members = ok(v1, "/anime/releases/9001/members")
    title = devserver.catalog.title(9001)
    assert title is not None
    voicing = [m["nickname"] for m in members if m["role"]["value"] == "voicing"]
    assert voicing == title["team"]["voice"]
    assert ok(v1, "/anime/releases/starlight-courier/members") == members
    assert all(uuid.UUID(m["id"]) for m in members)


def test_the_list_keeps_the_order_asked_and_pages(v1: httpx.Client) -> None:
    page = ok(v1, "/anime/releases/list", ids="9003,9001", aliases="witch-of-lantern-street")
    assert [r["id"] for r in page["data"]] == [9003, 9001, 9005]
    assert {"episodes", "torrents", "members", "genres"} <= set(page["data"][0])
    second = ok(v1, "/anime/releases/list", ids="9003,9001,9002", limit=2, page=2)
    assert [r["id"] for r in second["data"]] == [9002]
    pagination = second["meta"]["pagination"]
    assert set(pagination) == PAGINATION_KEYS
    assert (pagination["total"], pagination["count"], pagination["total_pages"]) == (3, 1, 2)
    assert pagination["links"]["next"] is None
    assert "page=1" in pagination["links"]["previous"]
    assert "ids" in errors(v1.get("/anime/releases/list"))
    assert "ids" in errors(v1.get("/anime/releases/list", params={"ids": "1,x"}))


def test_latest_is_freshest_first_each_with_its_latest_episode(
    v1: httpx.Client, devserver: DevServer
) -> None:
    latest = ok(v1, "/anime/releases/latest", limit=5)
    assert len(latest) == 5
    fresh = [r["fresh_at"] for r in latest]
    assert fresh == sorted(fresh, reverse=True)
    for release in latest:
        title = devserver.catalog.title(release["id"])
        assert title is not None
        newest = max(title["player"]["playlist"].values(), key=lambda e: e["created_timestamp"])
        assert release["latest_episode"]["id"] == newest["uuid"]
        assert release["genres"]
    assert len(ok(v1, "/anime/releases/latest")) == 14
    assert "limit" in errors(v1.get("/anime/releases/latest", params={"limit": "0"}))


def test_random_releases_are_distinct(v1: httpx.Client) -> None:
    releases = ok(v1, "/anime/releases/random", limit=7)
    assert len({r["id"] for r in releases}) == 7
    assert set(releases[0]) == RELEASE_KEYS
    assert len(ok(v1, "/anime/releases/random")) == 5


# --- schedule ------------------------------------------------------------------------------


def test_the_week_lists_releases_in_work_by_publish_day(
    v1: httpx.Client, devserver: DevServer
) -> None:
    week = ok(v1, "/anime/schedule/week")["data"]
    in_work = {t["id"] for t in devserver.catalog.titles if t["status"]["code"] == 1}
    assert {item["release"]["id"] for item in week} == in_work
    days = [item["release"]["publish_day"]["value"] for item in week]
    assert days == sorted(days)
    for item in week:
        assert set(item) == {
            "release", "full_season_is_released", "published_release_episode",
            "next_release_episode_number",
        }  # fmt: skip
    courier = next(item for item in week if item["release"]["id"] == 9004)
    last = courier["published_release_episode"]
    assert last is not None and last["ordinal"] == 8
    assert courier["next_release_episode_number"] == 9
    assert courier["full_season_is_released"] is False


def test_now_is_the_demo_monday_with_its_neighbours(v1: httpx.Client) -> None:
    now = ok(v1, "/anime/schedule/now")
    assert set(now) == {"today", "tomorrow", "yesterday"}
    for name, day in (("today", 1), ("tomorrow", 2), ("yesterday", 7)):
        assert now[name], name
        assert {i["release"]["publish_day"]["value"] for i in now[name]} == {day}


def test_the_week_as_a_bare_array_is_a_switch(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    wrapped = ok(v1_client, "/anime/schedule/week")["data"]
    v1_server.aniliberty.variants.schedule_week_bare = True
    assert ok(v1_client, "/anime/schedule/week") == wrapped


def test_the_schedule_clock_moves_today(v1_client: httpx.Client, v1_server: DevServer) -> None:
    v1_server.aniliberty.schedule_clock = lambda: DEMO_NOW + 2 * 86_400 + 3600
    days = {
        i["release"]["publish_day"]["value"] for i in ok(v1_client, "/anime/schedule/now")["today"]
    }
    assert days == {3}


# --- franchises and genres -----------------------------------------------------------------


def test_franchises_follow_the_watch_order_of_the_descriptions(v1: httpx.Client) -> None:
    franchises = ok(v1, "/anime/franchises")
    assert franchises["meta"]["pagination"]["total"] == 4
    courier = next(f for f in franchises["data"] if f["name_english"] == "Starlight Courier")
    assert (courier["first_year"], courier["last_year"], courier["total_releases"]) == (
        2019, 2026, 4
    )  # fmt: skip
    one = ok(v1, f"/anime/franchises/{courier['id']}")["data"]
    order = [(r["sort_order"], r["release_id"]) for r in one["franchise_releases"]]
    assert order == [(1, 9001), (2, 9002), (3, 9003), (4, 9004)]
    assert one["franchise_releases"][1]["release"]["alias"] == "starlight-courier-2"
    by_release = ok(v1, "/anime/franchises/release/9003")["data"]
    assert [f["id"] for f in by_release] == [courier["id"]]
    assert ok(v1, "/anime/franchises/release/9013")["data"] == []
    assert len(ok(v1, "/anime/franchises/random", limit=2)["data"]) == 2
    assert v1.get(f"/anime/franchises/{uuid.uuid4()}").status_code == 404


def test_genres_have_stable_ids_counts_images_and_releases(
    v1: httpx.Client, devserver: DevServer
) -> None:
    genres = ok(v1, "/anime/genres")
    names = [g["name"] for g in genres]
    assert names == sorted(names, key=str.lower)
    drama = next(g for g in genres if g["name"] == "Драма")
    with_drama = [t["id"] for t in devserver.catalog.titles if "Драма" in t["genres"]]
    assert drama["total_releases"] == len(with_drama)
    assert ok(v1, f"/anime/genres/{drama['id']}") == drama
    releases = ok(v1, f"/anime/genres/{drama['id']}/releases", limit=50)
    assert sorted(r["id"] for r in releases["data"]) == sorted(with_drama)
    image = httpx.get(devserver.aniliberty_site + drama["image"]["preview"], timeout=5)
    assert image.headers["Content-Type"] == "image/jpeg"
    assert len(ok(v1, "/anime/genres/random", limit=3)) == 3
    assert v1.get("/anime/genres/999").status_code == 404


# --- the catalog ---------------------------------------------------------------------------


def catalog_ids(client: httpx.Client, **params: Any) -> list[int]:
    page = ok(client, "/anime/catalog/releases", limit=50, **params)
    return [r["id"] for r in page["data"]]


def test_catalog_filters_each_narrow_the_list(v1: httpx.Client, devserver: DevServer) -> None:
    titles = devserver.catalog.titles
    movies = {t["id"] for t in titles if t["type"]["string"] == "MOVIE"}
    assert set(catalog_ids(v1, **{"f[types][]": "MOVIE"})) == movies
    assert set(catalog_ids(v1, **{"f[types]": "MOVIE,OVA"})) == movies | {
        t["id"] for t in titles if t["type"]["string"] == "OVA"
    }
    winter = {t["id"] for t in titles if t["season"]["code"] == 1}
    assert set(catalog_ids(v1, **{"f[seasons][]": "winter"})) == winter
    years = {t["id"] for t in titles if 2016 <= t["season"]["year"] <= 2018}
    in_years = catalog_ids(v1, **{"f[years][from_year]": 2016, "f[years][to_year]": 2018})
    assert set(in_years) == years
    ongoing = {t["id"] for t in titles if t["status"]["code"] == 1}
    assert set(catalog_ids(v1, **{"f[publish_statuses][]": "IS_ONGOING"})) == ongoing
    voiced = {t["id"] for t in titles if t["status"]["code"] in (1, 4)}
    assert set(catalog_ids(v1, **{"f[production_statuses][]": "IS_IN_PRODUCTION"})) == voiced
    adult = catalog_ids(v1, **{"f[age_ratings][]": "R18_PLUS"})
    assert adult and all("Вампиры" in (devserver.catalog.title(i) or {})["genres"] for i in adult)
    genres = {g["name"]: g["id"] for g in ok(v1, "/anime/catalog/references/genres")}
    both = f"{genres['Драма']},{genres['Романтика']}"
    dramatic = {t["id"] for t in titles if {"Драма", "Романтика"} <= set(t["genres"])}
    assert set(catalog_ids(v1, **{"f[genres]": both})) == dramatic
    assert set(catalog_ids(v1, **{"f[search]": "курьер"})) == {9001, 9002, 9003, 9004}


def test_catalog_sorting_and_paging(v1: httpx.Client, devserver: DevServer) -> None:
    by_rating = catalog_ids(v1, **{"f[sorting]": "RATING_DESC"})
    ratings = [(devserver.catalog.title(i) or {})["in_favorites"] for i in by_rating]
    assert ratings == sorted(ratings, reverse=True)
    by_year = catalog_ids(v1, **{"f[sorting]": "YEAR_ASC"})
    years = [(devserver.catalog.title(i) or {})["season"]["year"] for i in by_year]
    assert years == sorted(years)
    fresh = ok(v1, "/anime/catalog/releases", limit=50)["data"]
    assert [r["fresh_at"] for r in fresh] == sorted((r["fresh_at"] for r in fresh), reverse=True)
    pages = [ok(v1, "/anime/catalog/releases", page=n, limit=20) for n in (1, 2, 3)]
    assert [p["meta"]["pagination"]["count"] for p in pages] == [20, 20, 10]
    assert [r for p in pages for r in p["data"]] == fresh
    assert pages[2]["meta"]["pagination"]["links"]["next"] is None


def test_catalog_post_body_means_the_same_as_the_query(v1: httpx.Client) -> None:
    query = ok(
        v1,
        "/anime/catalog/releases",
        **{"f[types][]": "TV", "f[years][from_year]": 2020, "f[sorting]": "YEAR_DESC"},
        limit=5,
    )
    body = {
        "limit": 5,
        "f": {"types": ["TV"], "years": {"from_year": 2020}, "sorting": "YEAR_DESC"},
    }
    posted = v1.post("/anime/catalog/releases", json=body)
    assert posted.status_code == 200
    assert posted.json()["data"] == query["data"]


def test_catalog_refuses_what_it_cannot_read_with_422(v1: httpx.Client) -> None:
    cases = {
        "f.sorting": {"f[sorting]": "LOUDEST_FIRST"},
        "f.types": {"f[types][]": "CARTOON"},
        "f.seasons": {"f[seasons][]": "monsoon"},
        "f.age_ratings": {"f[age_ratings][]": "R21_PLUS"},
        "f.genres": {"f[genres]": "drama"},
        "f.years.from_year": {"f[years][from_year]": "long ago"},
        "limit": {"limit": "many"},
        "page": {"page": "0"},
    }
    for field, params in cases.items():
        assert field in errors(v1.get("/anime/catalog/releases", params=params)), field
    assert errors(v1.post("/anime/catalog/releases", json={"f": {"sorting": "x"}}))


def test_every_catalog_reference(v1: httpx.Client, devserver: DevServer) -> None:
    def values(name: str) -> list[Any]:
        return [item["value"] for item in ok(v1, f"/anime/catalog/references/{name}")]

    assert values("sorting") == [
        "FRESH_AT_DESC", "FRESH_AT_ASC", "RATING_DESC", "RATING_ASC", "YEAR_DESC", "YEAR_ASC"
    ]  # fmt: skip
    assert values("types") == ["TV", "ONA", "WEB", "OVA", "OAD", "MOVIE", "DORAMA", "SPECIAL"]
    assert values("seasons") == ["winter", "spring", "summer", "autumn"]
    assert values("age-ratings") == ["R0_PLUS", "R6_PLUS", "R12_PLUS", "R16_PLUS", "R18_PLUS"]
    assert values("publish-statuses") == ["IS_ONGOING", "IS_NOT_ONGOING"]
    assert values("production-statuses") == ["IS_IN_PRODUCTION", "IS_NOT_IN_PRODUCTION"]
    genres = ok(v1, "/anime/catalog/references/genres")
    assert [g["id"] for g in genres] == [g["id"] for g in ok(v1, "/anime/genres")]
    years = ok(v1, "/anime/catalog/references/years")
    assert years == sorted({t["season"]["year"] for t in devserver.catalog.titles})


def test_quick_search_is_a_bare_array_best_first(v1: httpx.Client) -> None:
    found = ok(v1, "/app/search/releases", query="Witch of Lantern")
    assert isinstance(found, list)
    assert {r["id"] for r in found[:3]} == {9005, 9006, 9007}
    assert set(found[0]) == RELEASE_KEYS
    assert ok(v1, "/app/search/releases", query="zzqxw") == []
    assert "query" in errors(v1.get("/app/search/releases"))


# --- include / exclude, gzip ----------------------------------------------------------------


def test_include_and_exclude_reach_into_lists_and_page_items(v1: httpx.Client) -> None:
    trimmed = ok(v1, "/anime/releases/9001", include="id,name.main,episodes.hls_720")
    assert set(trimmed) == {"id", "name", "episodes"}
    assert trimmed["name"] == {"main": "Звёздный курьер"}
    assert all(set(e) == {"hls_720"} for e in trimmed["episodes"])
    without = ok(v1, "/anime/releases/9001", exclude="episodes,torrents.release,poster")
    assert "episodes" not in without and "poster" not in without
    assert without["torrents"] and all("release" not in t for t in without["torrents"])
    page = ok(v1, "/anime/catalog/releases", include="id,alias", limit=3)
    assert [set(r) for r in page["data"]] == [{"id", "alias"}] * 3
    assert page["meta"]["pagination"]["count"] == 3
    assert ok(v1, "/anime/catalog/releases", include="data.id", limit=2)["data"][0].keys() == {"id"}
    bare = ok(v1, "/anime/releases/latest", limit=2, exclude="latest_episode,genres")
    assert all("latest_episode" not in r and "genres" not in r for r in bare)
    assert "include" in errors(v1.get("/anime/releases/9001", params={"include": "name..main"}))


def test_answers_are_gzipped_when_asked(devserver: DevServer) -> None:
    url = devserver.aniliberty_api + "/anime/releases/9001"
    with httpx.Client(timeout=5) as client:
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
            raw = b"".join(response.iter_raw())
            assert response.headers["Content-Encoding"] == "gzip"
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(raw) == plain.content


# --- torrents ------------------------------------------------------------------------------


def test_torrents_page_newest_first_and_limit_above_fifty_is_422(v1: httpx.Client) -> None:
    page = ok(v1, "/anime/torrents", limit=50)
    assert len(page["data"]) == 50
    stamps = [t["updated_at"] for t in page["data"]]
    assert stamps == sorted(stamps, reverse=True)
    assert set(page["data"][0]) == TORRENT_KEYS
    assert set(page["data"][0]["release"]) == RELEASE_KEYS
    assert "limit" in errors(v1.get("/anime/torrents", params={"limit": 51}))
    second = ok(v1, "/anime/torrents", limit=50, page=2)
    assert not {t["id"] for t in second["data"]} & {t["id"] for t in page["data"]}


def test_a_torrent_by_id_or_hash_matches_the_catalog(
    v1: httpx.Client, devserver: DevServer
) -> None:
    entry = (devserver.catalog.title(9002) or {})["torrents"]["list"][1]
    by_id = ok(v1, f"/anime/torrents/{entry['torrent_id']}")
    assert ok(v1, f"/anime/torrents/{entry['hash']}") == by_id
    assert ok(v1, f"/anime/torrents/{entry['hash'].upper()}") == by_id
    assert by_id["hash"] == entry["hash"]
    assert by_id["size"] == entry["total_size"]
    assert by_id["description"] == entry["series"]["string"]
    assert by_id["quality"]["value"] == entry["quality"]["resolution"]
    assert by_id["release"]["id"] == 9002
    assert by_id["magnet"].startswith("magnet:?xt=urn:btih:")
    assert v1.get("/anime/torrents/" + "0" * 40).status_code == 404
    assert v1.get("/anime/torrents/999999999").status_code == 404


def test_a_release_as_the_file_schema_array_is_a_switch(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    release = ok(v1_client, "/anime/releases/9001")
    v1_server.aniliberty.variants.release_as_array = True
    assert ok(v1_client, "/anime/releases/starlight-courier") == [release]
    assert ok(v1_client, "/anime/releases/9001", include="id") == [{"id": 9001}]


def test_release_torrents_as_an_array_or_one_object(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    torrents = ok(v1_client, "/anime/torrents/release/9002")
    assert [t["id"] for t in torrents] == [
        e["torrent_id"] for e in (v1_server.catalog.title(9002) or {})["torrents"]["list"]
    ]
    v1_server.aniliberty.variants.release_torrents_single = True
    assert ok(v1_client, "/anime/torrents/release/9002") == torrents[0]
    assert v1_client.get("/anime/torrents/release/1").status_code == 404


def test_torrent_files_carry_the_catalog_info_hash_and_the_asked_passkey(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    entry = (v1_server.catalog.title(9001) or {})["torrents"]["list"][0]
    response = v1_client.get(f"/anime/torrents/{entry['hash']}/file")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-bittorrent"
    assert info_hash(response.content) == entry["hash"]
    assert bdecode(response.content)[b"announce"] == f"{v1_server.base_url}/announce".encode()
    token = v1_client.post(
        "/accounts/users/auth/login", json={"login": "demo", "password": "demo-password"}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    passkey = v1_client.get("/accounts/users/me/profile", headers=headers).json()["torrents"][
        "passkey"
    ]
    mine = v1_client.get(f"/anime/torrents/{entry['torrent_id']}/file", headers=headers)
    assert bdecode(mine.content)[b"announce"].endswith(f"?passkey={passkey}".encode())
    assert info_hash(mine.content) == entry["hash"]
    given = v1_client.get(f"/anime/torrents/{entry['torrent_id']}/file", params={"pk": passkey})
    assert given.content == mine.content
    assert v1_client.get(f"/anime/torrents/{entry['torrent_id']}/file?pk=nobody").status_code == 403
    assert v1_client.get("/anime/torrents/123456789/file").status_code == 404


def test_torrent_rss_feeds_link_the_files(v1: httpx.Client, devserver: DevServer) -> None:
    feed = v1.get("/anime/torrents/rss", params={"limit": 3})
    assert feed.status_code == 200
    items = ET.fromstring(feed.content).findall("./channel/item")
    newest = ok(v1, "/anime/torrents", limit=3)["data"]
    assert [i.findtext("guid") for i in items] == [t["hash"] for t in newest]
    enclosure = items[0].find("enclosure")
    assert enclosure is not None
    link = enclosure.get("url") or ""
    assert link == f"{devserver.aniliberty_api}/anime/torrents/{newest[0]['id']}/file"
    assert info_hash(httpx.get(link, timeout=5).content) == newest[0]["hash"]
    release = ET.fromstring(v1.get("/anime/torrents/rss/release/9009").content)
    assert len(release.findall("./channel/item")) == 3
    assert len(ET.fromstring(v1.get("/anime/torrents/rss").content).findall(".//item")) == 10


# --- media ---------------------------------------------------------------------------------


def test_videos_are_the_catalog_youtube_entries_newest_first(
    v1: httpx.Client, devserver: DevServer
) -> None:
    videos = ok(v1, "/media/videos")["data"]
    assert len(videos) == len(devserver.catalog.youtube)
    newest = max(devserver.catalog.youtube, key=lambda y: y["timestamp"])
    assert videos[0]["video_id"] == newest["youtube_id"]
    assert videos[0]["url"] == f"https://www.youtube.com/watch?v={newest['youtube_id']}"
    assert videos[0]["origin"]["type"]["value"] == "YOUTUBE_PLAYLIST"
    picture = httpx.get(devserver.aniliberty_site + videos[0]["image"]["preview"], timeout=5)
    assert picture.status_code == 200
    assert len(ok(v1, "/media/videos", limit=2)["data"]) == 2
    promotions = ok(v1, "/media/promotions")["data"]
    announced = {t["id"] for t in devserver.catalog.titles if t.get("announce")}
    assert {p["release"]["id"] for p in promotions} == announced


# --- run-time additions ---------------------------------------------------------------------


def test_a_new_episode_tops_latest_and_the_schedule(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    before = ok(v1_client, "/anime/releases/9013")["episodes"]
    assert v1_server.live.new_episode(9013) == str(len(before) + 1)
    latest = ok(v1_client, "/anime/releases/latest", limit=1)[0]
    assert latest["id"] == 9013
    assert latest["latest_episode"]["ordinal"] == len(before) + 1
    assert latest["latest_episode"] == ok(v1_client, "/anime/releases/9013")["episodes"][-1]
    today = next(
        i for i in ok(v1_client, "/anime/schedule/week")["data"] if i["release"]["id"] == 9013
    )
    assert today["published_release_episode"]["ordinal"] == len(before) + 1


def test_a_torrent_updated_in_place_keeps_its_id_with_a_new_hash(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    torrents = ok(v1_client, "/anime/torrents/release/9013")
    newest = max(torrents, key=lambda t: t["description"])
    v1_server.live.new_episode(9013)
    new_hash = v1_server.aniliberty.grow_torrent(newest["id"])
    grown = ok(v1_client, f"/anime/torrents/{newest['id']}")
    assert grown["hash"] == new_hash != newest["hash"]
    assert grown["updated_at"] > newest["updated_at"]
    assert grown["description"].endswith(
        str(len(ok(v1_client, "/anime/releases/9013")["episodes"]))
    )
    assert ok(v1_client, "/anime/torrents", limit=1)["data"][0]["id"] == newest["id"]
    assert info_hash(v1_client.get(f"/anime/torrents/{newest['id']}/file").content) == new_hash
    assert v1_client.get(f"/anime/torrents/{newest['hash']}").status_code == 404


def test_a_release_added_to_the_catalog_is_served(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    stamp = v1_server.catalog.fresh_timestamp()
    seed = TitleSeed(
        id=9901, code="late-arrival", ru="Опоздавший", en="Late Arrival",
        description_html="Новый тайтл.", status=1, type_code=3, planned=12, length=12,
        genres=["Комедия"], team={"voice": ["Kisaragi"]}, year=2026, season_code=4,
        week_day=0, in_favorites=1, updated=stamp, last_change=stamp,
        episode_times=[stamp], torrents=[TorrentSeed(991_001, "1080", 1, 1, stamp)],
    )  # fmt: skip
    v1_server.catalog.add_title(seed.build())
    assert ok(v1_client, "/anime/releases/latest", limit=1)[0]["alias"] == "late-arrival"
    assert ok(v1_client, "/anime/releases/late-arrival")["type"]["value"] == "ONA"
    newest = ok(v1_client, "/anime/torrents", limit=1)["data"][0]
    assert newest["id"] == 991_001
    assert newest["hash"] == (v1_server.catalog.title(9901) or {})["torrents"]["list"][0]["hash"]


# --- faults and records ---------------------------------------------------------------------


def test_the_fault_injector_fails_a_v1_path_with_the_v1_error_body(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    v1_server.faults.fail_next("/api/v1/anime/releases/latest", 503, headers={"Retry-After": "1"})
    failed = v1_client.get("/anime/releases/latest")
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "1"
    assert failed.json() == {"message": "Service Unavailable"}
    assert v1_client.get("/anime/releases/latest").status_code == 200
    v1_server.faults.fail_next("/api/v1/", 429, body={"message": "Too Many Attempts."})
    assert v1_client.get("/anime/genres").json() == {"message": "Too Many Attempts."}
    paths = [r.path for r in v1_server.requests]
    assert paths.count("/api/v1/anime/releases/latest") == 2

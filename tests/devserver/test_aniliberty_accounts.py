"""The local AniLiberty API v1's accounts over real HTTP: password and code login (with the
site's confirmation page and expiry), tokens, profile, favorites shared with v2, collections and
view timecodes."""

from __future__ import annotations

from typing import Any

import httpx

from app.devserver.server import DevServer

ME = "/accounts/users/me"


def login(client: httpx.Client, name: str = "demo", password: str = "demo-password") -> str:
    response = client.post("/accounts/users/auth/login", json={"login": name, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call(
    client: httpx.Client, method: str, path: str, token: str, body: Any = None, **params: Any
) -> Any:
    response = client.request(method, path, headers=bearer(token), json=body, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --- password login, tokens, profile --------------------------------------------------------


def test_password_login_gives_a_token_for_the_v2_demo_account(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    token = login(v1_client)
    assert v1_server.aniliberty.tokens[token].login == "demo"
    profile = call(v1_client, "GET", f"{ME}/profile", token)
    assert (profile["login"], profile["email"]) == ("demo", "demo@anitui.invalid")
    assert len(profile["torrents"]["passkey"]) == 16
    assert profile["avatar"]["preview"].startswith("/storage/")
    by_email = login(v1_client, "DEMO@anitui.invalid")
    assert call(v1_client, "GET", f"{ME}/profile", by_email) == profile


def test_login_refusals(v1_client: httpx.Client) -> None:
    wrong = v1_client.post("/accounts/users/auth/login", json={"login": "demo", "password": "nope"})
    assert wrong.status_code == 401
    missing = v1_client.post("/accounts/users/auth/login", json={"login": "demo"})
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"password"}
    assert v1_client.post("/accounts/users/auth/login", content=b"{").status_code == 422


def test_a_cookie_authenticates_like_the_bearer_header(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    token = login(v1_client)
    with httpx.Client(base_url=v1_server.aniliberty_api, timeout=5) as browser:
        browser.cookies.set("access_token", token)
        assert browser.get(f"{ME}/profile").json()["login"] == "demo"


def test_user_methods_need_a_valid_token(v1_client: httpx.Client, v1_server: DevServer) -> None:
    for path in ("/profile", "/favorites/ids", "/collections/ids", "/views/timecodes"):
        assert v1_client.get(ME + path).status_code == 403, path
        assert v1_client.get(ME + path, headers=bearer("made-up")).status_code == 403, path
    token = login(v1_client)
    other = login(v1_client)
    v1_server.aniliberty.expire_token(token)
    assert v1_client.get(f"{ME}/profile", headers=bearer(token)).status_code == 403
    assert v1_client.get(f"{ME}/profile", headers=bearer(other)).status_code == 200
    v1_server.aniliberty.expire_token()
    assert v1_client.get(f"{ME}/profile", headers=bearer(other)).status_code == 403


def test_logout_ends_the_token(v1_client: httpx.Client, v1_server: DevServer) -> None:
    token = login(v1_client)
    assert call(v1_client, "POST", "/accounts/users/auth/logout", token) == {"token": None}
    assert token not in v1_server.aniliberty.tokens
    assert v1_client.get(f"{ME}/profile", headers=bearer(token)).status_code == 403
    assert v1_client.post("/accounts/users/auth/logout", headers=bearer(token)).status_code == 401


def test_hls_links_say_whether_the_caller_is_authorized(v1_client: httpx.Client) -> None:
    token = login(v1_client)
    anonymous = v1_client.get("/anime/releases/9001").json()["episodes"][0]["hls_720"]
    mine = v1_client.get("/anime/releases/9001", headers=bearer(token)).json()["episodes"][0][
        "hls_720"
    ]
    assert anonymous.endswith("isAuthorized=0") and mine.endswith("isAuthorized=1")
    assert anonymous.split("?")[0] == mine.split("?")[0]


# --- login by code --------------------------------------------------------------------------


def ask_code(client: httpx.Client, device: str = "tv-1") -> str:
    response = client.post("/accounts/otp/get", json={"device_id": device})
    assert response.status_code == 200, response.text
    code: str = response.json()["otp"]["code"]
    return code


def test_a_code_logs_in_once_the_user_confirmed_it(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    answer = v1_client.post("/accounts/otp/get", json={"device_id": "tv-1"}).json()
    otp = answer["otp"]
    assert answer["remaining_time"] == 120
    assert (len(otp["code"]), otp["device_id"], otp["user_id"]) == (6, "tv-1", None)
    assert otp["expired_at"].endswith("+00:00")
    body = {"code": otp["code"], "device_id": "tv-1"}
    assert v1_client.post("/accounts/otp/login", json=body).status_code == 401
    assert v1_client.post("/accounts/otp/accept", json={"code": otp["code"]}).status_code == 401
    token = login(v1_client)
    assert call(v1_client, "POST", "/accounts/otp/accept", token, {"code": int(otp["code"])}) == {}
    assert v1_server.aniliberty.otp_codes[otp["code"]].login == "demo"
    wrong_device = v1_client.post("/accounts/otp/login", json={**body, "device_id": "tv-2"})
    assert wrong_device.status_code == 404
    logged_in = v1_client.post("/accounts/otp/login", json=body)
    assert logged_in.status_code == 200
    code_token = logged_in.json()["token"]
    assert v1_server.aniliberty.tokens[code_token].via == "otp"
    assert call(v1_client, "GET", f"{ME}/profile", code_token)["login"] == "demo"
    assert v1_client.post("/accounts/otp/login", json=body).status_code == 404


def test_codes_expire_on_the_server_clock(v1_client: httpx.Client, v1_server: DevServer) -> None:
    now = [1_000_000.0]
    v1_server.aniliberty.clock = lambda: now[0]
    v1_server.aniliberty.otp_lifetime = 30
    code = ask_code(v1_client)
    token = login(v1_client)
    now[0] += 29
    call(v1_client, "POST", "/accounts/otp/accept", token, {"code": code})
    now[0] += 2
    late = v1_client.post("/accounts/otp/login", json={"code": code, "device_id": "tv-1"})
    assert late.status_code == 404
    expired = ask_code(v1_client, "tv-2")
    now[0] += 31
    refused = v1_client.post("/accounts/otp/accept", json={"code": expired}, headers=bearer(token))
    assert refused.status_code == 404


def test_code_requests_are_validated(v1_client: httpx.Client) -> None:
    assert "device_id" in v1_client.post("/accounts/otp/get", json={}).json()["errors"]
    code = ask_code(v1_client)
    no_device = v1_client.post("/accounts/otp/login", json={"code": code})
    assert "device_id" in no_device.json()["errors"]
    bad_code = v1_client.post("/accounts/otp/login", json={"code": "abc", "device_id": "tv-1"})
    assert "code" in bad_code.json()["errors"]
    unknown = "000000" if code != "000000" else "000001"
    assert (
        v1_client.post(
            "/accounts/otp/login", json={"code": unknown, "device_id": "tv-1"}
        ).status_code
        == 404
    )


def test_the_site_page_confirms_a_code_by_hand(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    page_url = v1_server.aniliberty_site + "/app/auth/otp/linkDevice"
    with httpx.Client(timeout=5) as browser:
        page = browser.get(page_url)
        assert page.status_code == 200
        for field in ('name="code"', 'name="login"', 'name="password"', 'method="post"'):
            assert field in page.text
        code = ask_code(v1_client)
        wrong = browser.post(page_url, data={"code": code, "login": "demo", "password": "x"})
        assert wrong.status_code == 401
        unknown = browser.post(
            page_url, data={"code": "1", "login": "demo", "password": "demo-password"}
        )
        assert unknown.status_code == 404
        done = browser.post(
            page_url, data={"code": code, "login": "demo", "password": "demo-password"}
        )
        assert done.status_code == 200 and "demo" in done.text
    token = v1_client.post("/accounts/otp/login", json={"code": code, "device_id": "tv-1"}).json()
    assert call(v1_client, "GET", f"{ME}/profile", token["token"])["login"] == "demo"


def test_a_signed_in_visitor_confirms_with_the_code_alone(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    with httpx.Client(timeout=5) as browser:
        browser.cookies.set("access_token", login(v1_client))
        page_url = v1_server.aniliberty_site + "/app/auth/otp/linkDevice"
        assert 'name="password"' not in browser.get(page_url).text
        code = ask_code(v1_client)
        assert browser.post(page_url, data={"code": code}).status_code == 200
    assert v1_server.aniliberty.otp_codes[code].login == "demo"


# --- favorites ------------------------------------------------------------------------------


def test_favorites_round_trip_and_are_the_v2_account_list(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    token = login(v1_client)
    added = call(
        v1_client, "POST", f"{ME}/favorites", token, [{"release_id": 9005}, {"release_id": 9001}]
    )
    assert added == [9005, 9001]
    assert call(v1_client, "GET", f"{ME}/favorites/ids", token) == [9005, 9001]
    assert v1_server.aniliberty.favorites == {"demo": [9005, 9001]} == v1_server.favorites
    session = httpx.post(
        v1_server.anilibria_site + "/public/login.php",
        data={"mail": "demo", "passwd": "demo-password"},
        timeout=5,
    ).json()["sessionId"]
    v2 = httpx.get(
        v1_server.anilibria_api + "/getFavorites", params={"session": session, "filter": "id"}
    )
    assert [t["id"] for t in v2.json()] == [9005, 9001]
    left = call(v1_client, "DELETE", f"{ME}/favorites", token, [{"release_id": 9005}])
    assert left == [9001]
    refused = v1_client.post(f"{ME}/favorites", json=[{"release_id": 1}], headers=bearer(token))
    assert refused.status_code == 422
    assert "0.release_id" in refused.json()["errors"]
    assert v1_client.post(f"{ME}/favorites", json=[{"release_id": 9001}]).status_code == 403


def test_favorite_releases_sort_filter_page_and_references(v1_client: httpx.Client) -> None:
    token = login(v1_client)
    ids = [9001, 9036, 9005, 9040]
    call(v1_client, "POST", f"{ME}/favorites", token, [{"release_id": i} for i in ids])
    page = call(v1_client, "GET", f"{ME}/favorites/releases", token)
    assert [r["id"] for r in page["data"]] == ids[::-1]
    assert "episodes" in page["data"][0] and "genres" in page["data"][0]
    oldest = call(
        v1_client, "GET", f"{ME}/favorites/releases", token, **{"f[sorting]": "CREATED_AT_ASC"}
    )
    assert [r["id"] for r in oldest["data"]] == ids
    movies = call(v1_client, "POST", f"{ME}/favorites/releases", token, {"f": {"types": ["MOVIE"]}})
    assert [r["id"] for r in movies["data"]] == [9036]
    by_year = call(
        v1_client, "GET", f"{ME}/favorites/releases", token, **{"f[years]": "2019, 2025"}
    )
    assert sorted(r["id"] for r in by_year["data"]) == [9001, 9040]
    paged = call(v1_client, "GET", f"{ME}/favorites/releases", token, limit=3, page=2)
    assert paged["meta"]["pagination"]["total"] == 4 and len(paged["data"]) == 1
    assert call(v1_client, "GET", f"{ME}/favorites/references/years", token) == [
        2019,
        2021,
        2023,
        2025,
    ]
    types = [t["value"] for t in call(v1_client, "GET", f"{ME}/favorites/references/types", token)]
    assert "CREATED_AT_DESC" in [
        s["value"] for s in call(v1_client, "GET", f"{ME}/favorites/references/sorting", token)
    ]
    assert types[0] == "TV"
    genres = call(v1_client, "GET", f"{ME}/favorites/references/genres", token)
    assert "Демоны" in [g["name"] for g in genres]
    assert call(v1_client, "GET", f"{ME}/favorites/references/age-ratings", token)
    refused = v1_client.get(f"{ME}/favorites/releases?f[sorting]=LOUD", headers=bearer(token))
    assert refused.status_code == 422


# --- collections ----------------------------------------------------------------------------


def test_collections_round_trip_with_one_type_per_release(
    v1_client: httpx.Client, v1_server: DevServer
) -> None:
    token = login(v1_client)
    pairs = call(
        v1_client, "POST", f"{ME}/collections", token,
        [{"release_id": 9004, "type_of_collection": "WATCHING"},
         {"release_id": 9001, "type_of_collection": "WATCHED"}],
    )  # fmt: skip
    assert pairs == [[9004, "WATCHING"], [9001, "WATCHED"]]
    moved = call(
        v1_client, "POST", f"{ME}/collections", token,
        [{"release_id": 9001, "type_of_collection": "PLANNED"}],
    )  # fmt: skip
    assert moved == [[9004, "WATCHING"], [9001, "PLANNED"]]
    assert call(v1_client, "GET", f"{ME}/collections/ids", token) == moved
    assert v1_server.aniliberty.collections == {"demo": {9004: "WATCHING", 9001: "PLANNED"}}
    release = v1_client.get("/anime/releases/9004").json()
    assert release["added_in_watching_collection"] == 1
    watching = call(
        v1_client, "GET", f"{ME}/collections/releases", token, type_of_collection="WATCHING"
    )
    assert [r["id"] for r in watching["data"]] == [9004]
    planned = call(
        v1_client, "POST", f"{ME}/collections/releases", token,
        {"type_of_collection": "PLANNED", "f": {"search": "курьер"}},
    )  # fmt: skip
    assert [r["id"] for r in planned["data"]] == [9001]
    years = call(v1_client, "GET", f"{ME}/collections/references/years", token)
    assert years == [2019, 2026]
    for name in ("age-ratings", "genres", "types"):
        assert call(v1_client, "GET", f"{ME}/collections/references/{name}", token), name
    left = call(v1_client, "DELETE", f"{ME}/collections", token, [{"release_id": 9004}])
    assert left == [[9001, "PLANNED"]]


def test_collections_refuse_unknown_types_and_releases(v1_client: httpx.Client) -> None:
    token = login(v1_client)
    bad = [{"release_id": 9001, "type_of_collection": "HOARDED"}]
    response = v1_client.post(f"{ME}/collections", json=bad, headers=bearer(token))
    assert "0.type_of_collection" in response.json()["errors"]
    missing = v1_client.get(f"{ME}/collections/releases", headers=bearer(token))
    assert "type_of_collection" in missing.json()["errors"]
    unknown = [{"release_id": 1, "type_of_collection": "PLANNED"}]
    response = v1_client.post(f"{ME}/collections", json=unknown, headers=bearer(token))
    assert "0.release_id" in response.json()["errors"]
    assert v1_client.delete(f"{ME}/collections", headers=bearer(token)).status_code == 422


# --- view timecodes -------------------------------------------------------------------------


def test_timecodes_round_trip_as_triples(v1_client: httpx.Client, v1_server: DevServer) -> None:
    token = login(v1_client)
    episodes = v1_client.get("/anime/releases/9001").json()["episodes"]
    first, second = episodes[0]["id"], episodes[1]["id"]
    rows = call(
        v1_client, "POST", f"{ME}/views/timecodes", token,
        [{"release_episode_id": first, "time": 1420, "is_watched": True},
         {"release_episode_id": second, "time": 743.5, "is_watched": False}],
    )  # fmt: skip
    assert rows == [[first, 1420, True], [second, 743.5, False]]
    assert call(v1_client, "GET", f"{ME}/views/timecodes", token) == rows
    assert v1_server.aniliberty.timecodes["demo"][second] == (743.5, False)
    updated = call(
        v1_client, "POST", f"{ME}/views/timecodes", token,
        [{"release_episode_id": second, "time": 1400, "is_watched": True}],
    )  # fmt: skip
    assert updated[1] == [second, 1400, True]
    left = call(
        v1_client, "DELETE", f"{ME}/views/timecodes", token, [{"release_episode_id": first}]
    )
    assert left == [[second, 1400, True]]


def test_timecodes_refuse_unknown_episodes_and_bad_values(v1_client: httpx.Client) -> None:
    token = login(v1_client)
    episode = v1_client.get("/anime/releases/9001").json()["episodes"][0]["id"]
    cases = {
        "0.release_episode_id": [{"release_episode_id": "nope", "time": 1, "is_watched": True}],
        "0.time": [{"release_episode_id": episode, "time": "soon", "is_watched": True}],
        "0.is_watched": [{"release_episode_id": episode, "time": 1, "is_watched": "yes"}],
    }
    for field, body in cases.items():
        response = v1_client.post(f"{ME}/views/timecodes", json=body, headers=bearer(token))
        assert field in response.json()["errors"], field

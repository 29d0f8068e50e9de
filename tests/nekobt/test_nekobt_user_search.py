"""nekoBT's user search (`/users/search`, auth required, exact usernames only): the devserver over
raw HTTP as the spec shapes it, and the typed client against it."""

from __future__ import annotations

import httpx
import pytest

from app.devserver import nekobt_data
from app.devserver.nekobt import DEMO_API_KEY, NekoBtApi
from app.devserver.server import DevServer
from app.sources.nekobt import NekoBtAuthError, NekoBtClient
from app.sources.nekobt.models import UserBrief

KEY = {"ssid": DEMO_API_KEY}


def search(api_url: str, cookies: dict[str, str] | None = None, **params: str) -> httpx.Response:
    with httpx.Client(cookies=cookies) as http:
        return http.get(api_url + "/users/search", params=params)


# -- the devserver ------------------------------------------------------------------------------


def test_an_exact_username_finds_the_user_in_the_spec_shape(api_url: str) -> None:
    answer = search(api_url, KEY, query="kisaragi")
    assert answer.status_code == 200
    assert answer.json() == {
        "error": False,
        "data": {
            "more": False,
            "results": [
                {
                    "id": nekobt_data.user_id(0),
                    "username": "kisaragi",
                    "display_name": "Kisaragi",
                    "pfp_hash": answer.json()["data"]["results"][0]["pfp_hash"],
                }
            ],
        },
    }


def test_part_of_a_name_finds_nobody(api_url: str) -> None:
    # The spec: only an exact match, to keep users who don't want to be known private.
    for query in ("kisa", "kisaragi2", " kisaragi", ""):
        assert search(api_url, KEY, query=query).json()["data"]["results"] == []


def test_a_name_can_find_several_users(api_url: str) -> None:
    results = search(api_url, KEY, query="ryoka").json()["data"]["results"]
    assert [r["username"] for r in results] == ["ryoka", nekobt_data.AMBIGUOUS_USERNAME]
    assert len({r["id"] for r in results}) == 2


def test_the_search_needs_the_key_and_a_query(api_url: str) -> None:
    assert search(api_url, query="kisaragi").json() == {"error": True, "message": "Unauthorized."}
    assert search(api_url, {"ssid": "wrong"}, query="kisaragi").status_code == 401
    missing = search(api_url, KEY)
    assert missing.status_code == 400
    error = missing.json()["validate_errors"][0]
    assert (error["keyword"], error["params"]) == ("required", {"missingProperty": "query"})


def test_search_is_no_user_id(api_url: str) -> None:
    # `/users/search` is its own endpoint, not the user whose id would be "search".
    assert search(api_url, KEY, query="tsukune").json()["data"]["results"][0]["id"] == (
        nekobt_data.user_id(2)
    )


# -- the client --------------------------------------------------------------------------------


async def test_client_finds_users_by_exact_name(authed: NekoBtClient, api: NekoBtApi) -> None:
    found = await authed.search_users("tsukune")
    assert found.more is False
    pfp_hash = api.data.users[2]["pfp_hash"]
    assert found.results == (UserBrief(nekobt_data.user_id(2), "tsukune", "Tsukune", pfp_hash),)
    assert (await authed.search_users("tsuku")).results == ()
    several = await authed.search_users("RYOKA")
    assert [u.username for u in several.results] == ["ryoka", nekobt_data.AMBIGUOUS_USERNAME]


async def test_client_user_search_without_a_key_is_an_auth_error(client: NekoBtClient) -> None:
    with pytest.raises(NekoBtAuthError):
        await client.search_users("kisaragi")


async def test_the_name_is_sent_whole(authed: NekoBtClient, server: DevServer) -> None:
    assert (await authed.search_users("a&b=c ryoka")).results == ()
    sent = [r for r in server.requests if r.path.endswith("/users/search")]
    assert sent[-1].query == {"query": "a&b=c ryoka"}

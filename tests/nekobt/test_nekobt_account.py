"""nekoBT's account endpoints (`/users/@me/notifications`, `.../read`, `.../peers`): the
devserver over raw HTTP as the spec shapes them, and the typed client against it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.devserver import nekobt_data
from app.devserver.nekobt import DEMO_API_KEY, NekoBtApi
from app.sources.errors import RateLimitedError
from app.sources.nekobt import NekoBtAuthError, NekoBtClient, NekoBtValidationError
from app.sources.nekobt.models import Notification

KEY = {"ssid": DEMO_API_KEY}


def call(
    api_url: str, method: str, path: str, cookies: dict[str, str] | None = None, **kwargs: Any
) -> httpx.Response:
    with httpx.Client(cookies=cookies) as http:
        return http.request(method, api_url + path, **kwargs)


# -- the devserver ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/@me/notifications"),
        ("PUT", "/users/@me/notifications/read"),
        ("GET", "/users/@me/peers"),
    ],
)
def test_account_endpoints_need_the_key_and_the_owner(api_url: str, method: str, path: str) -> None:
    body = {"json": {"ids": "all"}} if method == "PUT" else {}
    assert call(api_url, method, path, **body).json() == {"error": True, "message": "Unauthorized."}
    assert call(api_url, method, path, {"ssid": "wrong"}, **body).status_code == 401
    other = path.replace("@me", nekobt_data.user_id(1))
    refused = call(api_url, method, other, KEY, **body)
    assert (refused.status_code, refused.json()) == (403, {"error": True, "message": "Forbidden."})
    own = path.replace("@me", nekobt_data.user_id(0))
    assert call(api_url, method, own, KEY, **body).status_code == 200


def test_notifications_have_the_spec_shape(api_url: str) -> None:
    answer = call(api_url, "GET", "/users/@me/notifications", KEY).json()
    assert answer["error"] is False
    assert [set(n) for n in answer["data"]] == [{"id", "data", "seen"}] * 3
    assert [n["seen"] for n in answer["data"]] == [False, False, True]
    assert "<u:1000000002:Mirrowen>" in answer["data"][0]["data"]


def test_marking_read_answers_the_updated_list(api_url: str, api: NekoBtApi) -> None:
    path = "/users/@me/notifications/read"
    first = call(api_url, "PUT", path, KEY, json={"ids": ["4000000003", "9"]}).json()["data"]
    assert [n["seen"] for n in first] == [True, False, True]
    # Numbers are ids too (the spec says "array of notification IDs").
    second = call(api_url, "PUT", path, KEY, json={"ids": [4000000002]}).json()["data"]
    assert all(n["seen"] for n in second)
    api.reset()
    everything = call(api_url, "PUT", path, KEY, json={"ids": "all"}).json()["data"]
    assert all(n["seen"] for n in everything)
    api.reset()
    assert not call(api_url, "GET", "/users/@me/notifications", KEY).json()["data"][0]["seen"]


@pytest.mark.parametrize(
    ("body", "keyword", "path"),
    [({}, "required", ""), ({"ids": "some"}, "type", "/ids"), ({"ids": [None]}, "type", "/ids")],
)
def test_marking_read_validates_its_body(
    api_url: str, body: dict[str, Any], keyword: str, path: str
) -> None:
    answer = call(api_url, "PUT", "/users/@me/notifications/read", KEY, json=body)
    assert answer.status_code == 400
    error = answer.json()["validate_errors"][0]
    assert (error["keyword"], error["instancePath"]) == (keyword, path)


def test_peers_have_the_spec_shape(api_url: str, api: NekoBtApi) -> None:
    data = call(api_url, "GET", "/users/@me/peers", KEY).json()["data"]
    wanted = [api.data.torrents[i] for i in nekobt_data.PEER_TORRENTS]
    assert [p["torrent_id"] for p in data] == [t.id for t in wanted]
    assert [p["torrent_infohash"] for p in data] == [t.infohash for t in wanted]
    first = data[0]
    assert isinstance(first["upload"], str) and isinstance(first["created_at"], str)
    session = first["peers"][0]
    assert isinstance(session["est_upload_speed"], int) and isinstance(session["port"], int)
    assert session["torrent_id"] == first["torrent_id"]


# -- the client --------------------------------------------------------------------------------


async def test_client_reads_and_marks_notifications(authed: NekoBtClient) -> None:
    notifications = await authed.notifications()
    assert [n.seen for n in notifications] == [False, False, True]
    assert notifications[0].text.startswith("Mirrowen replied to your comment on ")
    assert notifications[1].text == "Tsukune invited you to Lantern Subs. View Invite"
    updated = await authed.mark_notifications_read([notifications[0].id or ""])
    assert [n.seen for n in updated] == [True, False, True]
    assert all(n.seen for n in await authed.mark_notifications_read("all"))
    assert all(n.seen for n in await authed.notifications())


async def test_client_reads_peers(authed: NekoBtClient, api: NekoBtApi) -> None:
    peers = await authed.peers()
    torrent = api.data.torrents[nekobt_data.PEER_TORRENTS[0]]
    assert peers[0].torrent_title == torrent.fields["title"]
    assert peers[0].torrent_filesize == int(torrent.fields["filesize"])
    assert peers[0].upload == 48_492 and peers[0].up_time == 74_859
    assert peers[0].created_at == (torrent.uploaded_ms + 3_600_000) / 1000
    session = peers[0].peers[0]
    assert session.user_agent == "qBittorrent/4.6.5" and session.est_upload_speed == 3911
    assert peers[1].completed == 1 and peers[1].last_completed is not None


async def test_account_reads_without_a_key_are_auth_errors(client: NekoBtClient) -> None:
    for call_ in (
        client.notifications,
        client.peers,
        lambda: client.mark_notifications_read("all"),
    ):
        with pytest.raises(NekoBtAuthError):
            await call_()


async def test_a_refused_mark_read_is_an_error_and_changes_nothing(
    authed: NekoBtClient, api: NekoBtApi
) -> None:
    api.rate_limit("json", retry_after=0.1)
    # A state-changing PUT is never repeated on its own after an answer.
    with pytest.raises(RateLimitedError):
        await authed.mark_notifications_read("all")
    assert not all(n.seen for n in await authed.notifications())
    with pytest.raises(NekoBtValidationError):
        await authed.mark_notifications_read([{"bad": "id"}])  # type: ignore[list-item]


def test_notification_text_replaces_every_tag_kind() -> None:
    data = (
        "<u:1:Ann> <g:2:Group> <i:3:abc> <vi:4:Invite 4> <ge:5:Edit G> <t:6:Title>"
        " <tc:7:8:On Title> <r:9:Report 9> [b]x[/b]"
    )
    text = Notification("1", data, False).text
    assert text == ("Ann Group View Invite Invite 4 Edit G Title On Title Report 9 [b]x[/b]")

"""FavoritesService on AniLiberty API v1 against the real devserver: the same sync and conflict
rules as on v2, login by code, the token's expiry said once, logout ending the session on the
server, and the token kept out of logs; on API v2 login by code is refused by type."""

from __future__ import annotations

import logging
import stat

import pytest

from app.services.favorites import (
    SESSION_SECRET,
    AccountChanged,
    AccountState,
    SyncState,
    SyncStatus,
)
from app.sources.errors import ApiV1OnlyError, LoginFailedError
from app.store.favorites import FavoritesStore
from tests.favorites.conftest import DEMO, Rig

FAVORITES = "/api/v1/accounts/users/me/favorites"


def server_favorites(rig: Rig) -> list[int]:
    """The demo account's favorites on the server (one list per account, as the v1 file says)."""
    return list(rig.server.aniliberty.favorites.get(DEMO[0], []))


def token_of(rig: Rig) -> str:
    token = rig.secrets.get(SESSION_SECRET)
    assert token is not None
    return token


def expiries(rig: Rig) -> list[AccountChanged]:
    return [
        e for e in rig.events if isinstance(e, AccountChanged) and e.state is AccountState.EXPIRED
    ]


async def test_password_login_syncs_both_ways_under_the_same_rules(
    v1_rig: Rig, title_ids: list[int]
) -> None:
    a, b, c, d = title_ids[:4]
    rig = v1_rig
    service = rig.service
    with pytest.raises(LoginFailedError) as refused:
        await service.login(DEMO[0], "wrong-password")
    assert refused.value.message == "Неправильные логин или пароль"  # the server's own words
    before = service.account
    assert before is AccountState.LOGGED_OUT

    service.add(a)
    result = await service.login(*DEMO)  # a login merges: the local favorite is pushed
    assert result.status is SyncStatus.SYNCED and result.pushed == 1
    assert service.account is AccountState.LOGGED_IN and service.login_name == "demo"
    assert server_favorites(rig) == [a]
    assert rig.server.aniliberty.tokens[token_of(rig)].via == "password"
    assert stat.S_IMODE(rig.secrets.path.stat().st_mode) == 0o600

    service.add(b)
    service.remove(a)
    result = await service.sync()
    assert result.pushed == 2 and server_favorites(rig) == [b]

    # Another device changes the account's list: the server is the truth...
    rig.server.aniliberty.favorites[DEMO[0]][:] = [c, d]
    result = await service.sync()
    assert result.added == {c, d} and result.removed == {b} and service.ids() == {c, d}
    names = {row.title_id: row.name_ru for row in service.list()}
    assert names[c] == next(t["names"]["ru"] for t in rig.server.catalog.titles if t["id"] == c)

    # ... except over a change made here that it has not confirmed yet.
    service.remove(c)
    rig.server.faults.fail_next(FAVORITES, 503)
    offline = await service.sync()
    assert offline.status is SyncStatus.OFFLINE and offline.pending == 1
    assert service.ids() == {d} and server_favorites(rig) == [c, d]
    result = await service.sync()
    assert result.status is SyncStatus.SYNCED and server_favorites(rig) == [d]


async def test_a_title_the_server_refuses_is_kept_and_retried(
    v1_rig: Rig, title_ids: list[int]
) -> None:
    rig = v1_rig
    await rig.service.login(*DEMO)
    unknown = 987_654  # v1 answers 422 "The selected release_id is invalid."
    rig.service.add(unknown)
    result = await rig.service.sync()
    assert result.status is SyncStatus.SYNCED and result.rejected == (unknown,)
    assert rig.service.contains(unknown)
    assert {r.title_id: r.state for r in FavoritesStore(rig.db).pending()} == {
        unknown: SyncState.PENDING_ADD
    }


async def test_login_by_code_once_the_user_confirms_it(v1_rig: Rig, title_ids: list[int]) -> None:
    rig = v1_rig
    service = rig.service
    service.add(title_ids[0])
    device = service.device_id
    assert device and rig.make().device_id == device  # stable: kept in the database

    code = await service.request_login_code()
    assert code.device_id == device and len(code.code) == 6
    assert code.page == rig.server.aniliberty_site + "/app/auth/otp/linkDevice"
    assert code.lifetime == 120 and code.deadline(1000.0) == 1120.0
    assert await service.log_in_with_code(code) is None  # not confirmed yet
    waiting = service.account
    assert waiting is AccountState.LOGGED_OUT

    rig.server.aniliberty.otp_codes[code.code].login = DEMO[0]  # confirmed on the site
    result = await service.log_in_with_code(code)
    assert result is not None and result.status is SyncStatus.SYNCED
    assert service.account is AccountState.LOGGED_IN
    assert service.login_name == "demo"  # read from the profile: no login was typed
    assert rig.server.aniliberty.tokens[token_of(rig)].via == "otp"
    assert service.session == token_of(rig)
    assert server_favorites(rig) == [title_ids[0]]


async def test_an_expired_token_is_said_once_and_loses_nothing(
    v1_rig: Rig, title_ids: list[int]
) -> None:
    a, b = title_ids[:2]
    rig = v1_rig
    service = rig.service
    await service.login(*DEMO)
    token = token_of(rig)
    rig.server.aniliberty.expire_token(token)
    service.add(a)
    result = await service.sync()
    assert result.status is SyncStatus.EXPIRED and result.pending == 1
    assert service.account is AccountState.EXPIRED and service.session is None
    assert rig.secrets.get(SESSION_SECRET) is None and service.contains(a)

    rig.server.requests.clear()
    service.add(b)
    again = await service.sync()
    assert again.status is SyncStatus.EXPIRED and again.pending == 2
    assert rig.server.requests == []  # the dead token is not sent again
    service.session_refused(token)  # another service meets the same refusal
    await rig.settle()
    assert len(expiries(rig)) == 1

    result = await service.login(*DEMO)
    assert result.status is SyncStatus.SYNCED and sorted(server_favorites(rig)) == sorted([a, b])


async def test_logout_ends_the_session_on_the_server(v1_rig: Rig, title_ids: list[int]) -> None:
    rig = v1_rig
    service = rig.service
    await service.login(*DEMO)
    service.add(title_ids[0])
    await service.sync()
    token = token_of(rig)
    await service.logout()
    assert token not in rig.server.aniliberty.tokens
    assert [r.path for r in rig.server.requests if r.path.endswith("/logout")] == [
        "/api/v1/accounts/users/auth/logout"
    ]
    assert service.account is AccountState.LOGGED_OUT and service.ids() == {title_ids[0]}

    # A server that cannot be told does not stop a logout: the token is forgotten here.
    await service.login(*DEMO)
    rig.server.stop()
    await service.logout()
    assert service.account is AccountState.LOGGED_OUT and service.session is None


async def test_the_token_is_in_no_log_and_no_message(
    v1_rig: Rig, title_ids: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = v1_rig
    service = rig.service
    service.add(title_ids[0])
    code = await service.request_login_code()
    rig.server.aniliberty.otp_codes[code.code].login = DEMO[0]
    await service.log_in_with_code(code)
    token = token_of(rig)
    rig.server.faults.fail_next(FAVORITES, 503, times=10)
    service.add(title_ids[1])
    offline = await service.sync()
    rig.server.faults.clear()
    rig.server.aniliberty.expire_token(token)
    expired = await service.sync()
    assert (offline.status, expired.status) == (SyncStatus.OFFLINE, SyncStatus.EXPIRED)

    assert "/accounts/users/me/favorites" in caplog.text  # logged ...
    assert token not in caplog.text  # ... without the token
    for result in (offline, expired):
        assert token not in result.message
    await rig.settle()
    assert all(token not in repr(event) for event in rig.events)
    database = b"".join(p.read_bytes() for p in rig.data_dir.glob("anitui.db*"))
    assert database and token.encode() not in database


async def test_api_v2_has_no_login_by_code(rig: Rig) -> None:
    with pytest.raises(ApiV1OnlyError) as refused:
        await rig.service.request_login_code()
    assert "login by code is not available on API v2" in str(refused.value)
    assert all("otp" not in r.path for r in rig.server.requests)

"""FavoritesService against the real devserver: local use, login, sync both ways, offline queue,
the conflict rule, expiry, logout, and the session id kept out of logs and the cache."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from app.services.favorites import (
    AccountChanged,
    AccountState,
    FavoritesChanged,
    FavoritesSyncChanged,
    SyncState,
    SyncStatus,
)
from app.sources.errors import LoginFailedError
from app.store.db import Database
from app.store.favorites import FavoritesStore
from tests.favorites.conftest import DEMO, Rig


def _states(rig: Rig) -> dict[int, SyncState]:
    return {row.title_id: row.state for row in FavoritesStore(rig.db).pending()}


# -- without an account -------------------------------------------------------------------


async def test_local_only_use(rig: Rig, title_ids: list[int], tmp_path: Path) -> None:
    a, b, c = title_ids[:3]
    service = rig.service
    assert service.account is AccountState.LOGGED_OUT
    assert service.add(a, name_ru="Первый", name_en="First")
    assert not service.add(a)  # already a favorite
    assert service.toggle(b, name_en="Second") is True
    assert service.toggle(c) is True
    assert service.toggle(c) is False
    assert service.remove(b)
    assert not service.remove(b)
    assert service.contains(a) and not service.contains(b) and not service.contains(c)
    assert [row.title_id for row in service.list()] == [a]
    assert service.list()[0].name_ru == "Первый"
    assert _states(rig) == {a: SyncState.PENDING_ADD}  # waits for a login, nothing to delete

    result = await service.sync()
    assert result.status is SyncStatus.LOCAL and result.pending == 1
    assert not [r for r in rig.server.requests if "Favorite" in r.path and r.path.endswith(str(a))]

    await rig.settle()
    changed = [e for e in rig.events if isinstance(e, FavoritesChanged)]
    assert changed[0].ids == {a} and changed[-1].ids == {a}
    synced = [e for e in rig.events if isinstance(e, FavoritesSyncChanged)]
    assert synced[-1].status is SyncStatus.LOCAL

    # The store survives a restart.
    path = rig.db.path
    reopened = Database.open(path)
    try:
        assert FavoritesStore(reopened).ids() == {a}
    finally:
        reopened.close()


# -- login and sync both ways ------------------------------------------------------------------


async def test_login_failure_changes_nothing(rig: Rig, title_ids: list[int]) -> None:
    rig.service.add(title_ids[0])
    with pytest.raises(LoginFailedError) as caught:
        await rig.service.login("demo", "wrong-password")
    assert caught.value.message == "Invalid login or password"
    assert rig.service.account is AccountState.LOGGED_OUT
    assert rig.secrets.get("anilibria.session") is None
    assert not rig.secrets.path.exists()


async def test_login_pushes_local_favorites_and_pulls_the_accounts(
    rig: Rig, title_ids: list[int]
) -> None:
    a, b, c, d = title_ids[:4]
    service = rig.service
    service.add(a, name_en="Local A")

    result = await service.login(*DEMO)
    assert result.status is SyncStatus.SYNCED and result.pushed == 1 and result.pending == 0
    assert service.account is AccountState.LOGGED_IN and service.login_name == "demo"
    assert rig.server_favorites() == [a]
    assert stat.S_IMODE(rig.secrets.path.stat().st_mode) == 0o600

    # Local → server.
    service.add(b)
    service.remove(a)
    assert _states(rig) == {a: SyncState.PENDING_DELETE, b: SyncState.PENDING_ADD}
    result = await service.sync()
    assert result.status is SyncStatus.SYNCED and result.pushed == 2
    assert rig.server_favorites() == [b]
    assert service.ids() == {b} and not service.pending()

    # Server → local: added and removed on another device.
    session = rig.secrets.get("anilibria.session")
    assert session is not None
    rig.server.sessions[session].favorites[:] = [c, d]
    result = await service.sync()
    assert result.added == {c, d} and result.removed == {b}
    assert service.ids() == {c, d}
    names = {row.title_id: (row.name_ru, row.name_en) for row in service.list()}
    titles = {t["id"]: t["names"] for t in rig.server.catalog.titles}
    assert names[c] == (titles[c]["ru"], titles[c]["en"])  # names arrive for display offline

    await rig.settle()
    account = [e for e in rig.events if isinstance(e, AccountChanged)]
    assert account[0].state is AccountState.LOGGED_IN and account[0].login == "demo"
    assert [e for e in rig.events if isinstance(e, FavoritesChanged)][-1].ids == {c, d}


# -- offline queue -----------------------------------------------------------------------------


async def test_changes_made_while_the_api_fails_are_queued_then_applied(
    rig: Rig, title_ids: list[int]
) -> None:
    a, b = title_ids[:2]
    service = rig.service
    await service.login(*DEMO)
    rig.server.faults.fail_next("/v2/addFavorite", 503)
    service.add(a)
    result = await service.sync()
    assert result.status is SyncStatus.OFFLINE and result.pending == 1
    assert "will retry" in result.message
    assert service.contains(a) and rig.server_favorites() == []

    rig.server.faults.fail_next("/v2/getFavorites", 502, times=10)  # the pull fails after a push
    service.add(b)
    result = await service.sync()
    assert result.status is SyncStatus.OFFLINE
    assert rig.server_favorites() == [a, b]  # pushed, but not confirmed by a pull yet
    assert service.ids() == {a, b}

    rig.server.faults.clear()
    result = await service.sync()
    assert result.status is SyncStatus.SYNCED and result.pending == 0
    assert service.ids() == {a, b} and rig.server_favorites() == [a, b]


async def test_a_change_made_while_the_server_is_down(fresh_rig: Rig, title_ids: list[int]) -> None:
    a, b = title_ids[:2]
    rig = fresh_rig
    service = rig.service
    service.add(a)
    await service.login(*DEMO)
    rig.server.stop()
    service.remove(a)
    service.add(b)
    result = await service.sync()
    assert result.status is SyncStatus.OFFLINE and result.pending == 2
    assert service.ids() == {b}

    rig.server.start()  # same port, same sessions
    loop_sleeps: list[float] = []

    async def one_round(seconds: float) -> None:
        loop_sleeps.append(seconds)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await service.keep_synced(30.0, sleep=one_round)
    assert loop_sleeps == [30.0]
    assert service.last_sync is not None and service.last_sync.status is SyncStatus.SYNCED
    assert rig.server_favorites() == [b] and service.ids() == {b}


# -- the conflict rule -------------------------------------------------------------------------


async def test_a_local_pending_change_wins_over_the_servers_list(
    rig: Rig, title_ids: list[int]
) -> None:
    a, b, c = title_ids[:3]
    service = rig.service
    await service.login(*DEMO)
    session = rig.secrets.get("anilibria.session")
    assert session is not None
    service.add(a)
    await service.sync()

    # The server refuses the add of c (unknown title there) but answers the pull: c is kept
    # locally as pending even though the server's list lacks it.
    rig.server.faults.fail_next("/v2/addFavorite", 404)
    service.add(c)
    result = await service.sync()
    assert result.status is SyncStatus.SYNCED and result.rejected == (c,)
    assert service.contains(c) and _states(rig) == {c: SyncState.PENDING_ADD}

    # Removed here while another device re-adds it: the local removal is pushed, not undone.
    service.remove(a)
    rig.server.sessions[session].favorites[:] = [a, b]
    result = await service.sync()
    assert service.ids() == {b, c} and rig.server_favorites() == [b, c]


async def test_otherwise_the_server_is_the_truth_and_a_login_merges(
    rig: Rig, title_ids: list[int]
) -> None:
    a, b, c = title_ids[:3]
    service = rig.service
    await service.login(*DEMO)
    service.add(a)
    service.add(b)
    await service.sync()
    session = rig.secrets.get("anilibria.session")
    assert session is not None
    rig.server.sessions[session].favorites.remove(a)  # removed elsewhere while logged in
    result = await service.sync()
    assert result.removed == {a} and service.ids() == {b}

    # Logged out, a favorite added here: the next login (a new, empty server session on the
    # devserver) merges instead of wiping the local list.
    await service.logout()
    service.add(c)
    result = await service.login(*DEMO)
    assert result.status is SyncStatus.SYNCED
    assert service.ids() == {b, c} and sorted(rig.server_favorites()) == sorted([b, c])


async def test_changes_made_during_a_sync_are_not_lost_or_undone(
    rig: Rig, title_ids: list[int]
) -> None:
    a, b = title_ids[:2]
    service = rig.service
    await service.login(*DEMO)
    service.add(a)
    service.add(b)
    rig.server.faults.delay_next("/v2/addFavorite", 0.3)
    running = asyncio.create_task(service.sync())
    await asyncio.sleep(0.1)  # a's addFavorite is on its way
    service.remove(a)
    service.remove(b)  # never sent: must not be sent now
    first = await running
    assert first.status is SyncStatus.SYNCED
    assert rig.server_favorites() == [a]  # the server acted on the request already out
    assert service.ids() == frozenset()  # ... but the local removal still wins
    assert _states(rig) == {a: SyncState.PENDING_DELETE}
    await service.sync()
    assert rig.server_favorites() == [] and service.ids() == frozenset() and not service.pending()


# -- expiry and logout -----------------------------------------------------------------------


async def test_an_expired_session_keeps_everything_for_the_next_login(
    rig: Rig, title_ids: list[int]
) -> None:
    a, b, c = title_ids[:3]
    service = rig.service
    await service.login(*DEMO)
    service.add(a)
    await service.sync()
    old = rig.secrets.get("anilibria.session")
    assert old is not None
    rig.server.expire_session(old)
    service.add(b)
    service.remove(a)
    result = await service.sync()
    assert result.status is SyncStatus.EXPIRED and "expired" in result.message.lower()
    assert service.account is AccountState.EXPIRED
    assert rig.secrets.get("anilibria.session") is None  # the dead id is forgotten
    assert service.ids() == {b}
    assert _states(rig) == {a: SyncState.PENDING_DELETE, b: SyncState.PENDING_ADD}
    again = await service.sync()  # no request with the dead session
    assert again.status is SyncStatus.EXPIRED and again.pending == 2
    await rig.settle()
    expired = [e for e in rig.events if isinstance(e, AccountChanged)][-1]
    assert expired.state is AccountState.EXPIRED and expired.login == "demo"

    service.add(c)
    result = await service.login(*DEMO)
    assert result.status is SyncStatus.SYNCED and result.pending == 0
    assert service.ids() == {b, c} and sorted(rig.server_favorites()) == sorted([b, c])


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, None),  # HTTP 403 with the API's error body
        (500, {"error": {"code": 401, "message": "Session gone"}}),  # the code only in the body
    ],
)
async def test_401_or_403_in_the_status_or_the_body_means_expired(
    rig: Rig, title_ids: list[int], status: int, body: dict[str, object] | None
) -> None:
    service = rig.service
    await service.login(*DEMO)
    service.add(title_ids[0])
    rig.server.faults.fail_next("/v2/addFavorite", status, body=body)
    result = await service.sync()
    assert result.status is SyncStatus.EXPIRED
    assert service.account is AccountState.EXPIRED and service.contains(title_ids[0])


async def test_logout_forgets_the_session_and_keeps_the_favorites(
    rig: Rig, title_ids: list[int]
) -> None:
    a = title_ids[0]
    service = rig.service
    await service.login(*DEMO)
    service.add(a)
    await service.sync()
    session = rig.secrets.get("anilibria.session")
    assert session is not None
    await service.logout()
    assert service.account is AccountState.LOGGED_OUT and service.login_name is None
    assert rig.secrets.get("anilibria.session") is None
    assert session not in rig.secrets.path.read_text(encoding="utf-8")
    assert service.ids() == {a}
    rig.server.requests.clear()
    assert (await service.sync()).status is SyncStatus.LOCAL
    assert rig.server.requests == []
    # A new service on the same data dir (a restart) is logged out too.
    assert rig.make().account is AccountState.LOGGED_OUT


# -- the session id never leaks ----------------------------------------------------------------


async def test_the_session_id_is_in_no_log_and_no_cache(
    fresh_rig: Rig, title_ids: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = fresh_rig
    service = rig.service
    service.add(title_ids[0])
    await service.login(*DEMO)
    session = rig.secrets.get("anilibria.session")
    assert session is not None
    await rig.client.get_schedule()  # something the cache does keep
    rig.server.faults.fail_next("/v2/getFavorites", 503, times=10)
    offline = await service.sync()
    assert offline.status is SyncStatus.OFFLINE
    rig.server.faults.clear()
    rig.server.stop()
    service.add(title_ids[1])
    down = await service.sync()
    assert down.status is SyncStatus.OFFLINE and "could not reach" in down.message
    rig.server.start()
    rig.server.expire_session(session)
    expired = await service.sync()
    assert expired.status is SyncStatus.EXPIRED

    assert "getFavorites" in caplog.text and "addFavorite" in caplog.text  # logged ...
    assert session not in caplog.text and DEMO[1] not in caplog.text  # ... without secrets
    for record in caplog.records:
        assert session not in record.getMessage()
    for result in (offline, expired, down):
        assert session not in result.message
    await rig.settle()
    assert all(session not in repr(event) for event in rig.events)
    rig.cache.close()
    stored = b"".join(p.read_bytes() for p in Path(rig.cache.path).parent.iterdir() if p.is_file())
    assert stored and session.encode() not in stored
    rig.db.close()
    database = b"".join(p.read_bytes() for p in rig.data_dir.glob("anitui.db*"))
    assert database and session.encode() not in database

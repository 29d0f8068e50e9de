"""CollectionsService against the devserver's v1 API: local use, login merge, sync both ways,
the favorites' conflict rule, an offline change sent later, and v2 keeping them local."""

from __future__ import annotations

import pytest

from app.services.account_sync import LibrarySync, LibrarySynced
from app.services.collections import CollectionsChanged
from app.services.favorites import SESSION_SECRET, AccountChanged, AccountState
from tests.library.conftest import TITLE, Library

OTHER = 9002


async def test_local_use_waits_for_a_login(library: Library) -> None:
    service = library.collections
    assert service.put(TITLE, "PLANNED", name_ru="Имя")
    assert not service.put(TITLE, "PLANNED")
    assert service.put(TITLE, "WATCHING")
    assert service.collection_of(TITLE) == "WATCHING"
    assert [row.title_id for row in service.entries("WATCHING")] == [TITLE]
    assert service.entries("PLANNED") == []
    with pytest.raises(ValueError, match="no collection"):
        service.put(TITLE, "FAVORITE")

    assert await service.sync() is LibrarySync.LOCAL
    assert service.pending() == 1
    assert library.server_collections() == {}

    # Taking out a title the account never had just forgets it.
    assert service.put(OTHER, "PLANNED")
    assert service.put(OTHER, None)
    assert service.collection_of(OTHER) is None and service.pending() == 1


async def test_login_merges_and_changes_go_both_ways(library: Library) -> None:
    service = library.collections
    service.put(TITLE, "PLANNED")
    library.server_collections()[OTHER] = "WATCHED"

    await library.log_in()
    assert await service.sync() is LibrarySync.SYNCED
    assert library.server_collections() == {OTHER: "WATCHED", TITLE: "PLANNED"}
    assert service.collection_of(OTHER) == "WATCHED" and service.pending() == 0
    arrived = service.entries("WATCHED")[0]
    assert arrived.name_ru  # fetched once, for display offline

    # Here → account: moved and taken out.
    service.put(TITLE, "WATCHING")
    service.put(OTHER, None)
    assert await service.sync() is LibrarySync.SYNCED
    assert library.server_collections() == {TITLE: "WATCHING"}
    assert service.entries() == service.entries("WATCHING")

    # Account → here: changed on another device.
    library.server_collections().update({TITLE: "ABANDONED", OTHER: "POSTPONED"})
    assert await service.sync() is LibrarySync.SYNCED
    assert service.collection_of(TITLE) == "ABANDONED"
    assert service.collection_of(OTHER) == "POSTPONED"
    library.server_collections().pop(TITLE)
    await service.sync()
    assert service.collection_of(TITLE) is None

    await library.settle()
    changed = [e for e in library.events if isinstance(e, CollectionsChanged)]
    assert changed[-1].titles == {TITLE}
    synced = [e for e in library.events if isinstance(e, LibrarySynced)]
    assert synced[-1].what == "collections" and synced[-1].status is LibrarySync.SYNCED


async def test_a_pending_change_wins_over_the_account(library: Library) -> None:
    service = library.collections
    await library.log_in()
    service.put(TITLE, "PLANNED")
    await service.sync()
    # Both sides change the title before the next sync: this device's change wins.
    library.server_collections()[TITLE] = "WATCHED"
    service.put(TITLE, "WATCHING")
    await service.sync()
    assert library.server_collections()[TITLE] == "WATCHING"
    assert service.collection_of(TITLE) == "WATCHING"


async def test_an_offline_change_is_sent_when_the_api_answers_again(library: Library) -> None:
    service = library.collections
    await library.log_in()
    library.server.faults.fail_next("/api/v1/accounts/users/me/collections", 503, times=5)
    service.put(TITLE, "POSTPONED")
    assert await service.sync() is LibrarySync.OFFLINE
    assert service.pending() == 1 and library.server_collections() == {}
    library.server.faults.clear()
    assert await service.sync() is LibrarySync.SYNCED
    assert library.server_collections() == {TITLE: "POSTPONED"} and service.pending() == 0


async def test_an_expired_token_keeps_the_changes(library: Library) -> None:
    service = library.collections
    await library.log_in()
    library.server.aniliberty.expire_token()
    service.put(TITLE, "PLANNED")
    assert await service.sync() is LibrarySync.EXPIRED
    assert service.pending() == 1
    # The refusal reaches the favorites service, which owns the session: forgotten, said once.
    await library.settle()
    assert library.secrets.get(SESSION_SECRET) is None
    expired = [
        e
        for e in library.events
        if isinstance(e, AccountChanged) and e.state is AccountState.EXPIRED
    ]
    assert len(expired) == 1


async def test_on_v2_collections_stay_local(library_v2: Library) -> None:
    service = library_v2.collections
    assert not service.syncable and service.last_status is LibrarySync.V1_ONLY
    await library_v2.log_in()
    service.put(TITLE, "WATCHING")
    assert await service.sync() is LibrarySync.V1_ONLY
    assert service.collection_of(TITLE) == "WATCHING"

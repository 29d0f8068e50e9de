"""What the user made on AniLibria API v2 follows them to AniLiberty API v1 (issue 13 §1):
favorites and history move to a release found under another id by its code (v1's alias), a
title v1 does not have is kept and listed, and titles with the same id stay as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.application import AniApp
from app.screens.favorites import FavoritesScreen
from app.screens.history import HistoryScreen
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.support import FIXED_NOW, screen_of, wait_for

MOVED_ID = 99_001
"""The id v1 gives the release that v2 had under another id (same code / alias)."""
NOT_ON_V1 = "not on AniLiberty API v1"


def rows(app: AniApp) -> list[list[str]]:
    table = app.screen.query_one(KeyTable)
    return [[str(c) for c in table.get_row_at(r)] for r in range(table.row_count)]


async def make_data_on_v2(app: AniApp, pilot: Any, title_ids: list[int]) -> None:
    """Each title read (as a screen reads it: its code is remembered), made a favorite and
    half watched."""
    await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0)
    runtime = app.runtime
    for title in (await runtime.catalog.titles(title_ids)).value:
        runtime.favorites.add(title.id, name_ru=title.names.ru, name_en=title.names.en)
        runtime.history.record_position(
            title.id, 1, 300.0, 1440.0, at=FIXED_NOW, title_name=title.names.ru
        )


async def test_v2_data_follows_a_new_id_by_code_keeps_what_v1_lacks_and_leaves_the_rest(
    app_factory: AppFactory, fresh_devserver: Any, tmp_path: Path
) -> None:
    catalog = fresh_devserver.catalog
    moved, gone, same = (catalog.titles[i] for i in (0, 1, 2))
    moved_id, gone_id, same_id = moved["id"], gone["id"], same["id"]
    app = app_factory(server=fresh_devserver, api="v2")
    async with app.run_test(size=(120, 40)) as pilot:
        await make_data_on_v2(app, pilot, [moved_id, gone_id, same_id])

    # Upstream, v1 lists one release under another id (its alias is v2's code) and lacks one.
    moved["id"] = MOVED_ID
    catalog.titles.remove(gone)

    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any(NOT_ON_V1 in n.message for n in notices(app)), 15)
        [notice] = [n for n in notices(app) if NOT_ON_V1 in n.message]
        assert notice.message.startswith("1 of your titles is not on AniLiberty API v1")
        assert gone["names"]["ru"] in notice.message and notice.severity == "warning"
        runtime = app.runtime
        assert runtime.favorites.ids() == {MOVED_ID, gone_id, same_id}
        assert runtime.history.progress(MOVED_ID, 1) is not None
        assert runtime.history.progress(moved_id, 1) is None
        assert runtime.history.progress(gone_id, 1) is not None  # kept, never dropped
        assert runtime.history.progress(same_id, 1) is not None

        await pilot.press("7")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        history = {r[0].split(" · ")[0]: r[0] for r in rows(app)}
        assert history[gone["names"]["ru"]].endswith(" · " + NOT_ON_V1)
        assert NOT_ON_V1 not in history[moved["names"]["ru"]] + history[same["names"]["ru"]]

        await pilot.press("5")
        screen = screen_of(app, FavoritesScreen)
        await wait_for(pilot, lambda: screen.query_one(KeyTable).row_count == 3, 15)
        favorites = {r[0]: r[1] for r in rows(app)}
        assert favorites[gone["names"]["ru"]] == NOT_ON_V1
        assert favorites[moved["names"]["ru"]] != NOT_ON_V1

    # Carried over once: the next start has nothing to tell.
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0, 15)
        # The carry-over's own work (the syncs and the library scan run on as long as the app).
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "carry-over"])
        assert not [n for n in notices(app) if NOT_ON_V1 in n.message]
        assert app.runtime.carry_over.missing() == {gone_id: "AniLiberty API v1"}

"""Live updates in the app: the top bar's connection mark, a favorite's new episode as a
notification (once, though the server sends it twice), the Title screen's encoding line, the
Favorites badge, resubscribing when favorites change and catching up by polling."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.coordinate import Coordinate

from app.screens.favorites import FavoritesScreen
from app.screens.feed import FeedScreen
from app.screens.schedule import ScheduleScreen
from app.screens.title import TitleScreen
from app.screens.updates import UpdatesScreen
from app.services.live_poll import V1_SINCE_KEY
from app.store.kv import KeyValueStore
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from app.widgets.top_bar import TopBar
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_downloads import open_title
from tests.support import screen_of, wait_for

LIVE = {
    "live.subscribe": "favorites",
    "live.reconnect_min": 0.1,
    "live.reconnect_max": 0.3,
    "live.poll_interval": 0.2,
    "live.desktop_notifications": False,
}


def top_bar_text(app: Any) -> str:
    return str(app.screen.query_one(TopBar).render())


def episode_notices(app: Any) -> list[str]:
    return [str(n.message) for n in notices(app) if "is out" in str(n.message)]


async def follow(pilot: Any, hub: Any, title_id: int) -> None:
    """Make `title_id` a favorite and wait until the app is live and subscribed to it."""
    pilot.app.runtime.favorites.add(title_id)
    await wait_for(pilot, lambda: "● live" in top_bar_text(pilot.app))
    await asyncio.to_thread(hub.wait_for_clients, 1, subscriptions=1)


async def test_a_favorites_new_episode_is_announced_once_and_shown(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    hub = fresh_devserver.live
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "live" not in top_bar_text(app)  # nothing to follow yet: idle, nothing shown
        app.runtime.favorites.add(9001, name_ru="Мой сосед")
        await wait_for(pilot, lambda: "● live" in top_bar_text(app))
        await asyncio.to_thread(hub.wait_for_clients, 1, subscriptions=1)

        screen = await open_title(pilot, 9001)
        before = len(screen.episodes)
        episode = await asyncio.to_thread(hub.new_episode, 9001)
        message = hub.push(
            {"type": "playlist_update", "playlist_update": {"id": 9001, "episode": episode}}
        )
        assert message == 1  # the same release again: shown once
        await wait_for(pilot, lambda: len(episode_notices(app)) == 1)
        assert episode_notices(app) == [f"Мой сосед: episode {episode} is out"]

        encoding = screen.query_one("#title-encoding")
        await wait_for(pilot, lambda: f"Episode {episode} is ready" in str(encoding.render()))
        await wait_for(pilot, lambda: len(screen.episodes) == before + 1)
        await pilot.pause(0.3)
        assert len(episode_notices(app)) == 1


async def test_favorites_badge_follows_a_live_release(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        app.runtime.favorites.add(9002)
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.screen, FavoritesScreen))
        favorites = screen_of(app, FavoritesScreen)
        await wait_for(pilot, lambda: len(favorites.titles) == 1)

        def episodes_out() -> int:
            player = favorites.titles[0].player
            assert player is not None
            return len(player.episodes)

        out = episodes_out()
        await wait_for(pilot, lambda: "● live" in top_bar_text(app))
        await asyncio.to_thread(fresh_devserver.live.wait_for_clients, 1, subscriptions=1)
        await asyncio.to_thread(fresh_devserver.live.new_episode, 9002)
        await wait_for(pilot, lambda: episodes_out() == out + 1)
        badge = favorites.query_one("#favorites-table", KeyTable).get_cell_at(Coordinate(0, 2))
        assert str(badge) == f"+{out + 1}"


async def test_a_new_favorite_is_subscribed_afresh_and_others_are_not_announced(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    hub = fresh_devserver.live
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        await follow(pilot, hub, 9001)
        app.runtime.favorites.add(9003)
        (client,) = await asyncio.to_thread(hub.wait_for_clients, 1, subscriptions=2)
        assert sorted(s.match["id"] for s in client.subscriptions) == [9001, 9003]

        await asyncio.to_thread(hub.new_episode, 9004)  # not a favorite
        episode = await asyncio.to_thread(hub.new_episode, 9003)
        await wait_for(pilot, lambda: len(episode_notices(app)) == 1)
        assert f"episode {episode} is out" in episode_notices(app)[0]


async def test_while_the_socket_is_down_polling_catches_up(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    hub = fresh_devserver.live
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        await follow(pilot, hub, 9001)
        hub.refuse = True
        hub.drop()
        await wait_for(pilot, lambda: "○ polling" in top_bar_text(app))
        first = await asyncio.to_thread(hub.new_episode, 9001)
        second = await asyncio.to_thread(hub.new_episode, 9001)
        await wait_for(pilot, lambda: len(episode_notices(app)) == 2)
        assert [f"episode {first} is out", f"episode {second} is out"] == [
            notice.split(": ", 1)[1] for notice in episode_notices(app)
        ]
        hub.refuse = False
        await wait_for(pilot, lambda: "● live" in top_bar_text(app), timeout=15)
        assert len(episode_notices(app)) == 2


async def test_title_and_torrent_changes_refresh_the_open_title(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    hub = fresh_devserver.live
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        await follow(pilot, hub, 9001)
        screen = await open_title(pilot, 9001)
        description = screen.query_one("#title-description")
        await asyncio.to_thread(hub.update_title, 9001, description="Rewritten [b]live[/b]")
        await wait_for(pilot, lambda: "Rewritten [b]live[/b]" in str(description.render()))

        torrents = screen.query_one("#title-torrents", KeyTable)

        def shown() -> list[list[str]]:
            return [[str(c) for c in torrents.get_row_at(r)] for r in range(torrents.row_count)]

        before = shown()
        await asyncio.to_thread(hub.update_torrents, 9001)
        await wait_for(pilot, lambda: shown() != before)
        assert isinstance(app.screen, TitleScreen)


async def test_updates_and_schedule_follow_a_release(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    hub = fresh_devserver.live
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        schedule = screen_of(app, ScheduleScreen)
        table = schedule.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        first = schedule.listed_titles()[0]
        episodes = table.get_column_index("episodes")
        before = str(table.get_cell_at(Coordinate(0, episodes)))
        await follow(pilot, hub, first.id)
        await asyncio.to_thread(hub.new_episode, first.id)
        await wait_for(pilot, lambda: str(table.get_cell_at(Coordinate(0, episodes))) != before)

        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        updates = screen_of(app, UpdatesScreen)
        await wait_for(pilot, lambda: bool(updates.titles) and updates.titles[0].id == first.id)
        rows = updates.query_one(KeyTable)
        top_episodes = rows.get_column_index("episodes")
        other = updates.titles[5]
        await pilot.press("j")  # away from the top: the list stays, the user is told
        shown = str(rows.get_cell_at(Coordinate(0, top_episodes)))
        await asyncio.to_thread(hub.new_episode, first.id)
        status = updates.query_one(StatusLine)
        await wait_for(pilot, lambda: "ctrl+r shows them" in str(status.render()))
        assert updates.titles[5] == other
        assert str(rows.get_cell_at(Coordinate(0, top_episodes))) == shown
        await pilot.press("k")  # at the top, the next release shows at once
        await asyncio.to_thread(hub.new_episode, first.id)
        await wait_for(pilot, lambda: str(rows.get_cell_at(Coordinate(0, top_episodes))) != shown)


async def test_the_feed_shows_a_release_at_its_head(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    hub = fresh_devserver.live
    app = app_factory(server=fresh_devserver, **LIVE)
    async with app.run_test(size=(120, 40)) as pilot:
        await follow(pilot, hub, 9004)
        await pilot.press("8")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen))
        feed = screen_of(app, FeedScreen)
        await wait_for(pilot, lambda: bool(feed.rows))
        assert feed.rows[0].key != ("title", 9004)
        await asyncio.to_thread(hub.new_episode, 9004)
        await wait_for(pilot, lambda: feed.rows[0].key == ("title", 9004))


async def test_on_v1_the_top_bar_says_polling_and_a_favorites_new_episode_is_announced_once(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver, api="v1", **LIVE)
    marks = KeyValueStore(app.runtime.db)

    def polls() -> int:
        return sum(r.path == "/api/v1/anime/releases/latest" for r in fresh_devserver.requests)

    async with app.run_test(size=(120, 40)) as pilot:
        assert "polling" not in top_bar_text(app)  # nothing to follow yet: idle, nothing shown
        app.runtime.favorites.add(9001, name_ru="Мой сосед")
        await wait_for(pilot, lambda: "○ polling" in top_bar_text(app))
        await wait_for(pilot, lambda: marks.get(V1_SINCE_KEY) is not None)  # the baseline

        await asyncio.to_thread(fresh_devserver.live.new_episode, 9004)  # not a favorite
        episode = await asyncio.to_thread(fresh_devserver.live.new_episode, 9001)
        await wait_for(pilot, lambda: len(episode_notices(app)) == 1)
        assert episode_notices(app) == [f"Мой сосед: episode {episode} is out"]
        seen = polls()
        await wait_for(pilot, lambda: polls() >= seen + 2)
        assert len(episode_notices(app)) == 1
        assert "○ polling" in top_bar_text(app)
    # v1 has no push: the v2 WebSocket is never tried.
    assert not [r for r in fresh_devserver.requests if "/ws" in r.path or "/v2/" in r.path]

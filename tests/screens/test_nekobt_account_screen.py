"""The nekoBT account screen, from the command palette: the key check, notifications marked
read from the app, tracker peers; a missing or refused key said plainly, the key never shown."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Label, Static

from app.devserver import nekobt_data
from app.devserver.nekobt import DEMO_API_KEY, NekoBtApi
from app.screens.nekobt_account import NekoBtAccountScreen
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.notifications import notices
from tests.support import wait_for


def neko(server: Any) -> NekoBtApi:
    api: NekoBtApi = next(a for a in server.extra_apis if isinstance(a, NekoBtApi))
    return api


def shown(widget: Static | Label) -> str:
    return str(widget.render())


def column(table: KeyTable, index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


async def open_account(pilot: Any) -> NekoBtAccountScreen:
    """ctrl+p, "nekoBT account", Enter: as a user opens it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*"nekoBT account")
    commands = app.screen.query_one(CommandList)
    await wait_for(
        pilot,
        lambda: (
            commands.highlighted is not None
            and "nekoBT account" in str(commands.get_option_at_index(commands.highlighted).prompt)
        ),
    )
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, NekoBtAccountScreen))
    screen = app.screen
    assert isinstance(screen, NekoBtAccountScreen)
    return screen


async def test_the_key_check_notifications_and_peers(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot)
        profile = screen.query_one("#account-profile", Static)
        await wait_for(pilot, lambda: "Key works" in shown(profile))
        assert "Key works, logged in as Kisaragi (kisaragi)" in shown(profile)
        notes = screen.query_one("#account-notifications", KeyTable)
        await wait_for(pilot, lambda: notes.row_count == 3)
        # The link tags read as the words their links show.
        assert column(notes, 1)[1] == "Tsukune invited you to Lantern Subs. View Invite"
        assert column(notes, 0) == ["●", "●", ""]
        assert "2 unread" in shown(screen.query_one("#account-notifications-label", Label))
        peers = screen.query_one("#account-peers", KeyTable)
        wanted = [neko(devserver).data.torrents[i] for i in nekobt_data.PEER_TORRENTS]
        assert column(peers, 0) == [t.fields["title"] for t in wanted]
        assert "qBittorrent/4.6.5" in column(peers, 4)[0]
        assert DEMO_API_KEY not in app.export_screenshot()
        assert not any(DEMO_API_KEY in n.message for n in notices(app))


async def test_notifications_are_marked_read_one_or_all(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot)
        notes = screen.query_one("#account-notifications", KeyTable)
        await wait_for(pilot, lambda: notes.row_count == 3)
        notes.focus()
        await pilot.press("j", "r")
        await wait_for(pilot, lambda: column(notes, 0) == ["●", "", ""])
        seen = [n["seen"] for n in neko(fresh_devserver).data.notifications]
        assert seen == [False, True, True]
        await pilot.press("a")
        await wait_for(pilot, lambda: column(notes, 0) == ["", "", ""])
        assert "0 unread" in shown(screen.query_one("#account-notifications-label", Label))
        assert all(n["seen"] for n in neko(fresh_devserver).data.notifications)


async def test_a_refused_key_is_said_and_never_shown(
    app_factory: AppFactory, monkeypatch: Any
) -> None:
    secret = "not-a-real-nekobt-key-77"
    monkeypatch.setenv("ANITUI_NEKOBT__API_KEY", secret)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot)
        profile = screen.query_one("#account-profile", Static)
        await wait_for(pilot, lambda: "refused the API key" in shown(profile))
        await pilot.press("a")
        await wait_for(pilot, lambda: any("Cannot mark" in n.message for n in notices(app)))
        assert secret not in app.export_screenshot()
        assert not any(secret in n.message for n in notices(app))


async def test_without_a_key_the_screen_says_what_to_set(
    app_factory: AppFactory, monkeypatch: Any, devserver: Any
) -> None:
    monkeypatch.delenv("ANITUI_NEKOBT__API_KEY")
    devserver.requests.clear()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot)
        profile = screen.query_one("#account-profile", Static)
        await wait_for(pilot, lambda: "ANITUI_NEKOBT__API_KEY" in shown(profile))
        # Every account endpoint needs the key: nekoBT is not asked in vain.
        assert not any("/users/" in r.path for r in devserver.requests)


async def fitted(pilot: Any, screen: NekoBtAccountScreen) -> None:
    """Wait for the tables' columns to be fitted (after their rows are laid out)."""
    notes = screen.query_one("#account-notifications", KeyTable)
    await wait_for(
        pilot,
        lambda: any("Welcome to the site." in notes.render_line(y).text for y in range(1, 6)),
    )
    await pilot.pause()


async def test_the_highlighted_notification_reads_whole_and_literally(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    neko(fresh_devserver).data.notifications.insert(0, HOSTILE_NOTIFICATION)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot)
        notes = screen.query_one("#account-notifications", KeyTable)
        await wait_for(pilot, lambda: notes.row_count == 4)
        whole = screen.query_one("#account-notification", Static)
        await wait_for(pilot, lambda: "the rules" in shown(whole))
        assert shown(whole) == (
            "[b]Mods[/b] say: [link=https://example.invalid]read[/link] the rules [/] now"
        )
        notes.focus()
        await pilot.press("j")
        title = neko(fresh_devserver).data.torrents[0].fields["title"]
        await wait_for(pilot, lambda: "Mirrowen replied" in shown(whole))
        assert shown(whole) == f"Mirrowen replied to your comment on {title}."


HOSTILE_NOTIFICATION = {
    "id": "4000000009",
    "data": "[b]Mods[/b] say: [link=https://example.invalid]read[/link] the rules [/] \x1b[31mnow",
    "seen": False,
}
"""API text that is markup and an escape sequence: it must read as it was sent."""


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_nekobt_account_snapshot(
    snap_compare: Any,
    app_factory: AppFactory,
    fresh_devserver: Any,
    size: tuple[int, int],
    lang: str,
) -> None:
    neko(fresh_devserver).data.notifications.insert(0, HOSTILE_NOTIFICATION)

    async def run(pilot: Any) -> None:
        screen = NekoBtAccountScreen()
        await pilot.app.push_screen(screen)
        peers = screen.query_one("#account-peers", KeyTable)
        await wait_for(pilot, lambda: peers.row_count == len(nekobt_data.PEER_TORRENTS))
        await fitted(pilot, screen)

    app = app_factory(server=fresh_devserver, lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=run)

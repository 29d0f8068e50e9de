"""nekoBT account: whether the API key works (and whose it is), your notifications (marked read
from here) and your tracker peers. Opened from the command palette, not a number key."""

from __future__ import annotations

import asyncio
from typing import ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Label, Static

from app.formatting import date_text, human_size
from app.i18n import t, tn
from app.plaintext import one_line
from app.screens.base import AniScreen
from app.sources.errors import SourceError
from app.sources.nekobt.errors import NekoBtAuthError
from app.sources.nekobt.models import Notification, User, UserPeer
from app.widgets.facts import fact
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine, describe_error
from app.widgets.title_table import KeyTable, RowItems, cell

NO_KEY = "No nekoBT API key: set ANITUI_NEKOBT__API_KEY or the secrets file."
"""Said instead of asking nekoBT when no key is set (every account endpoint needs one)."""


def profile_text(user: User) -> Content:
    """ "Key works, logged in as …" and the account's totals."""
    name = one_line(user.display_name or user.username) or "?"
    login = one_line(user.username)
    who = f"{name} ({login})" if login and login != name else name
    totals = [
        fact("Uploaded", human_size(user.upload)),
        fact("Downloaded", human_size(user.download)),
        fact("Seeding", str(user.seeding)),
        fact("Leeching", str(user.leeching)),
        fact("Torrents", str(user.torrent_count)),
    ]
    # The totals share one line: on 24 rows the notifications and peers need the room.
    lines = [
        Content.assemble((t("Key works, logged in as {name}", name=who), "bold $success")),
        Content(" · ").join(totals),
    ]
    if user.disabled:
        lines.append(Content.assemble((t("This account is disabled."), "$warning")))
    return Content("\n").join(lines)


def peer_clients(peer: UserPeer) -> str:
    """The torrent clients of one swarm entry, as "qBittorrent/4.6.5 · 3.8 KiB/s up"."""
    return ", ".join(
        f"{one_line(s.user_agent or s.peer_id) or '?'} · {human_size(s.est_upload_speed)}/s ↑"
        for s in peer.peers
    )


class NekoBtAccountScreen(AniScreen):
    """Your nekoBT account; `r` marks the notification under the cursor read, `a` all."""

    MODE = "torrents"
    SCREEN_NAME = "nekoBT account"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "mark_read", "Mark read"),
        Binding("a", "mark_all_read", "Mark all read"),
    ]
    DEFAULT_CSS = """
    NekoBtAccountScreen #account-body { height: 1fr; padding: 0 1; }
    NekoBtAccountScreen .section { margin-top: 1; text-style: bold; color: $accent; }
    NekoBtAccountScreen KeyTable { height: auto; max-height: 12; }
    NekoBtAccountScreen #account-notification { padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.notifications: RowItems[Notification] = RowItems()
        self.peers: tuple[UserPeer, ...] = ()

    def compose(self) -> ComposeResult:
        yield self.top_bar(t("nekoBT account"))
        yield StatusLine(id="account-status")
        with VerticalScroll(id="account-body"):
            yield Static(id="account-profile")
            yield Label(t("Notifications"), classes="section", id="account-notifications-label")
            notes = KeyTable(id="account-notifications", flexible=("text",))
            notes.add_column("", key="seen")
            notes.add_column(t("Notification"), key="text")
            yield notes
            # The table cuts a long notification: the highlighted one reads whole here.
            yield Static(id="account-notification", markup=False)
            yield Label(t("Tracker peers"), classes="section", id="account-peers-label")
            # On a narrow screen the clients give way too, or the torrent's name would be a
            # word or two.
            peers = KeyTable(id="account-peers", flexible=("title", "clients"))
            peers.add_column(t("Torrent"), key="title")
            peers.add_column(t("Uploaded"), key="upload")
            peers.add_column(t("Downloaded"), key="download")
            peers.add_column(t("Last seen"), key="seen")
            peers.add_column(t("Clients"), key="clients")
            yield peers
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        self.query_one("#account-notifications").focus()
        self.load()

    def action_refresh_screen(self) -> None:
        self.load()

    @work(exclusive=True, group="nekobt-account", exit_on_error=False)
    async def load(self) -> None:
        client = self.runtime.torrent_search.nekobt
        status = self.query_one(StatusLine)
        profile = self.query_one("#account-profile", Static)
        if not client.authenticated:
            profile.update(Content(t(NO_KEY)))
            status.clear()
            return
        status.show_loading()
        try:
            user, notifications, peers = await asyncio.gather(
                client.user(), client.notifications(), client.peers()
            )
        except NekoBtAuthError:
            status.clear()
            profile.update(
                Content.assemble((t("nekoBT refused the API key: check it and retry."), "$error"))
            )
            return
        except SourceError as error:
            status.failed(error, hint_demo=False)
            return
        status.clear()
        profile.update(profile_text(user))
        self.show_notifications(notifications)
        self.show_peers(peers)

    def show_notifications(self, notifications: tuple[Notification, ...]) -> None:
        table = self.query_one("#account-notifications", KeyTable)
        kept = table.position()
        table.clear()
        self.notifications.clear()
        keys = table.add_keyed_rows(
            (n.id or str(index), [cell("" if n.seen else "●", "bold"), cell(one_line(n.text))])
            for index, n in enumerate(notifications)
        )
        self.notifications.add(keys, notifications)
        table.keep_position(kept)
        self.show_highlighted()
        unread = sum(1 for n in notifications if not n.seen)
        label = t("Notifications") + " · " + tn("{count} unread", "{count} unread", unread)
        self.query_one("#account-notifications-label", Label).update(Content(label))

    def show_peers(self, peers: tuple[UserPeer, ...]) -> None:
        self.peers = peers
        table = self.query_one("#account-peers", KeyTable)
        table.clear()
        table.add_rows(
            [
                cell(one_line(p.torrent_title) or p.torrent_id or "?"),
                cell(human_size(p.upload)),
                cell(human_size(p.download)),
                cell(date_text(p.updated_at)),
                cell(peer_clients(p)),
            ]
            for p in peers
        )
        label = t("Tracker peers") + " · " + tn("{count} torrent", "{count} torrents", len(peers))
        self.query_one("#account-peers-label", Label).update(Content(label))

    @on(DataTable.RowHighlighted, "#account-notifications")
    def show_highlighted(self) -> None:
        """The notification under the cursor, whole (wrapped), under the table."""
        table = self.query_one("#account-notifications", KeyTable)
        notification = self.notifications.at_cursor(table)
        text = one_line(notification.text) if notification is not None else ""
        self.query_one("#account-notification", Static).update(Content(text))

    # actions -------------------------------------------------------------------------------

    def action_mark_read(self) -> None:
        table = self.query_one("#account-notifications", KeyTable)
        notification = self.notifications.at_cursor(table)
        if notification is None or notification.id is None:
            return
        if notification.seen:
            tell(self, t("Already read."))
            return
        self.mark_read([notification.id])

    def action_mark_all_read(self) -> None:
        self.mark_read("all")

    @work(group="nekobt-account-read", exit_on_error=False)
    async def mark_read(self, ids: list[str] | Literal["all"]) -> None:
        """Tell nekoBT `ids` (or "all") are read and show the list it answers."""
        client = self.runtime.torrent_search.nekobt
        if not client.authenticated:
            tell(self, t(NO_KEY), severity="warning")
            return
        try:
            updated = await client.mark_notifications_read(ids)
        except SourceError as error:
            tell(
                self,
                t("Cannot mark notifications read: {reason}", reason=describe_error(error)),
                severity="error",
            )
            return
        self.show_notifications(updated)

"""AniLibria's stats: genres by popularity, the years list, the tracker's seed stats and your
own traffic, and the torrent RSS link (copyable, masked on screen while it holds your passkey).
Opened from the command palette, not a number key."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from app.formatting import human_size
from app.i18n import t
from app.messages import CopyRequested
from app.plaintext import one_line
from app.screens.base import AniScreen
from app.sources.aniliberty.errors import ApiV2OnlyError
from app.sources.anilibria.models import GenreRank, SeedStat
from app.sources.errors import ApiV1OnlyError, SourceError
from app.sources.redaction import redact
from app.widgets.facts import fact
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import describe_error
from app.widgets.title_table import KeyTable, cell

TOP_SEEDERS = 10
"""How many of the tracker's users the seed stats list."""


def genres_text(genres: tuple[GenreRank, ...]) -> Content:
    """The genres in rank order, each with its number of releases where the API counts them."""
    return Content(
        " · ".join(
            one_line(g.name) if g.releases is None else f"{one_line(g.name)} ({g.releases})"
            for g in genres
        )
    )


def traffic_text(traffic: SeedStat) -> Content:
    return Content("\n").join(
        [
            fact("Uploaded", human_size(traffic.uploaded)),
            fact("Downloaded", human_size(traffic.downloaded)),
        ]
    )


def unavailable(error: SourceError) -> Content:
    """What a section says when the API in use lacks it, or its call failed."""
    if isinstance(error, ApiV2OnlyError):
        return Content.assemble((t("API v2 only"), "$text-muted"))
    if isinstance(error, ApiV1OnlyError):
        return Content.assemble((t("API v1 only"), "$text-muted"))
    return Content.assemble((describe_error(error), "$error"))


class StatsScreen(AniScreen):
    """AniLibria's stats; `y` copies the RSS link (with your passkey when logged in)."""

    MODE = "search"
    SCREEN_NAME = "AniLibria stats"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "copy_rss", "Copy RSS link")]
    DEFAULT_CSS = """
    StatsScreen #stats-body { height: 1fr; padding: 0 1; }
    StatsScreen .section { margin-top: 1; text-style: bold; color: $accent; }
    StatsScreen KeyTable { height: auto; max-height: 12; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rss_link: str | None = None

    def compose(self) -> ComposeResult:
        yield self.top_bar(t("AniLibria stats"))
        with VerticalScroll(id="stats-body"):
            yield Label(t("Torrent RSS feed (y copies the link)"), classes="section")
            yield Static(id="stats-rss")
            yield Label(t("Your tracker traffic"), classes="section")
            yield Static(id="stats-traffic")
            yield Label(t("Seed stats: the tracker's top users"), classes="section")
            yield Static(id="stats-seeders-note")
            seeders = KeyTable(id="stats-seeders", flexible=("user",))
            seeders.add_column(t("User"), key="user")
            seeders.add_column(t("Uploaded"), key="uploaded")
            seeders.add_column(t("Downloaded"), key="downloaded")
            yield seeders
            yield Label(t("Genres by popularity"), classes="section", id="stats-genres-label")
            yield Static(id="stats-genres")
            yield Label(t("Years"), classes="section")
            yield Static(id="stats-years")
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def action_refresh_screen(self) -> None:
        self.load()

    @work(exclusive=True, group="stats", exit_on_error=False)
    async def load(self) -> None:
        """Fill each section on its own: one the API lacks or that fails says so, the rest
        still show."""
        client = self.runtime.catalog.client
        session = self.runtime.favorites.session
        rss = self.query_one("#stats-rss", Static)
        try:
            self.rss_link = await client.rss_link(session=session)
            rss.update(Content(redact(self.rss_link)))
        except SourceError as error:
            rss.update(unavailable(error))
        traffic = self.query_one("#stats-traffic", Static)
        if session is None:
            traffic.update(
                Content(t("Log in to see yours (command palette: Log in to AniLibria)."))
            )
        else:
            try:
                traffic.update(traffic_text(await client.account_traffic(session=session)))
            except SourceError as error:
                traffic.update(unavailable(error))
        note = self.query_one("#stats-seeders-note", Static)
        table = self.query_one("#stats-seeders", KeyTable)
        try:
            seeders = await client.get_seed_stats(sort_by="uploaded", order=0, limit=TOP_SEEDERS)
            note.display = False
            table.clear()
            table.add_rows(
                [
                    cell(one_line(s.user)),
                    cell(human_size(s.uploaded)),
                    cell(human_size(s.downloaded)),
                ]
                for s in seeders
            )
        except SourceError as error:
            note.update(unavailable(error))
            table.display = False
        genres = self.query_one("#stats-genres", Static)
        try:
            ranked = (await client.popular_genres()).value
            genres.update(genres_text(ranked))
            by_count = any(g.releases is not None for g in ranked)
            self.query_one("#stats-genres-label", Label).update(
                Content(
                    t("Genres by number of releases (API v1 rates no genre)")
                    if by_count
                    else t("Genres by popularity (rating)")
                )
            )
        except SourceError as error:
            genres.update(unavailable(error))
        years = self.query_one("#stats-years", Static)
        try:
            years.update(Content(", ".join(str(y) for y in (await client.get_years()).value)))
        except SourceError as error:
            years.update(unavailable(error))

    def action_copy_rss(self) -> None:
        if self.rss_link is None:
            tell(self, t("The RSS link is not loaded yet."))
            return
        self.post_message(CopyRequested(self.rss_link, t("RSS link")))

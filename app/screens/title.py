"""Title: everything AniLibria knows of one title, its episodes and its torrents."""

from __future__ import annotations

import asyncio
import re
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Static

from app import i18n
from app.formatting import date_text, human_size
from app.i18n import t
from app.messages import (
    CollectionChosen,
    ContinueRequested,
    EpisodePlayRequested,
    FavoriteToggled,
    FollowToggled,
    MissingDownloadRequested,
    SeriesAddRequested,
    TitleTorrentRequested,
)
from app.plaintext import html_to_text, one_line
from app.screens.base import AniScreen
from app.services.collections import COLLECTIONS, collection_name
from app.services.events import Event
from app.services.live import EncodingProgress
from app.sources.anilibria.models import Episode, Fetched, Title, Torrent
from app.sources.errors import SourceError
from app.store.history import EpisodeProgress
from app.widgets.drawn_table import DrawnTable
from app.widgets.facts import fact
from app.widgets.footer import KeyFooter
from app.widgets.localized import localize_bindings
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.poster import Poster, resolve_renderer
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, RowItems, cell
from app.widgets.top_bar import TopBar

TEAM_LABELS = (
    ("voice", "Voice"),
    ("translator", "Translation"),
    ("editing", "Subtitles"),
    ("decor", "Design"),
    ("timing", "Timing"),
)


def episode_number(episode: Episode) -> str:
    serie = episode.serie
    return str(int(serie)) if float(serie).is_integer() else str(serie)


def qualities(episode: Episode) -> str:
    hls = episode.hls
    found = [name for name, path in (("FHD", hls.fhd), ("HD", hls.hd), ("SD", hls.sd)) if path]
    return " ".join(found) or "—"


def watched_mark(progress: EpisodeProgress | None) -> Text:
    """✓ for a watched episode, how far a started one got (42%), nothing otherwise."""
    if progress is None:
        return Text("")
    if progress.watched:
        return Text("✓", style="bold green")
    if progress.duration:
        return Text(f"{min(99, int(100 * progress.position / progress.duration))}%", style="yellow")
    return Text("…", style="yellow")


TORRENTS_MAX_HEIGHT = 30
"""The torrent list's `max-height` in styles/title.tcss."""
NO_COLLECTION = "none"
"""The collection choice that takes a title out of its collection."""
TALL_FROM = 32
"""Terminal lines from which the poster and the secondary facts are shown."""
MAX_SKIP_OFFSET = 300.0
"""Seconds a title's skip ranges may move either way: an opening is never minutes off."""

_OFFSET = re.compile(r"\s*([+\-\u2212]?)\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*s?\s*")


def parse_skip_offset(text: str) -> float | None:
    """Seconds from what the user typed ("+2.5", "-3", "0", "2,5", "−1 s"); None when it is not
    a number of seconds within ±`MAX_SKIP_OFFSET`."""
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    sign, digits = match.groups()
    seconds = float(digits.replace(",", "."))
    if sign in ("-", "\u2212"):
        seconds = -seconds
    return seconds if abs(seconds) <= MAX_SKIP_OFFSET else None


def skip_offset_text(seconds: float) -> str:
    """A signed offset: "+2.5", "-3", "0"."""
    return f"{seconds:+g}" if seconds else "0"


def title_facts(title: Title) -> list[Content]:
    """The information block's first lines, what a short terminal still shows: names, announce,
    status, type and episodes out, skipping what the API left empty."""
    lines: list[Content] = []
    names = title.names
    if names.ru:
        lines.append(Content.assemble((one_line(names.ru), "bold $accent")))
    if names.en:
        lines.append(Content.assemble((one_line(names.en), "italic")))
    if title.announce:
        lines.append(fact("Announce", title.announce))
    if title.status and title.status.string:
        lines.append(fact("Status", title.status.string))
    if title.type and (title.type.full_string or title.type.string):
        lines.append(fact("Type", title.type.full_string or title.type.string or ""))
    out = title.player.series.string if title.player and title.player.series else None
    if out:
        lines.append(fact("Episodes", out))
    return lines


def more_facts(title: Title) -> list[Content]:
    """The rest of the information block, left out on a short terminal."""
    lines: list[Content] = []
    if title.names.alternative:
        lines.append(fact("Alternative name", title.names.alternative))
    if title.genres:
        lines.append(fact("Genres", ", ".join(one_line(g) for g in title.genres)))
    season = title.season
    if season and (season.year or season.code):
        name = i18n.season_name(season.code) or one_line(season.string)
        lines.append(fact("Season", f"{name} {season.year or ''}".strip()))
    if season and season.week_day is not None and 0 <= season.week_day < 7:
        lines.append(fact("Weekday", i18n.weekday(season.week_day)))
    if title.in_favorites is not None:
        lines.append(fact("Favorited by", f"{title.in_favorites:,}".replace(",", " ")))
    return lines


class TitleScreen(AniScreen):
    """One title. Tab moves between episodes and torrents; Esc goes back."""

    SCREEN_NAME = "Title"
    AUTO_FOCUS = ""
    """`start` focuses the episode list: Textual's own choice (the body, the first focusable)
    would be styled, then blurred and the list styled, all inside the open."""
    # Textual declares it an instance attribute, so it cannot be a ClassVar here.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL_FROM, "-tall")]  # noqa: RUF012
    """Below `TALL_FROM` lines the poster and the secondary facts give way to the episode list."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "continue", "Continue"),
        Binding("w", "toggle_watched", "Watched"),
        Binding("d", "download", "Download"),
        Binding("f", "toggle_favorite", "Favorite"),
        # `L` is the Library everywhere: the collection takes its initial, upper case (`c`
        # cycles the quality while playing).
        Binding("C", "choose_collection", "Collection"),
        Binding("a", "add_to_library", "Add to library"),
        Binding("t", "find_torrents", "Torrents elsewhere"),
        Binding("M", "download_missing", "Download missing", show=False),
        Binding("F", "toggle_follow", "Follow", show=False),
        Binding("H", "follow_history", "Follow history", show=False),
        # Now and then, when the API's ranges are off: Help lists it, the footer has no room.
        Binding("O", "skip_offset", "Skip offset", show=False),
    ]

    def __init__(self, title_id: int, cached: Fetched[Title] | None = None) -> None:
        """`cached`: the title as the cache has it, read before the screen was pushed so that
        its first frame lists the episodes; None when the cache has none."""
        super().__init__()
        # Textual sets a breakpoint's class on the screen's first resize, after the first
        # frame: a short terminal saw the tall layout first, and every open restyled the whole
        # screen once it was on it. Unstyled yet, the screen needs no restyle for it here.
        self.add_class("-tall" if self.app.size.height >= TALL_FROM else "-short", update=False)
        self.title_id = title_id
        self.title_data: Title | None = None
        self.opened_with = cached
        self.row_episodes: RowItems[Episode] = RowItems()
        self.row_torrents: RowItems[Torrent] = RowItems()
        self.rest_joined = asyncio.Event()
        """Set once the poster, buttons, torrent list and key line are mounted."""

    def compose(self) -> ComposeResult:
        first = not self.is_mounted
        yield self.top_bar(t("Title"))
        yield StatusLine(id="title-status")
        with VerticalScroll(id="title-body"):
            with Horizontal(id="title-head"):
                # The first frame is the title's names and episodes: the poster, the buttons,
                # the torrent list, the Now-playing bar and the key line cost more to build and
                # style than they do, and join once it is on screen (`mount_the_rest`), rooms
                # of their size keeping everything in its place meanwhile.
                yield Widget(id="title-poster-room") if first else self.poster()
                with Vertical(id="title-info"):
                    yield Static(id="title-facts")
                    yield Static(id="title-more-facts")
                    yield Static(id="title-blocked", classes="-hidden")
                    yield Static(id="title-encoding", classes="-hidden", markup=False)
                    yield Static(id="title-team")
                    yield Widget(id="title-actions-room") if first else self.action_buttons()
            yield Static(id="title-description")
            yield Label(t("Episodes"), classes="section")
            episodes = DrawnTable(id="title-episodes", flexible=("name",))
            episodes.add_column(" ", key="watched", width=4)
            episodes.add_column("#", key="number")
            episodes.add_column(t("Name"), key="name")
            episodes.add_column(t("Date"), key="date")
            episodes.add_column(t("Qualities"), key="qualities")
            yield episodes
            if first:
                yield self.torrents_room()
            else:
                yield from self.torrents_section()
        if first:
            yield self.keys_room()
        else:
            self.rest_joined.set()
            yield NowPlayingBar()
            yield KeyFooter()

    def poster(self) -> Poster:
        return Poster(resolve_renderer(self.runtime.settings.ui.poster_renderer), id="title-poster")

    def action_buttons(self) -> Horizontal:
        return Horizontal(
            Button(f"▶ {t('Continue')}", id="title-play", compact=True),
            Button(f"⬇ {t('Download')}", id="title-download", compact=True),
            Button(f"★ {t('Favorite')}", id="title-favorite", compact=True),
            id="title-actions",
        )

    def torrents_section(self) -> tuple[Label, KeyTable]:
        torrents = KeyTable(id="title-torrents")
        torrents.add_column(t("Quality"), key="quality")
        torrents.add_column(t("Episodes"), key="episodes")
        torrents.add_column(t("Size"), key="size")
        torrents.add_column(t("Seeders"), key="seeders")
        torrents.add_column(t("Leechers"), key="leechers")
        torrents.add_column(t("Downloads"), key="downloads")
        torrents.add_column(t("Date"), key="date")
        return Label(t("Torrents"), classes="section"), torrents

    def torrents_room(self) -> Widget:
        """As tall as the torrents' heading and list will be: the body's scroll bar, and so
        the width of everything in it, does not change when they join."""
        # A section heading's margin, as the heading will have.
        room = Widget(id="title-torrents-room", classes="section")
        title = self.opened_with.value if self.opened_with is not None else None
        listed = len(title.torrents.list) if title is not None and title.torrents else 0
        # The heading, the table's header and its rows, as tall as the table may grow.
        room.styles.height = 1 + min(TORRENTS_MAX_HEIGHT, 1 + listed)
        return room

    def keys_room(self) -> Widget:
        """As tall as the Now-playing bar (when something plays) and the key line: the body
        keeps its height, so no scroll bar comes with them."""
        room = Widget(id="title-keys-room")
        room.styles.height = 1 + (self.shell.now_playing is not None)
        return room

    async def mount_the_rest(self) -> None:
        """The poster, the buttons, the torrent list, the Now-playing bar and the key line, left
        out of the first frame."""
        rooms = self.query(
            "#title-poster-room, #title-actions-room, #title-torrents-room, #title-keys-room"
        )
        if not rooms:
            return
        episodes = self.query_one("#title-episodes", DrawnTable)
        if episodes.row_count and not episodes.rows_drawn and episodes.is_on_screen:
            # The rows are in, not yet on screen: the table calls again once they are.
            episodes.when_rows_drawn = self.mount_the_rest
            return
        with self.app.batch_update():
            await self.query_one("#title-head").mount(
                self.poster(), before=self.query_one("#title-poster-room")
            )
            await self.query_one("#title-info").mount(
                self.action_buttons(), before=self.query_one("#title-actions-room")
            )
            await self.query_one("#title-body").mount(
                *self.torrents_section(), before=self.query_one("#title-torrents-room")
            )
            rooms.remove()
            await self.mount(NowPlayingBar(), KeyFooter())
        if self not in self.app.screen_stack:
            return  # closed meanwhile (Esc right after the first frame)
        self.rest_joined.set()
        if not self.runtime.browse_only:
            # Play is one key away here: get libmpv and the stream hosts ready meanwhile (not
            # before the first frames, whose painting their threads would slow down).
            self.run_worker(self.runtime.player.prepare(), group="player", exit_on_error=False)
            self.run_worker(
                self.runtime.catalog.caching_nodes(), group="hosts", exit_on_error=False
            )
        self.show_favorite()
        self.fill_torrents(self.torrents)
        # A footer lists the keys when the bindings change; these have not since it came.
        self.refresh_bindings()

    def on_mount(self) -> None:
        self.shell.history_changed.subscribe(self, self.history_changed)
        self.shell.title_news.subscribe(self, self.title_news)
        self.shell.favorites_changed.subscribe(self, lambda _ids: self.show_favorite())
        self.shell.collections_changed.subscribe(
            self, lambda _ids: self.history_changed(self.title_id)
        )
        if self.opened_with is not None:
            # Before the screen's first frame, which is then the cached title's.
            self.show_title(self.opened_with)
        # After that frame: the cached episodes', when there are some.
        self.call_after_refresh(self.mount_the_rest)
        self.start()

    def on_unmount(self) -> None:
        # Textual's signals drop a closed screen only when they next publish, and until then
        # the callbacks keep it and all its widgets alive: every Title screen opened would
        # stay, and each full garbage collection (hundreds of ms in the middle of an open)
        # would walk them all.
        shell = self.shell
        for signal in (
            shell.history_changed,
            shell.title_news,
            shell.favorites_changed,
            shell.collections_changed,
        ):
            signal.unsubscribe(self)

    def start(self) -> None:
        # Focus without scrolling: the head of the title is what the user wants to see first.
        # At once, not queued as `focus()` does: the first frame shows the list focused.
        self.set_focus(self.query_one("#title-episodes", KeyTable), scroll_visible=False)
        self.load()

    def action_refresh_screen(self) -> None:
        self.load()

    @work(exclusive=True, group="title", exit_on_error=False)
    async def load(self) -> None:
        catalog = self.runtime.catalog
        # Read once: a refresh later reads the cache again.
        opened_with, self.opened_with = self.opened_with, None
        if opened_with is not None:
            # The network's copy after the first frames: its request (httpx, TLS, parsing)
            # would compete with their painting for the GIL.
            await self.rest_joined.wait()
        shown = await self.load_cache_first(
            lambda cache_only: catalog.title(self.title_id, cache_only=cache_only),
            self.show_title,
            self.query_one(StatusLine),
            shown=opened_with,
        )
        await self.rest_joined.wait()
        poster = self.query_one(Poster)
        posters = shown.value.posters if shown is not None else None
        url = None
        if posters is not None:
            url = posters.medium.url or posters.original.url or posters.small.url
        await poster.show(await self.poster_data(url) if url else None)

    async def poster_data(self, url: str) -> bytes | None:
        """The poster at `url`: the cached copy without asking again (a new picture comes
        under a new address), else the network's; None when neither has it. Posters are
        optional: a slow image host never holds the rest of the screen."""
        for cache_only in (True, False):
            try:
                return (await self.runtime.catalog.poster(url, cache_only=cache_only)).value
            except SourceError:
                continue
        return None

    def show_title(self, fetched: Fetched[Title]) -> None:
        title = fetched.value
        self.title_data = title
        self.query_one(TopBar).show_context(one_line(title.display_name))
        self.show_favorite()
        facts = title_facts(title)
        watched = self.runtime.history.watched_count(title.id)
        if watched and title.player and title.player.episodes:
            facts.append(fact("Watched", f"{watched} / {len(title.player.episodes)}"))
        collection = self.runtime.collections.collection_of(title.id)
        if collection is not None:
            facts.append(fact("Collection", collection_name(collection)))
        offset = self.runtime.history.skip_offset(title.id)
        if offset:
            facts.append(fact("Skip offset", f"{skip_offset_text(offset)} s"))
        self.query_one("#title-facts", Static).update(Content("\n").join(facts))
        self.query_one("#title-more-facts", Static).update(Content("\n").join(more_facts(title)))
        blocked = self.query_one("#title-blocked", Static)
        notices = []
        if title.blocked and title.blocked.blocked:
            notices.append(t("Blocked in Russia."))
        if title.blocked and title.blocked.bakanim:
            notices.append(t("Blocked after a Wakanim complaint."))
        blocked.update(Content(" ".join(notices)))
        blocked.set_class(not notices, "-hidden")
        team_lines = [
            fact(label, ", ".join(one_line(n) for n in getattr(title.team, role)))
            for role, label in TEAM_LABELS
            if title.team and getattr(title.team, role)
        ]
        if team_lines:
            team_lines.insert(0, Content.assemble((t("Team"), "bold underline")))
        self.query_one("#title-team", Static).update(Content("\n").join(team_lines))
        self.query_one("#title-description", Static).update(
            Content(html_to_text(title.description))
        )
        self.fill_episodes(title.player.episodes if title.player else ())
        if self.rest_joined.is_set():
            self.fill_torrents(self.torrents)

    def fill_episodes(self, episodes: tuple[Episode, ...]) -> None:
        table = self.query_one("#title-episodes", KeyTable)
        cursor = table.cursor_row
        progress = self.runtime.history.positions(self.title_id)
        table.clear()
        self.row_episodes.clear()
        keys = table.add_keyed_rows(
            (
                str(e.serie),
                [
                    watched_mark(progress.get(e.serie)),
                    cell(episode_number(e), "bold"),
                    cell(e.name or f"{t('Episode')} {episode_number(e)}"),
                    cell(date_text(e.created_timestamp)),
                    cell(qualities(e)),
                ],
            )
            for e in episodes
        )
        self.row_episodes.add(keys, episodes)
        if episodes:
            table.move_cursor(row=min(cursor, len(episodes) - 1))

    def fill_torrents(self, torrents: tuple[Torrent, ...]) -> None:
        table = self.query_one("#title-torrents", KeyTable)
        table.clear()
        self.row_torrents.clear()
        keys = table.add_keyed_rows(
            (
                str(tr.torrent_id),
                [
                    cell(tr.quality.string or "—", "bold"),
                    cell(tr.series.string or "—"),
                    cell(human_size(tr.total_size)),
                    cell(str(tr.seeders), "green"),
                    cell(str(tr.leechers), "yellow"),
                    cell(str(tr.downloads)),
                    cell(date_text(tr.uploaded_timestamp)),
                ],
            )
            for tr in torrents
        )
        self.row_torrents.add(keys, torrents)

    @property
    def episodes(self) -> tuple[Episode, ...]:
        title = self.title_data
        return title.player.episodes if title is not None and title.player else ()

    def history_changed(self, title_id: int) -> None:
        if title_id == self.title_id and self.title_data is not None:
            self.show_title(Fetched(self.title_data, fetched_at=self.now(), from_cache=True))

    def collections_changed(self, title_ids: frozenset[int]) -> None:
        if self.title_id in title_ids:
            self.history_changed(self.title_id)

    def title_news(self, event: Event) -> None:
        """Live news about this title: encoding progress is shown, anything else reloads it."""
        if getattr(event, "title_id", None) != self.title_id:
            return
        if isinstance(event, EncodingProgress):
            self.show_encoding(event)
            if event.finished and event.quality is None:
                self.load()
        else:
            self.load()

    def show_encoding(self, event: EncodingProgress) -> None:
        line = self.query_one("#title-encoding", Static)
        if event.finished and event.quality is None:
            text = t("Episode {episode} is ready to watch.", episode=event.episode)
        elif event.finished:
            text = t(
                "Episode {episode}: {quality} is ready, other qualities are encoding…",
                episode=event.episode,
                quality=event.quality or "",
            )
        else:
            text = t(
                "Episode {episode} is encoding: {percent}% ({quality})",
                episode=event.episode,
                percent=str(event.percent or 0),
                quality=event.quality or "?",
            )
        line.update(one_line(text))
        line.remove_class("-hidden")

    @on(DataTable.RowSelected, "#title-episodes")
    def episode_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        episode = self.row_episodes.get(event.row_key)
        if self.title_data is not None and episode is not None:
            self.post_message(EpisodePlayRequested(self.title_data, episode.serie))

    @on(Button.Pressed, "#title-play")
    def action_continue(self) -> None:
        """Play the next unwatched episode (resuming it when it was started)."""
        if self.title_data is not None:
            self.post_message(ContinueRequested(self.title_id, self.title_data))

    def action_skip_offset(self) -> None:
        """Ask for this title's skip offset: seconds added to every opening / ending range."""
        current = self.runtime.history.skip_offset(self.title_id)
        self.app.push_screen(SkipOffsetScreen(current), self.skip_offset_chosen)

    def skip_offset_chosen(self, seconds: float | None) -> None:
        if seconds is None:
            return
        # Through the player: an episode of this title playing now moves its ranges too.
        self.runtime.player.set_skip_offset(self.title_id, seconds)
        tell(self, t("Skip offset for this title: {offset} s", offset=skip_offset_text(seconds)))
        self.history_changed(self.title_id)

    def action_find_torrents(self) -> None:
        """Search nekoBT and the other torrent sources for this title by its English name."""
        from app.screens.torrents import TorrentsScreen

        title = self.title_data
        if title is not None:
            self.app.push_screen(TorrentsScreen(query=title.names.en or title.display_name))

    def action_toggle_watched(self) -> None:
        """Mark the episode under the cursor watched, or unwatched when it was."""
        chosen = self.row_episodes.at_cursor(self.query_one("#title-episodes", KeyTable))
        if chosen is None:
            return
        episode = chosen.serie
        progress = self.runtime.history.positions(self.title_id).get(episode)
        watched = progress is not None and progress.watched
        self.runtime.player.set_watched(self.title_id, episode, not watched, uuid=chosen.uuid)

    @property
    def torrents(self) -> tuple[Torrent, ...]:
        title = self.title_data
        return title.torrents.list if title is not None and title.torrents else ()

    @on(DataTable.RowSelected, "#title-torrents")
    def torrent_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        torrent = self.row_torrents.get(event.row_key)
        if torrent is not None:
            self.download(torrent)

    @on(Button.Pressed, "#title-favorite")
    def action_toggle_favorite(self) -> None:
        if self.title_data is not None:
            self.post_message(FavoriteToggled(self.title_data))

    def action_download_missing(self) -> None:
        self.post_message(MissingDownloadRequested(self.title_id))

    def action_toggle_follow(self) -> None:
        if self.title_data is not None:
            name = self.title_data.names.ru or self.title_data.display_name
            self.post_message(FollowToggled(self.title_id, name))

    def action_follow_history(self) -> None:
        """What following the title decided for its episodes."""
        from app.screens.follow_history import FollowHistoryScreen

        title = self.title_data
        if title is not None:
            name = title.names.ru or title.display_name
            self.app.push_screen(FollowHistoryScreen(self.title_id, name))

    def action_add_to_library(self) -> None:
        """Give the title a series folder in the local library."""
        if self.title_data is not None:
            self.post_message(SeriesAddRequested(self.title_data))

    def action_choose_collection(self) -> None:
        """Put the title in one of the collections (or in none)."""
        from app.screens.choice import Choice, ChoiceScreen

        title = self.title_data
        if title is None:
            return
        current = self.runtime.collections.collection_of(title.id)
        choices = [
            Choice(c, ("● " if c == current else "  ") + collection_name(c)) for c in COLLECTIONS
        ]
        choices.append(Choice(NO_COLLECTION, "  " + t("In no collection"), current is None))

        def chosen(choice: str | None) -> None:
            if choice is not None and choice != current:
                collection = None if choice == NO_COLLECTION else choice
                self.post_message(CollectionChosen(title, collection))

        self.app.push_screen(
            ChoiceScreen(t("Collection"), choices, subject=title.names.ru or title.display_name),
            chosen,
        )

    def show_favorite(self) -> None:
        if not self.rest_joined.is_set():
            return  # the button comes with the rest, and shows it then
        favorite = self.runtime.favorites.contains(self.title_id)
        button = self.query_one("#title-favorite", Button)
        button.label = f"{'★' if favorite else '☆'} {t('In favorites' if favorite else 'Favorite')}"
        # A Button keeps the width of its first label ("★ In" for "★ In favorites") otherwise.
        button.refresh(layout=True)

    @on(Button.Pressed, "#title-download")
    def action_download(self) -> None:
        """Download the torrent under the cursor; from elsewhere, pick one in the torrent list."""
        if not self.torrents:
            tell(self, t("This title has no torrents yet."))
        elif len(self.torrents) == 1:
            self.download(self.torrents[0])
        elif not self.rest_joined.is_set():
            return  # a frame or two before the torrent list is there to pick from
        elif (table := self.query_one("#title-torrents", KeyTable)).has_focus:
            if (torrent := self.row_torrents.at_cursor(table)) is not None:
                self.download(torrent)
        else:
            table.focus()
            tell(self, t("Choose a torrent and press Enter."))

    def download(self, torrent: Torrent) -> None:
        if self.title_data is not None:
            self.post_message(TitleTorrentRequested(self.title_data, torrent))


class SkipOffsetScreen(ModalScreen[float | None]):
    """Asks for a title's skip offset in seconds; dismisses with it, or None when cancelled."""

    DEFAULT_CSS = """
    SkipOffsetScreen { align: center middle; }
    SkipOffsetScreen > Vertical {
        width: 64; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    SkipOffsetScreen #skip-offset-problem { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, current: float) -> None:
        super().__init__()
        self.current = current
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("Skip offset for this title, in seconds (+ later, − earlier):"))
            yield Input(
                skip_offset_text(self.current), placeholder="+2.5 / -3 / 0", id="skip-offset"
            )
            yield Static(id="skip-offset-problem", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        seconds = parse_skip_offset(event.value)
        if seconds is None:
            self.query_one("#skip-offset-problem", Static).update(
                t(
                    "Type seconds, e.g. +2.5, -3 or 0 (at most {limit} either way).",
                    limit=int(MAX_SKIP_OFFSET),
                )
            )
            return
        self.dismiss(seconds)

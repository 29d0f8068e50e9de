"""Torrent detail: files, description, mediainfo, groups, comments, peers by country, magnet."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Label, Static

from app.formatting import date_text, human_size
from app.i18n import t
from app.messages import CopyRequested, DownloadRequested
from app.plaintext import clean, markdown_runs, one_line
from app.screens.base import AniScreen
from app.services.torrent_search import (
    SOURCE_NAMES,
    Source,
    TorrentDetail,
    TorrentHit,
)
from app.sources.errors import SourceError
from app.sources.nekobt.errors import AnimeToshoError
from app.sources.nekobt.models import AnimeTosho, AnimeToshoSub, Comment
from app.sources.torrentapi.models import PeersHistory
from app.widgets.facts import fact
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine, describe_error
from app.widgets.title_table import KeyTable, cell
from app.widgets.torrent_text import level_text, problem_text

BAR_WIDTH = 30
"""Cells of the longest bar of the peers charts."""

SECTIONS = (
    "files", "animetosho", "peers", "groups", "description", "mediainfo", "screenshots",
    "comments",
)  # fmt: skip

COMMENTS_PAGE = 10
"""Top-level comments shown at first and added at the end of the page or by each `M`. nekoBT
sends them all at once (its comments endpoint has no paging): only the showing is paged."""

NEAR_END = 2
"""Lines from the bottom of the detail at which the next comments are shown."""

ANIMETOSHO_STATES = {
    "absent": "Not asked yet: press a to ask AnimeTosho (it may take a minute).",
    "processing": "AnimeTosho is still processing this torrent: press a again later.",
    "skipped": "AnimeTosho skipped this torrent.",
    "not_found": "AnimeTosho does not know this torrent yet: press a again later.",
    "no_media": "AnimeTosho found no media file in this torrent.",
    "error": "AnimeTosho answered with an error.",
}
"""What the AnimeTosho section says for each status but "ready" (English msgids)."""


def bars(rows: list[tuple[str, int]], width: int = BAR_WIDTH) -> Content:
    """A text bar chart: one `label ████ value` line per row, scaled to the largest value."""
    if not rows:
        return Content("")
    top = max(value for _label, value in rows) or 1
    label_width = max(len(label) for label, _value in rows)
    lines = [
        Content.assemble(
            (f"{label:<{label_width}} ", "bold"),
            ("█" * max(1 if value else 0, round(width * value / top)), "$accent"),
            f" {value}",
        )
        for label, value in rows
    ]
    return Content("\n").join(lines)


MARKDOWN_STYLES = {
    "heading": "bold $accent",
    "bold": "bold",
    "italic": "italic",
    "strike": "strike",
    "code": "$text-secondary",
    "link": "underline",
    "url": "$text-muted",
    "image": "italic $text-muted",
    "quote": "$text-muted",
    "rule": "$text-muted",
}
"""The style of each kind of `markdown_runs` text."""


def markdown_content(source: str | None) -> Content:
    """nekoBT's Markdown as styled plain text: the styles are ours, the text is never markup."""
    return Content.assemble(
        *(
            (text, " ".join(MARKDOWN_STYLES[kind] for kind in kinds.split()))
            for text, kinds in markdown_runs(source)
        )
    )


def peers_chart(peers: PeersHistory) -> Content:
    """The Torrent API's peers of one day by country, most first."""
    countries = sorted(peers.countries, key=lambda c: c.peers, reverse=True)
    return bars([(one_line(c.code) or "?", c.peers) for c in countries])


def comment_lines(comments: tuple[Comment, ...], depth: int = 0) -> list[Content]:
    """Comments and their replies, indented, as plain text."""
    lines: list[Content] = []
    indent = "  " * depth
    for comment in comments:
        who = one_line(comment.display_name) or "?"
        score = f" +{comment.positive}/-{comment.negative}"
        lines.append(Content.assemble(indent, (who, "bold"), (score, "$text-muted")))
        text = "[deleted]" if comment.deleted else clean(comment.text)
        lines.extend(Content(f"{indent}  {line}") for line in text.splitlines())
        lines.extend(comment_lines(comment.children, depth + 1))
    return lines


def sub_text(sub: AnimeToshoSub) -> str:
    """One subtitle track: "eng · ASS · Full Subtitles (default)"."""
    flags = [t(flag) for flag, on in (("default", sub.default), ("forced", sub.forced)) if on]
    parts = [one_line(p) for p in (sub.lang, sub.codec, sub.name) if p]
    text = " · ".join(parts) or "?"
    return f"{text} ({', '.join(flags)})" if flags else text


def animetosho_content(data: AnimeTosho) -> Content:
    """AnimeTosho's files with their size and subtitle tracks, or what its status means."""
    if not data.ready:
        note = ANIMETOSHO_STATES.get(data.status)
        return Content(t(note) if note else one_line(data.message or data.status))
    lines: list[Content] = []
    for file in data.files:
        name = one_line(file.filename) or "?"
        lines.append(
            Content.assemble((name, "bold"), (f"  {human_size(file.filesize)}", "$text-muted"))
        )
        lines.extend(Content(f"  {t('Subtitles')}: {sub_text(sub)}") for sub in file.subs)
    return Content("\n").join(lines)


class TorrentDetailScreen(AniScreen):
    """One torrent; `y` copies its magnet, `A` adds it to the Torrent API, `C` picks the
    country of its peers; Esc goes back."""

    MODE = "torrents"
    SCREEN_NAME = "Torrent"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_magnet", "Copy magnet"),
        Binding("d", "add_download", "Add to downloads"),
        Binding("a", "animetosho", "Ask AnimeTosho"),
        Binding("M", "more_comments", "More comments"),
        Binding("A", "add_to_torrent_api", "Add to Torrent API"),
        Binding("C", "peers_country", "Peers' country"),
    ]

    def __init__(self, hit: TorrentHit) -> None:
        super().__init__()
        self.hit = hit
        self.detail: TorrentDetail | None = None
        self.comments_shown = COMMENTS_PAGE
        """Top-level comments on screen (`M` adds `COMMENTS_PAGE`)."""
        self.animetosho: AnimeTosho | None = None
        """AnimeTosho's answer to `a`, which outdates the torrent's own field."""
        self.peer_countries: tuple[str, ...] = ()
        """The countries of the unfiltered peers report: the choices of `C`."""
        self.peers_country: str | None = None
        """The country whose peers are shown (the spec's `countryCode`); None: all."""

    def compose(self) -> ComposeResult:
        yield self.top_bar(one_line(self.hit.title))
        yield StatusLine(id="detail-status")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-facts")
            with Horizontal(id="detail-actions"):
                yield Button(t("Copy magnet"), id="detail-copy", compact=True)
                yield Button(f"⬇ {t('Add to downloads')}", id="detail-download", compact=True)
            yield Static(id="detail-magnet", markup=False)
            yield Static(id="detail-problems", classes="-hidden", markup=False)
            yield Label(t("Files"), classes="section -hidden", id="detail-files-label")
            files = KeyTable(id="detail-files", classes="-hidden", flexible=("path",))
            files.add_column(t("File"), key="path")
            files.add_column(t("Size"), key="size")
            yield files
            for name, label in (
                ("animetosho", "AnimeTosho"),
                ("peers", "Peers by country"),
                ("groups", "Groups"),
                ("description", "Description"),
                ("mediainfo", "Mediainfo"),
                ("screenshots", "Screenshots"),
                ("comments", "Comments"),
            ):
                yield Label(t(label), classes="section -hidden", id=f"detail-{name}-label")
                yield Static(id=f"detail-{name}", classes="-hidden")
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.watch(self.query_one("#detail-body"), "scroll_y", self.more_comments_at_end)
        self.start()

    def start(self) -> None:
        self.show_facts()
        self.query_one("#detail-body").focus(scroll_visible=False)
        self.load()

    def action_refresh_screen(self) -> None:
        self.load()

    @work(exclusive=True, group="torrent-detail", exit_on_error=False)
    async def load(self) -> None:
        service = self.runtime.torrent_search
        status = self.query_one(StatusLine)
        status.show_loading()
        detail = await service.detail(self.hit)
        earlier = self.detail
        if detail.comments_error is not None and earlier is not None and earlier.comments:
            # A refresh that could not get the comments keeps the ones already read.
            detail = replace(detail, comments=earlier.comments)
        self.detail = detail
        self.peers_country = None
        if detail.peers is not None:
            self.peer_countries = tuple(c.code for c in detail.peers.countries if c.code)
        status.clear()
        self.show_detail(detail)

    # painting ------------------------------------------------------------------------------

    def show_facts(self, detail: TorrentDetail | None = None) -> None:
        hit = self.hit
        torrent = detail.torrent if detail else None
        lines = [Content.assemble((one_line(hit.title), "bold $accent"))]
        lines.append(fact("Size", human_size(hit.size)))
        peers = [
            f"{t('Seeders')} {hit.seeders if hit.seeders is not None else '—'}",
            f"{t('Leechers')} {hit.leechers if hit.leechers is not None else '—'}",
            f"{t('Completed')} {hit.completed if hit.completed is not None else '—'}",
        ]
        lines.append(fact("Peers", " · ".join(peers)))
        lines.append(fact("Date", date_text(hit.date)))
        if hit.group:
            lines.append(fact("Group", hit.group))
        lines.append(fact("Subtitle level", level_text(hit.level)))
        if hit.languages:
            lines.append(fact("Languages", ", ".join(hit.languages)))
        if torrent is not None and torrent.audio_langs:
            lines.append(fact("Audio", ", ".join(torrent.audio_langs)))
        lines.append(fact("Sources", ", ".join(SOURCE_NAMES[s] for s in hit.sources)))
        if hit.infohash:
            lines.append(fact("Info-hash", hit.infohash))
        if hit.imdb:
            lines.append(fact("IMDb", hit.imdb))
        info = detail.info if detail else None
        if info is not None and info.category:
            lines.append(fact("Category", info.category))
        alive = info.alive if info is not None else hit.alive
        if alive is False:
            lines.append(Content.assemble((t("Few peers share this torrent."), "$warning")))
        self.query_one("#detail-facts", Static).update(Content("\n").join(lines))
        magnet = detail.shown_magnet if detail else None
        self.query_one("#detail-magnet", Static).update(Content(magnet or self.hit.magnet or ""))

    def show_detail(self, detail: TorrentDetail) -> None:
        self.show_facts(detail)
        problems = [problem_text(source, error) for source, error in detail.errors.items()]
        note = self.query_one("#detail-problems", Static)
        note.update(Content("\n".join(problems)))
        note.set_class(not problems, "-hidden")
        torrent = detail.torrent
        files = self.query_one("#detail-files", KeyTable)
        files.clear()
        if torrent is not None:
            files.add_rows(
                [cell(f.path or f.name), cell(human_size(f.length))] for f in torrent.files
            )
        metadata = detail.anilibria.metadata if detail.anilibria else None
        if metadata is not None:
            files.add_rows([cell(f.file), cell(human_size(f.size))] for f in metadata.files_list)
        self.reveal("files", files.row_count > 0)
        self.show_peers(detail)
        groups: list[Content] = []
        for group in torrent.groups if torrent else ():
            role = t("uploader") if group.uploading_group else one_line(group.role)
            name = one_line(group.display_name or group.name) or "?"
            groups.append(Content.assemble((name, "bold"), (f"  {role}", "$text-muted")))
            groups.extend(
                Content(f"  {one_line(m.display_name or m.username)} · {one_line(m.role)}")
                for m in group.members
            )
        self.fill("groups", Content("\n").join(groups) if groups else None)
        self.fill("description", markdown_content(torrent.description) if torrent else None)
        self.fill("mediainfo", Content(clean(torrent.mediainfo)) if torrent else None)
        shots = torrent.screenshots if torrent else ()
        self.fill("screenshots", Content("\n".join(one_line(s) for s in shots)) if shots else None)
        self.show_animetosho()
        self.show_comments()

    def show_peers(self, detail: TorrentDetail) -> None:
        """The peers of the chosen country (all at first) by country and per day."""
        peers = detail.peers
        chart: list[Content] = []
        if self.peer_countries:
            country = self.peers_country or t("all")
            line = t("Country: {country} (C to choose)", country=country)
            chart.append(Content.assemble((line, "$text-muted")))
        if peers is not None and peers.countries:
            day = peers.day.isoformat() if peers.day else ""
            chart.append(Content.assemble((f"{day} · {peers.total_peers}", "$text-muted")))
            chart.append(peers_chart(peers))
        if detail.peers_days:
            chart.append(Content.assemble((t("Peers per day"), "$text-muted")))
            chart.append(bars([(d.day.isoformat(), d.peers) for d in detail.peers_days]))
        self.fill("peers", Content("\n").join(chart) if chart else None)

    def show_animetosho(self) -> None:
        torrent = self.detail.torrent if self.detail else None
        data = self.animetosho or (torrent.animetosho if torrent is not None else None)
        self.fill("animetosho", animetosho_content(data) if data is not None else None)

    def show_comments(self) -> None:
        detail = self.detail
        comments = detail.comments if detail else ()
        shown = comments[: self.comments_shown]
        lines = comment_lines(shown)
        notes: list[tuple[str, str]] = []
        if len(shown) < len(comments):
            more = t(
                "{shown} of {total} comments: scroll on or press M for more",
                shown=len(shown),
                total=len(comments),
            )
            notes.append((more, "$text-muted"))
        elif comments:
            notes.append((t("End of the comments ({total}).", total=len(comments)), "$text-muted"))
        error = detail.comments_error if detail else None
        if error is not None:
            reason = describe_error(error)
            problem = (
                t("The comments could not be refreshed: {reason}", reason=reason)
                if comments
                else t("The comments could not be loaded: {reason}", reason=reason)
            )
            notes.append((f"{problem} · {t('press ctrl+r to retry')}", "$warning"))
        lines.extend(Content.assemble(note) for note in notes)
        self.fill("comments", Content("\n").join(lines) if lines else None)
        # A page that does not reach the bottom of the screen leaves the reader at the end.
        self.call_after_refresh(self.more_comments_at_end)

    def more_comments_at_end(self) -> None:
        """Show the next comments when the detail is scrolled (or fits) to its end."""
        body = self.query_one("#detail-body", VerticalScroll)
        comments = self.detail.comments if self.detail else ()
        at_end = body.scroll_y >= body.max_scroll_y - NEAR_END
        if at_end and self.comments_shown < len(comments):
            self.comments_shown += COMMENTS_PAGE
            self.show_comments()

    def fill(self, name: str, content: Content | None) -> None:
        """Show section `name` with `content`, or hide it when there is nothing."""
        present = content is not None and bool(content.plain.strip())
        self.query_one(f"#detail-{name}", Static).update(content if content is not None else "")
        self.reveal(name, present)

    def reveal(self, name: str, present: bool) -> None:
        self.query_one(f"#detail-{name}-label").set_class(not present, "-hidden")
        self.query_one(f"#detail-{name}").set_class(not present, "-hidden")

    # actions -------------------------------------------------------------------------------

    def action_copy_magnet(self) -> None:
        magnet = self.detail.magnet if self.detail else self.hit.magnet
        if not magnet:
            tell(self, t("No magnet link for this torrent."), severity="warning")
            return
        self.post_message(CopyRequested(magnet, t("Magnet link")))

    @on(Button.Pressed, "#detail-download")
    @work(group="detail-download", exit_on_error=False)
    async def action_add_download(self) -> None:
        """Queue this torrent: its .torrent file where a source serves one, else its magnet."""
        from app.services.torrent_meta import (
            TorrentInputError,
            parse_info_hash,
            parse_magnet,
            parse_torrent,
        )

        hit = self.hit
        magnet = self.detail.magnet if self.detail else hit.magnet
        try:
            data = await self.runtime.torrent_search.torrent_to_download(
                hit, anilibria_session=self.runtime.favorites.session
            )
            if data is not None:
                spec = await asyncio.to_thread(parse_torrent, data)
            elif magnet:
                spec = parse_magnet(magnet)
            elif hit.infohash:
                spec = parse_info_hash(hit.infohash)
            else:
                tell(self, t("This torrent has nothing to download from."))
                return
        except (SourceError, TorrentInputError) as error:
            tell(
                self,
                t("Cannot download this torrent: {reason}", reason=describe_error(error)),
                severity="error",
            )
            return
        source = (
            "nekobt" if hit.nekobt_id else "anilibria" if hit.anilibria_title_id else "torrentapi"
        )
        self.post_message(DownloadRequested(spec, source=source, title_name=hit.title))

    def action_more_comments(self) -> None:
        comments = self.detail.comments if self.detail else ()
        if self.comments_shown >= len(comments):
            tell(self, t("No more comments."))
            return
        self.comments_shown += COMMENTS_PAGE
        self.show_comments()

    @work(exclusive=True, group="detail-animetosho", exit_on_error=False)
    async def action_animetosho(self) -> None:
        """Ask nekoBT for AnimeTosho's data (one request: it may take a minute)."""
        torrent_id = self.hit.nekobt_id
        if torrent_id is None:
            tell(self, t("AnimeTosho data comes through nekoBT: this torrent is not on nekoBT."))
            return
        self.fill("animetosho", Content(t("Asking AnimeTosho…")))
        try:
            self.animetosho = await self.runtime.torrent_search.nekobt.animetosho(
                torrent_id, wait=False
            )
        except AnimeToshoError as error:
            # Its final "no" in its own words (skipped, no media…).
            self.animetosho = AnimeTosho("refused", message=error.message)
        except SourceError as error:
            tell(self, t("AnimeTosho: {reason}", reason=describe_error(error)), severity="error")
            self.show_animetosho()
            return
        self.show_animetosho()

    @work(group="detail-add", exit_on_error=False)
    async def action_add_to_torrent_api(self) -> None:
        """Add this torrent to the Torrent API's database (its add endpoint)."""
        infohash = self.hit.infohash
        if not infohash:
            tell(self, t("This torrent has no info-hash to add."), severity="warning")
            return
        try:
            await self.runtime.torrent_search.add_to_torrent_api(infohash)
        except SourceError as error:
            tell(self, problem_text(Source.TORRENT_API, error), severity="error")
            return
        tell(self, t("Added to the Torrent API's database."))

    @work(exclusive=True, group="detail-peers", exit_on_error=False)
    async def action_peers_country(self) -> None:
        """Show the peers of the next country of the report (after the last one: all)."""
        detail = self.detail
        infohash = self.hit.infohash
        if detail is None or not infohash or not self.peer_countries:
            tell(self, t("No peers by country for this torrent."))
            return
        choices: tuple[str | None, ...] = (None, *self.peer_countries)
        previous = self.peers_country
        country = choices[(choices.index(previous) + 1) % len(choices)]
        # Chosen at once, so a quick second `C` moves on from here (this worker is replaced).
        self.peers_country = country
        try:
            peers, days = await self.runtime.torrent_search.peers(infohash, country_code=country)
        except SourceError as error:
            self.peers_country = previous
            tell(self, problem_text(Source.TORRENT_API, error), severity="error")
            return
        self.detail = replace(detail, peers=peers, peers_days=days)
        self.show_peers(self.detail)

    @on(Button.Pressed, "#detail-copy")
    def copy_pressed(self) -> None:
        self.action_copy_magnet()

"""One torrent search over nekoBT, the Torrent API and AniLibria's own torrents.

The query decides which sources can answer: an info-hash (40 hex digits) asks nekoBT's search
(its `infohash_match`) and the Torrent API's `torrent`; an IMDb id (`tt` + digits) asks the
Torrent API's `movie`; any other text asks nekoBT's search and AniLibria's title search (whose
titles carry their torrents). Sources are asked concurrently; one failing is reported beside the
others' results, never instead of them, and `search_progressively` gives the results so far as
each source answers, so a slow or rate-limited source holds up only its own hits. Hits of
several sources with the same info-hash become one `TorrentHit` listing every source.

No Textual here: the Torrents screens call this from their workers.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Literal, get_args
from urllib.parse import quote

from app.services.catalog import CatalogService, SearchQuery
from app.sources.anilibria.models import Title
from app.sources.anilibria.models import Torrent as AniLibriaTorrent
from app.sources.errors import NotFoundError, RateLimitedError, SourceError
from app.sources.nekobt.client import NekoBtClient, TorrentSort, mask_passkey
from app.sources.nekobt.models import Comment, Langs, TorrentSearch
from app.sources.nekobt.models import Torrent as NekoTorrent
from app.sources.torrentapi.client import TorrentApiClient
from app.sources.torrentapi.models import (
    MovieTorrent,
    PeersHistory,
    TorrentInfo,
    is_imdb_id,
    is_infohash,
)


class Source(StrEnum):
    """Where a hit came from."""

    NEKOBT = "nekobt"
    TORRENT_API = "torrentapi"
    ANILIBRIA = "anilibria"


SOURCE_NAMES = {
    Source.NEKOBT: "nekoBT",
    Source.TORRENT_API: "Torrent API",
    Source.ANILIBRIA: "AniLibria",
}
"""How each source is named on screen (brand names: never translated)."""

QueryKind = Literal["empty", "text", "infohash", "imdb"]
LanguageField = Literal["fansub", "sub", "audio"]

PAGE_SIZE = 50
"""nekoBT results per page (the API's default and a screenful or two)."""

ANILIBRIA_TITLES = 5
"""AniLibria titles whose torrents a text search lists."""

ANILIBRIA_HIT_FIELDS = ("id", "code", "names", "torrents.list")
"""What the hits need of an AniLibria title, all in the one searchTitles answer. The torrents'
file lists (`include=torrent_meta`) are not among them: a torrent's detail and the file picker
ask getTitle for them, for that one title."""

MEDIA_ID = re.compile(r"[sm]\d+")
"""nekoBT's media ids: `s…` series, `m…` movies."""

NO_EPISODE = 0
"""An episode id no torrent has: what asks for episodes a media does not have."""

PEERS_DAYS = 7
"""Days of Torrent API peers totals the detail shows."""


@dataclass(frozen=True)
class Language:
    """A language the filters offer: nekoBT's code ("es-419", "enm") and English name."""

    code: str
    name: str


FALLBACK_LANGUAGES: tuple[Language, ...] = (
    Language("en", "English"),
    Language("enm", "English (Weeb)"),
    Language("ru", "Russian"),
    Language("es-419", "Spanish (Latin America)"),
    Language("pt-br", "Portuguese (Brazil)"),
    Language("fr-fr", "French"),
    Language("de", "German"),
    Language("ja", "Japanese"),
)
"""The languages offered while nekoBT's `/langs` cannot be had (`enm`: machine-translated
English, "Weeb" in nekoBT's words)."""


class SourceUnavailableError(SourceError):
    """A source that cannot be asked in this run (the Torrent API without a URL and key)."""


class UploaderNeedsKeyError(SourceError):
    """An uploader filter given by name without a nekoBT API key, which its user search needs."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"nekoBT: finding the uploader {name!r} by name needs an API key",
            api=SOURCE_NAMES[Source.NEKOBT],
        )
        self.name = name


class UnknownFilterError(SourceError):
    """A media, release group or uploader filter that names nothing nekoBT knows."""

    def __init__(self, kind: Literal["media", "group", "uploader"], name: str) -> None:
        super().__init__(f"nekoBT: no {kind} matches {name!r}", api=SOURCE_NAMES[Source.NEKOBT])
        self.kind = kind
        self.name = name


@dataclass(frozen=True)
class Uploader:
    """A nekoBT user the uploader filter can take: found by their exact username."""

    id: str
    username: str
    display_name: str
    torrents: int | None = None
    """How many torrents they uploaded, asked only when several users share the name (to
    tell them apart); None when not asked or not answered."""


@dataclass(frozen=True)
class MediaChoice:
    """A nekoBT media the search recommends: what the media filter takes."""

    id: str
    title: str


def classify(query: str) -> QueryKind:
    """What kind of query `query` is: an info-hash, an IMDb id, free text, or nothing."""
    text = query.strip()
    if not text:
        return "empty"
    if is_infohash(text):
        return "infohash"
    if is_imdb_id(text.lower()):
        return "imdb"
    return "text"


VIDEO_CODECS: tuple[tuple[int, str], ...] = ((1, "AVC"), (2, "HEVC"), (3, "AV1"), (4, "MPEG-2"))
"""nekoBT's video codec ids (the spec lists none; these are the ones its tags show)."""

VIDEO_TYPES: tuple[tuple[int, str], ...] = ((3, "DVD"), (7, "BD"), (9, "WEB-DL"), (13, "WEBRip"))
"""nekoBT's video type ids (the spec lists none; these are the ones its tags show)."""

SUBTITLE_LEVELS = (-1, 0, 1, 2, 3, 4)
"""nekoBT's subtitle levels: -1 no subtitles, then 0 … 4."""


@dataclass(frozen=True)
class TorrentFilters:
    """What the user narrowed the search to: every parameter of nekoBT's torrent search but
    the query and the page. nekoBT applies its filters itself; the other sources' hits are kept
    only when they are known to match (a filter on a field a source does not report drops its
    hits)."""

    sources: frozenset[Source] = frozenset(Source)
    sort_by: TorrentSort | None = None
    """nekoBT's `sort_by`; None is the API's "best". Other sources' hits are sorted alike."""
    levels: tuple[int, ...] = ()
    """Subtitle levels (-1 no subtitles … 4)."""
    audio_languages: tuple[str, ...] = ()
    """Audio language codes: a hit matches with any of them in its audio."""
    sub_languages: tuple[str, ...] = ()
    """Official subtitle language codes: a hit matches with any of them in its subtitles."""
    fansub_languages: tuple[str, ...] = ()
    """Fansub language codes: a hit matches with any of them in its fansubs. The three filter
    together ("Japanese audio with English fansubs"). Hits of other sources are compared with
    the languages they report in each (AniLibria: its Russian voice-over, no subtitles)."""
    video_codecs: tuple[int, ...] = ()
    video_types: tuple[int, ...] = ()
    hardsub: bool | None = None
    mtl: bool | None = None
    otl: bool | None = None
    media: str = ""
    """nekoBT's media id ("s12") or a title to look it up by (the most similar one)."""
    episodes: tuple[int, ...] = ()
    """Episode numbers of `media` (ignored without one); a torrent must have all of them, or
    any of them with `episode_match_any`."""
    episode_match_any: bool = False
    group: str = ""
    """A release group's id, name or tag."""
    group_primary: bool = True
    """Torrents the group uploaded itself."""
    group_secondary: bool = False
    """Torrents the group helped with."""
    group_childs: bool = True
    """Torrents of the group's sub-groups."""
    group_parents: bool = False
    """Torrents of the groups the group belongs to."""
    uploader: str = ""
    """An uploader's user id (what nekoBT's search takes)."""
    uploader_name: str = ""
    """The username `uploader` was found by; "" when the id was given. A name with no id is a
    name nekoBT's user search did not resolve: the search then finds no nekoBT torrents."""
    uploader_uploads: bool = True
    uploader_contributions: bool = False
    after: float | None = None
    """Unix seconds: uploaded after."""
    before: float | None = None
    """Unix seconds: uploaded before."""

    @property
    def narrows(self) -> bool:
        """Whether a filter other than the sources and the order is set."""
        return self.nekobt_only or bool(
            self.levels
            or self.audio_languages
            or self.sub_languages
            or self.fansub_languages
            or self.video_codecs
            or self.hardsub is not None
            or self.mtl is not None
            or self.after is not None
            or self.before is not None
        )

    @property
    def nekobt_only(self) -> bool:
        """Whether a filter is set that only nekoBT's hits can be known to match (media,
        episodes, group, uploader, video type, OTL)."""
        return bool(
            self.media
            or self.group
            or self.uploader
            or self.uploader_name
            or self.video_types
            or self.otl is not None
        )

    def to_json(self) -> str:
        """The filters as a JSON object, for `from_json` in a later run."""
        values = asdict(self)
        values["sources"] = sorted(source.value for source in self.sources)
        return json.dumps(values, ensure_ascii=False, sort_keys=True)

    def languages(self, field: LanguageField) -> tuple[str, ...]:
        """The language codes chosen for `field`."""
        chosen = {
            "audio": self.audio_languages,
            "sub": self.sub_languages,
            "fansub": self.fansub_languages,
        }
        return chosen[field]

    @classmethod
    def from_json(cls, text: str) -> TorrentFilters:
        """The filters `to_json` wrote. A key this version does not know is ignored and a
        missing one keeps its default (filters saved by another version still load); a value
        of the wrong kind raises `ValueError`: no half-read filters are ever searched with.
        Filters of versions that filtered one language field at a time (`languages` and their
        `language_field`) come back as that field's languages."""
        try:
            values = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ValueError("the saved filters are not JSON") from exc
        if not isinstance(values, dict):
            raise ValueError("the saved filters are not a JSON object")
        read: dict[str, Any] = {
            name: _read_filter(name, _FILTER_READERS[name], values[name])
            for name in (f.name for f in fields(cls))
            if name in values
        }
        old = {
            name: _read_filter(name, reader, values[name])
            for name, reader in _OLD_FILTER_READERS.items()
            if name in values
        }
        if "languages" in old:
            read.setdefault(f"{old.get('language_field', 'fansub')}_languages", old["languages"])
        return cls(**read)


def _read_filter(name: str, reader: Callable[[object], object], value: object) -> object:
    try:
        return reader(value)
    except ValueError as exc:
        raise ValueError(f"the saved filter {name!r} is unreadable") from exc


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(value)


def _maybe_flag(value: object) -> bool | None:
    return None if value is None else _flag(value)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(value)


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(_text(item) for item in value)
    raise ValueError(value)


def _number(value: object) -> int:
    # JSON's true is a Python bool, and bool is an int: it is no number here.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def _numbers(value: object) -> tuple[int, ...]:
    if isinstance(value, list):
        return tuple(_number(item) for item in value)
    raise ValueError(value)


def _seconds(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ValueError(value)


def _sources(value: object) -> frozenset[Source]:
    # Source() raises ValueError for a name it does not know; no source at all searches nothing.
    sources = frozenset(Source(name) for name in _texts(value))
    if sources:
        return sources
    raise ValueError(value)


def _one_of(choices: tuple[str, ...]) -> Callable[[object], str]:
    def read(value: object) -> str:
        if value in choices:
            return _text(value)
        raise ValueError(value)

    return read


def _maybe_one_of(choices: tuple[str, ...]) -> Callable[[object], str | None]:
    return lambda value: None if value is None else _one_of(choices)(value)


_FILTER_READERS: dict[str, Callable[[object], object]] = {
    "sources": _sources,
    "sort_by": _maybe_one_of(get_args(TorrentSort)),
    "levels": _numbers,
    "audio_languages": _texts,
    "sub_languages": _texts,
    "fansub_languages": _texts,
    "video_codecs": _numbers,
    "video_types": _numbers,
    "hardsub": _maybe_flag,
    "mtl": _maybe_flag,
    "otl": _maybe_flag,
    "media": _text,
    "episodes": _numbers,
    "episode_match_any": _flag,
    "group": _text,
    "group_primary": _flag,
    "group_secondary": _flag,
    "group_childs": _flag,
    "group_parents": _flag,
    "uploader": _text,
    "uploader_name": _text,
    "uploader_uploads": _flag,
    "uploader_contributions": _flag,
    "after": _seconds,
    "before": _seconds,
}
"""How `TorrentFilters.from_json` reads each field; each raises `ValueError` on a wrong kind."""

_OLD_FILTER_READERS: dict[str, Callable[[object], object]] = {
    "languages": _texts,
    "language_field": _one_of(get_args(LanguageField)),
}
"""The keys of filters saved while one language field was filtered at a time (`languages` of
their `language_field`, "fansub" when absent), checked as strictly as the others."""


@dataclass(frozen=True)
class TorrentHit:
    """One torrent as the results list shows it, whichever sources know it."""

    title: str
    infohash: str | None
    """Lower case, or None when the source did not say."""
    size: int | None
    seeders: int | None
    leechers: int | None
    completed: int | None
    date: float | None
    """Unix seconds of the upload (or of when the source learnt of it)."""
    group: str | None
    level: int | None
    languages: tuple[str, ...]
    """Subtitle languages (fansub first), or the voice-over's for AniLibria: what the row
    shows."""
    sources: tuple[Source, ...]
    nekobt_id: str | None = None
    anilibria_title_id: int | None = None
    anilibria_torrent_id: int | None = None
    imdb: str | None = None
    magnet: str | None = None
    alive: bool | None = None
    hardsub: bool | None = None
    mtl: bool | None = None
    video_codec: int | None = None
    audio_languages: tuple[str, ...] = ()
    sub_languages: tuple[str, ...] = ()
    fansub_languages: tuple[str, ...] = ()
    """Each field's languages as the source reports them (none: not reported), for the
    language filters."""

    def merged_with(self, other: TorrentHit) -> TorrentHit:
        """This hit completed by `other` (the same info-hash from another source): this one's
        values win, `other` fills what it lacks, peers counts take the larger."""
        changes: dict[str, Any] = {}
        for name in (
            "infohash", "size", "date", "group", "level", "nekobt_id", "anilibria_title_id",
            "anilibria_torrent_id", "imdb", "magnet", "alive", "hardsub", "mtl", "video_codec",
        ):  # fmt: skip
            if getattr(self, name) is None:
                changes[name] = getattr(other, name)
        for name in ("seeders", "leechers", "completed"):
            mine, theirs = getattr(self, name), getattr(other, name)
            changes[name] = theirs if mine is None else max(mine, theirs or 0)
        for name in ("languages", "audio_languages", "sub_languages", "fansub_languages"):
            if not getattr(self, name):
                changes[name] = getattr(other, name)
        changes["sources"] = self.sources + tuple(s for s in other.sources if s not in self.sources)
        return replace(self, **changes)


@dataclass(frozen=True)
class TorrentSearchResult:
    """A page of results and what else the sources said."""

    kind: QueryKind
    hits: tuple[TorrentHit, ...]
    more: bool
    """nekoBT has a next page (`search(..., page=page + 1)`)."""
    hints: tuple[str, ...] = ()
    """nekoBT's recommended / similar media and the filters it read from the query; the
    Torrent API's movie title."""
    errors: Mapping[Source, SourceError] = field(default_factory=dict)
    """Sources that failed or cannot be asked (`SourceUnavailableError`); the hits are the
    others'."""
    answered: tuple[Source, ...] = ()
    """The sources asked that answered (with hits or without)."""
    jump: TorrentHit | None = None
    """The hit an info-hash query matched, when one did."""
    pending: tuple[Source, ...] = ()
    """The sources asked that have not answered yet: their hits are still to come."""
    recommended: MediaChoice | None = None
    """nekoBT's recommended media for the query (most results are of it)."""


@dataclass(frozen=True)
class PeersDay:
    """The Torrent API's total peers of one day."""

    day: date
    peers: int


@dataclass(frozen=True)
class TorrentDetail:
    """Everything known about one hit; a part whose source failed is empty, with the error in
    `errors`."""

    hit: TorrentHit
    torrent: NekoTorrent | None = None
    """nekoBT's full torrent: files, description, mediainfo, groups, screenshots."""
    comments: tuple[Comment, ...] = ()
    comments_error: SourceError | None = None
    """Why `comments` is empty when nekoBT did not give them (asked apart from the torrent:
    one can fail while the other comes)."""
    info: TorrentInfo | None = None
    peers: PeersHistory | None = None
    """The Torrent API's peers of its last calculated day, by country (most first)."""
    peers_days: tuple[PeersDay, ...] = ()
    """Total peers of the last `PEERS_DAYS` days, oldest first."""
    anilibria: AniLibriaTorrent | None = None
    errors: Mapping[Source, SourceError] = field(default_factory=dict)

    @property
    def magnet(self) -> str | None:
        """The magnet to copy: nekoBT's (your own, with passkey, when signed in) or one built
        from the info-hash."""
        if self.torrent is not None and (self.torrent.private_magnet or self.torrent.magnet):
            return self.torrent.private_magnet or self.torrent.magnet
        return self.hit.magnet or magnet_for(self.hit.infohash, self.hit.title)

    @property
    def shown_magnet(self) -> str | None:
        """`magnet` with a tracker passkey masked, for the screen."""
        magnet = self.magnet
        return None if magnet is None else mask_passkey(magnet)


def magnet_for(infohash: str | None, name: str | None) -> str | None:
    """A trackerless magnet for `infohash`, named `name`."""
    if not infohash:
        return None
    link = f"magnet:?xt=urn:btih:{infohash}"
    return f"{link}&dn={quote(name)}" if name else link


# -- hits from each source ---------------------------------------------------------------------


def hit_from_nekobt(torrent: NekoTorrent) -> TorrentHit:
    """A hit from a nekoBT search row or torrent."""
    group = torrent.primary_group or (torrent.groups[0] if torrent.groups else None)
    langs = torrent.fsub_langs + tuple(x for x in torrent.sub_langs if x not in torrent.fsub_langs)
    return TorrentHit(
        title=torrent.title or torrent.auto_title or "",
        infohash=torrent.infohash.lower() if torrent.infohash else None,
        size=torrent.filesize,
        seeders=torrent.seeders,
        leechers=torrent.leechers,
        completed=torrent.completed,
        date=torrent.uploaded_at,
        group=(group.display_name or group.name) if group else None,
        level=torrent.level,
        languages=langs,
        sources=(Source.NEKOBT,),
        audio_languages=torrent.audio_langs,
        sub_languages=torrent.sub_langs,
        fansub_languages=torrent.fsub_langs,
        nekobt_id=torrent.id,
        magnet=torrent.magnet,
        hardsub=torrent.hardsub,
        mtl=torrent.mtl,
        video_codec=torrent.video_codec,
    )


def hit_from_movie(torrent: MovieTorrent, imdb: str | None) -> TorrentHit:
    """A hit from a Torrent API movie's torrent."""
    return TorrentHit(
        title=torrent.name or "",
        infohash=torrent.infohash.lower() if torrent.infohash else None,
        size=torrent.size or None,
        seeders=None,
        leechers=None,
        completed=None,
        date=torrent.date_added.timestamp() if torrent.date_added else None,
        group=None,
        level=None,
        languages=(),
        sources=(Source.TORRENT_API,),
        imdb=imdb,
        alive=torrent.alive,
    )


def hit_from_info(info: TorrentInfo) -> TorrentHit:
    """A hit from the Torrent API's information about one torrent."""
    return TorrentHit(
        title=info.torrent_name or info.title or "",
        infohash=info.infohash.lower() if info.infohash else None,
        size=info.size or None,
        seeders=None,
        leechers=None,
        completed=None,
        date=info.date_added.timestamp() if info.date_added else None,
        group=None,
        level=None,
        languages=(),
        sources=(Source.TORRENT_API,),
        imdb=info.imdb_id,
        alive=info.alive,
    )


def release_name(title: Title, torrent: AniLibriaTorrent) -> str:
    """What one of an AniLibria title's torrents is called wherever it is listed or queued:
    the title, its quality and its episode range ("Драконья бухгалтерия · WEBRip 1080p · 1-6"),
    so that two torrents of one title can be told apart."""
    parts = (title.display_name, torrent.quality.string, torrent.series.string)
    return " · ".join(p for p in parts if p)


def hit_from_anilibria(title: Title, torrent: AniLibriaTorrent) -> TorrentHit:
    """A hit from one of an AniLibria title's torrents (AniLibria voices in Russian)."""
    label = release_name(title, torrent)
    infohash = torrent.hash.lower() if torrent.hash and is_infohash(torrent.hash) else None
    return TorrentHit(
        title=label,
        infohash=infohash,
        size=torrent.total_size or None,
        seeders=torrent.seeders,
        leechers=torrent.leechers,
        completed=torrent.downloads,
        date=float(torrent.uploaded_timestamp) if torrent.uploaded_timestamp else None,
        group="AniLibria",
        level=None,
        languages=("ru",),
        sources=(Source.ANILIBRIA,),
        audio_languages=("ru",),
        anilibria_title_id=title.id,
        anilibria_torrent_id=torrent.torrent_id,
        magnet=magnet_for(infohash, label),
    )


def identity(hit: TorrentHit) -> str | None:
    """What makes two hits the same torrent: the info-hash, else nekoBT's id; None: unknown."""
    if hit.infohash:
        return hit.infohash
    return f"nekobt:{hit.nekobt_id}" if hit.nekobt_id else None


def merge(hits: Iterable[TorrentHit]) -> list[TorrentHit]:
    """`hits` in order, those sharing an info-hash folded into the first of them."""
    return list(merge_page((), hits).hits)


@dataclass(frozen=True)
class MergedPage:
    """A later page added to the hits already listed."""

    hits: tuple[TorrentHit, ...]
    """Every hit now: the listed ones (some completed by the page), then the new ones."""
    changed: tuple[int, ...]
    """Rows of the listed hits that a hit of the page was folded into, in order."""
    added: tuple[TorrentHit, ...]
    """The page's hits that were not listed yet (the end of `hits`)."""


def merge_page(listed: Sequence[TorrentHit], page: Iterable[TorrentHit]) -> MergedPage:
    """`page` appended to `listed`: a hit whose info-hash is already there (from another
    source on page 0, or a torrent that moved to the next page while the user read) is folded
    into that row instead of listed twice; so are repeats within the page."""
    hits = list(listed)
    where: dict[str, int] = {}
    for index, hit in enumerate(hits):
        key = identity(hit)
        if key is not None:
            where.setdefault(key, index)
    changed: set[int] = set()
    for hit in page:
        key = identity(hit)
        if key is not None and key in where:
            index = where[key]
            merged = hits[index].merged_with(hit)
            if index < len(listed) and merged != hits[index]:
                changed.add(index)
            hits[index] = merged
            continue
        if key is not None:
            where[key] = len(hits)
        hits.append(hit)
    return MergedPage(tuple(hits), tuple(sorted(changed)), tuple(hits[len(listed) :]))


def passes(hit: TorrentHit, filters: TorrentFilters) -> bool:
    """Whether a hit nekoBT did not filter is known to match `filters`."""
    if filters.levels and hit.level not in filters.levels:
        return False
    for wanted, known in (
        (filters.audio_languages, hit.audio_languages),
        (filters.sub_languages, hit.sub_languages),
        (filters.fansub_languages, hit.fansub_languages),
    ):
        if wanted and not set(wanted) & set(known):
            return False
    if filters.video_codecs and hit.video_codec not in filters.video_codecs:
        return False
    if filters.hardsub is not None and hit.hardsub != filters.hardsub:
        return False
    if filters.mtl is not None and hit.mtl != filters.mtl:
        return False
    if filters.after is not None and (hit.date is None or hit.date <= filters.after):
        return False
    if filters.before is not None and (hit.date is None or hit.date >= filters.before):
        return False
    return not filters.nekobt_only


_SORT_KEYS: dict[str, tuple[Callable[[TorrentHit], float], bool]] = {
    "latest": (lambda h: h.date or 0.0, True),
    "rss": (lambda h: h.date or 0.0, True),
    "oldest": (lambda h: h.date or float("inf"), False),
    "seeders": (lambda h: h.seeders or 0, True),
    "seeders_asc": (lambda h: h.seeders or 0, False),
    "leechers": (lambda h: h.leechers or 0, True),
    "leechers_asc": (lambda h: h.leechers or 0, False),
    "downloads": (lambda h: h.completed or 0, True),
    "downloads_asc": (lambda h: h.completed or 0, False),
    "filesize": (lambda h: h.size or 0, True),
    "filesize_asc": (lambda h: h.size or 0, False),
}


def sort_hits(hits: list[TorrentHit], sort_by: str | None) -> list[TorrentHit]:
    """`hits` in the order `sort_by` names; "best" and unknown orders keep the given order."""
    key = _SORT_KEYS.get(sort_by or "")
    if key is None:
        return hits
    return sorted(hits, key=key[0], reverse=key[1])


def _languages(langs: Langs) -> tuple[Language, ...]:
    return tuple(
        Language(lang.code, lang.name or lang.code)
        for lang in langs.langs.values()
        if lang.code.strip()
    )


# -- the service -------------------------------------------------------------------------------

_Hits = tuple[list[TorrentHit], bool, list[str], MediaChoice | None]
"""What one source's search gives: hits, whether more exist, hints, the recommended media."""


def _answer(call: asyncio.Future[_Hits]) -> _Hits | SourceError:
    """A finished source's hits, or the `SourceError` it failed with (any other error is a bug
    and is raised)."""
    error = call.exception()
    if isinstance(error, SourceError):
        return error
    if error is not None:
        raise error
    return call.result()


def _collect(
    text: str,
    kind: QueryKind,
    filters: TorrentFilters,
    page: int,
    sources: Sequence[Source],
    answers: Mapping[Source, _Hits | SourceError],
    resume: TorrentSearchResult | None,
) -> TorrentSearchResult:
    """The result so far: `resume`'s, then what the `sources` that answered gave, in the order
    of `sources` whichever answered first."""
    hits = list(resume.hits) if resume else []
    hints = list(resume.hints) if resume else []
    errors = {s: e for s, e in resume.errors.items() if s not in sources} if resume else {}
    answered = list(resume.answered) if resume else []
    more = resume.more if resume else False
    recommended = resume.recommended if resume else None
    for source in sources:
        answer = answers.get(source)
        if answer is None:
            continue
        if isinstance(answer, SourceError):
            errors[source] = answer
            continue
        found, source_more, source_hints, source_recommended = answer
        recommended = recommended or source_recommended
        if source is not Source.NEKOBT:
            found = [h for h in found if passes(h, filters)]
        answered.append(source)
        hits.extend(found)
        more = more or source_more
        hints.extend(source_hints)
    pending = tuple(s for s in sources if s not in answers)
    merged = merge(hits)
    if page == 0 and len({*answered, *errors, *pending}) > 1:
        merged = sort_hits(merged, filters.sort_by)
    jump = None
    if kind == "infohash":
        jump = next((h for h in merged if h.infohash == text.lower()), None)
    return TorrentSearchResult(
        kind, tuple(merged), more, tuple(hints), errors, tuple(answered), jump, pending, recommended
    )


class TorrentSearchService:
    """Searches and details across the three sources (`torrentapi` None: not configured)."""

    def __init__(
        self,
        nekobt: NekoBtClient,
        torrentapi: TorrentApiClient | None,
        anilibria_catalog: CatalogService,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.nekobt = nekobt
        self.torrentapi = torrentapi
        self.catalog = anilibria_catalog
        self.page_size = page_size
        self._languages: tuple[Language, ...] | None = None
        self._languages_lock = asyncio.Lock()
        self._uploaders: dict[str, Uploader] = {}

    async def languages(self) -> tuple[Language, ...]:
        """nekoBT's languages (`/langs`), asked once per run. When nekoBT cannot answer: the
        ones the disk cache kept from an earlier run, else `FALLBACK_LANGUAGES` (neither is
        remembered, so the next call asks again)."""
        async with self._languages_lock:
            if self._languages is not None:
                return self._languages
            try:
                langs = (await self.nekobt.langs()).value
            except SourceError:
                try:
                    langs = (await self.nekobt.langs(cache_only=True)).value
                except SourceError:
                    return FALLBACK_LANGUAGES
                return _languages(langs) or FALLBACK_LANGUAGES
            found = _languages(langs)
            if not found:
                return FALLBACK_LANGUAGES
            self._languages = found
            return found

    async def search(
        self, query: str, filters: TorrentFilters | None = None, page: int = 0
    ) -> TorrentSearchResult:
        """Page `page` (0-based) of the hits for `query`, once every source has answered."""
        return [result async for result in self.search_progressively(query, filters, page)][-1]

    async def search_progressively(
        self,
        query: str,
        filters: TorrentFilters | None = None,
        page: int = 0,
        *,
        resume: TorrentSearchResult | None = None,
    ) -> AsyncGenerator[TorrentSearchResult, None]:
        """Page `page` (0-based) of the hits for `query`, given again each time a source answers
        (`pending` names those still asked; the last result has none). Later pages come from
        nekoBT only (the other sources answer everything at once on page 0).

        With `resume` (an earlier result of the same page), only its rate-limited sources are
        asked again and their hits join the ones it has; the first result is `resume`'s own,
        with those sources pending.
        """
        filters = filters or TorrentFilters()
        text = query.strip()
        kind = classify(text)
        sources = self._sources_for(kind, filters, page)
        if resume is not None:
            sources = [s for s in sources if isinstance(resume.errors.get(s), RateLimitedError)]
        asked = {
            source: asyncio.ensure_future(self._ask(source, text, kind, filters, page))
            for source in sources
        }
        answers: dict[Source, _Hits | SourceError] = {}
        try:
            if resume is not None and asked:
                # Where the resumed search stands: its answers, with the sources asked again.
                yield _collect(text, kind, filters, page, sources, answers, resume)
            waiting: set[asyncio.Future[_Hits]] = set(asked.values())
            while waiting:
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for source, call in asked.items():
                    if call in done:
                        answers[source] = _answer(call)
                yield _collect(text, kind, filters, page, sources, answers, resume)
            if not asked:
                yield _collect(text, kind, filters, page, sources, answers, resume)
        finally:
            # Left early (the caller stopped listening, or a source failed in a way that is a
            # bug): nobody wants the other answers.
            for call in asked.values():
                call.cancel()

    @staticmethod
    def _sources_for(kind: QueryKind, filters: TorrentFilters, page: int) -> list[Source]:
        """The sources that can answer page `page` of a `kind` query, of those `filters` want."""
        wanted = filters.sources
        sources = []
        if Source.NEKOBT in wanted and kind in ("text", "infohash"):
            sources.append(Source.NEKOBT)
        if page == 0 and Source.TORRENT_API in wanted and kind in ("infohash", "imdb"):
            sources.append(Source.TORRENT_API)
        if page == 0 and Source.ANILIBRIA in wanted and kind == "text":
            sources.append(Source.ANILIBRIA)
        return sources

    def _ask(
        self, source: Source, text: str, kind: QueryKind, filters: TorrentFilters, page: int
    ) -> Awaitable[_Hits]:
        if source is Source.NEKOBT:
            return self._nekobt(text, filters, page)
        if source is Source.TORRENT_API:
            return self._torrentapi(text, kind)
        return self._anilibria(text)

    async def _nekobt(self, text: str, filters: TorrentFilters, page: int) -> _Hits:
        media_id = await self._media_id(filters.media) if filters.media.strip() else None
        episode_ids = (
            await self._episode_ids(media_id, filters.episodes)
            if media_id and filters.episodes
            else None
        )
        group_id = await self._group_id(filters.group) if filters.group.strip() else None
        uploader_id = filters.uploader.strip() or None
        name = filters.uploader_name.strip()
        if uploader_id is None and name:
            if not self.nekobt.authenticated:
                raise UploaderNeedsKeyError(name)
            raise UnknownFilterError("uploader", name)
        answer: TorrentSearch = await self.nekobt.search_torrents(
            text,
            limit=self.page_size,
            offset=page * self.page_size,
            sort_by=filters.sort_by,
            media_id=media_id,
            episode_ids=episode_ids,
            episode_match_any=filters.episode_match_any if episode_ids else None,
            levels=filters.levels or None,
            audio_langs=filters.audio_languages or None,
            sub_langs=filters.sub_languages or None,
            fansub_langs=filters.fansub_languages or None,
            video_codecs=filters.video_codecs or None,
            video_types=filters.video_types or None,
            hardsub=filters.hardsub,
            otl=filters.otl,
            mtl=filters.mtl,
            # The scope flags mean nothing without their group or uploader: left to the API's
            # defaults then.
            group_id=group_id,
            group_primary=filters.group_primary if group_id else None,
            group_secondary=filters.group_secondary if group_id else None,
            group_childs=filters.group_childs if group_id else None,
            group_parents=filters.group_parents if group_id else None,
            uploader_id=uploader_id,
            uploader_uploads=filters.uploader_uploads if uploader_id else None,
            uploader_contributions=filters.uploader_contributions if uploader_id else None,
            after=filters.after,
            before=filters.before,
        )
        hits = [hit_from_nekobt(t) for t in answer.results]
        if answer.infohash_match:
            # The match first: it is what an info-hash query is for.
            hits.sort(key=lambda h: h.nekobt_id != answer.infohash_match)
        hints: list[str] = []
        recommended = None
        if page == 0:
            media = answer.recommended_media
            if media and media.title:
                hints.append(f"nekoBT: {media.title}")
                if media.id and media.id != media_id:
                    recommended = MediaChoice(media.id, media.title)
            similar = [m.title for m in answer.similar_media if m.title]
            if similar:
                hints.append("nekoBT ≈ " + ", ".join(similar))
            hints.extend(f"nekoBT: {s}" for s in answer.summary)
        return hits, answer.more, hints, recommended

    async def _media_id(self, media: str) -> str:
        """The id of the media `media` names: an id as it is, else the most similar title."""
        text = media.strip()
        if MEDIA_ID.fullmatch(text):
            return text
        found = await self.nekobt.search_media(text, limit=1)
        if not found.results or not found.results[0].id:
            raise UnknownFilterError("media", text)
        return found.results[0].id

    async def _episode_ids(self, media_id: str, episodes: tuple[int, ...]) -> tuple[int, ...]:
        """nekoBT's ids of episodes `episodes` (numbers) of `media_id`, in any season."""
        media = (await self.nekobt.media(media_id, force=True)).value
        wanted = set(episodes)
        ids = tuple(e.id for e in media.episodes if e.id is not None and e.episode in wanted)
        # An episode the media does not have matches nothing, as the user asked: an id no
        # torrent carries says so to the API.
        return ids or (NO_EPISODE,)

    async def _group_id(self, group: str) -> str:
        """The id of the release group `group` names: an id as it is, else the group whose
        name or tag it is (else the best match of nekoBT's group search)."""
        text = group.strip()
        if text.isdigit():
            return text
        found = (await self.nekobt.search_groups(text, limit=20)).results
        wanted = text.casefold()
        for summary in found:
            names = (summary.name, summary.display_name, summary.tag, summary.display_tag)
            if summary.id and any(n and n.casefold() == wanted for n in names):
                return summary.id
        if not found or not found[0].id:
            raise UnknownFilterError("group", text)
        return found[0].id

    async def find_uploaders(self, name: str) -> tuple[Uploader, ...]:
        """The nekoBT users named exactly `name` (nekoBT finds nobody by part of a name), for
        the uploader filter. Several are each asked for their upload count, to tell them apart.
        nekoBT's user search needs the API key: `NekoBtAuthError` without one."""
        found = [u for u in (await self.nekobt.search_users(name)).results if u.id]
        uploaders = [
            Uploader(u.id or "", u.username or "", u.display_name or u.username or "")
            for u in found
        ]
        if len(uploaders) < 2:
            return tuple(uploaders)
        profiles = await asyncio.gather(
            *(self.nekobt.user(u.id) for u in uploaders), return_exceptions=True
        )
        counted = []
        for uploader, profile in zip(uploaders, profiles, strict=True):
            if isinstance(profile, SourceError):
                # The count only helps to choose: without it the choice is still there.
                counted.append(uploader)
            elif isinstance(profile, BaseException):
                raise profile
            else:
                counted.append(replace(uploader, torrents=profile.torrent_count))
        return tuple(counted)

    def known_uploader(self, name: str) -> Uploader | None:
        """The uploader `name` was resolved to in this run (found alone, or chosen)."""
        return self._uploaders.get(name)

    def remember_uploader(self, name: str, uploader: Uploader) -> None:
        """`name` stands for `uploader` from now on in this run: looked up once, a name of
        several users chosen once (a language switch rebuilds the panel; it must not ask
        again)."""
        self._uploaders[name] = uploader

    def _configured_torrentapi(self) -> TorrentApiClient:
        """The Torrent API client; `SourceUnavailableError` when it has no URL and key."""
        if self.torrentapi is None:
            raise SourceUnavailableError(
                "Torrent API: no URL and key configured", api=SOURCE_NAMES[Source.TORRENT_API]
            )
        return self.torrentapi

    async def _torrentapi(self, text: str, kind: QueryKind) -> _Hits:
        torrentapi = self._configured_torrentapi()
        if kind == "imdb":
            movie = (await torrentapi.movie(text.lower())).value
            hits = [hit_from_movie(t, movie.imdb) for t in movie.torrents]
            hints = [f"IMDb {movie.imdb or text}: {movie.title}"] if movie.title else []
            return hits, False, hints, None
        try:
            info = (await torrentapi.torrent(text)).value
        except NotFoundError:
            # Unknown to the Torrent API is an answer, not a failure.
            return [], False, [], None
        return [hit_from_info(info)], False, [], None

    async def _anilibria(self, text: str) -> _Hits:
        titles = await self.catalog.search(
            SearchQuery(text=text), limit=ANILIBRIA_TITLES, fields=ANILIBRIA_HIT_FIELDS
        )
        hits = [
            hit_from_anilibria(title, torrent)
            for title in titles
            for torrent in (title.torrents.list if title.torrents else ())
        ]
        return hits, False, [], None

    # -- detail --------------------------------------------------------------------------------

    async def detail(self, hit: TorrentHit) -> TorrentDetail:
        """Everything the sources know of `hit`: nekoBT's torrent and comments, the Torrent
        API's information and peers history, AniLibria's torrent; asked concurrently."""
        parts: dict[str, tuple[Source, Awaitable[Any]]] = {}
        if hit.nekobt_id:
            parts["torrent"] = (Source.NEKOBT, self.nekobt.torrent(hit.nekobt_id))
            parts["comments"] = (Source.NEKOBT, self.nekobt.comments(hit.nekobt_id))
        if hit.infohash and self.torrentapi is not None:
            parts["info"] = (Source.TORRENT_API, self._info(hit.infohash))
            parts["peers"] = (Source.TORRENT_API, self._peers(hit.infohash))
        if hit.anilibria_title_id is not None:
            parts["anilibria"] = (Source.ANILIBRIA, self._anilibria_torrent(hit))
        answers = await asyncio.gather(*(p[1] for p in parts.values()), return_exceptions=True)
        values: dict[str, Any] = {}
        errors: dict[Source, SourceError] = {}
        comments_error = None
        for (name, (source, _call)), answer in zip(parts.items(), answers, strict=True):
            if isinstance(answer, SourceError):
                errors.setdefault(source, answer)
                if name == "comments":
                    comments_error = answer
            elif isinstance(answer, BaseException):
                raise answer
            else:
                values[name] = answer
        torrent = values["torrent"].value if "torrent" in values else None
        peers, days = values.get("peers", (None, ()))
        return TorrentDetail(
            hit=hit,
            torrent=torrent,
            comments=values["comments"].value if "comments" in values else (),
            comments_error=comments_error,
            info=values.get("info"),
            peers=peers,
            peers_days=days,
            anilibria=values.get("anilibria"),
            errors=errors,
        )

    async def _info(self, infohash: str) -> TorrentInfo | None:
        assert self.torrentapi is not None
        try:
            return (await self.torrentapi.torrent(infohash)).value
        except NotFoundError:
            return None

    async def peers(
        self, infohash: str, *, country_code: str | None = None
    ) -> tuple[PeersHistory | None, tuple[PeersDay, ...]]:
        """The Torrent API's peers of `infohash` on its last calculated day and the totals of
        the `PEERS_DAYS` days up to it, of one country when `country_code` (ISO alpha-2) says;
        (None, ()) for a torrent it does not know. `SourceUnavailableError` when not set up."""
        self._configured_torrentapi()
        return await self._peers(infohash, country_code)

    async def add_to_torrent_api(self, infohash: str) -> None:
        """Add the torrent `infohash` to the Torrent API's database (its add endpoint)."""
        await self._configured_torrentapi().add(infohash)

    async def _peers(
        self, infohash: str, country_code: str | None = None
    ) -> tuple[PeersHistory | None, tuple[PeersDay, ...]]:
        assert self.torrentapi is not None
        try:
            latest = (await self.torrentapi.peers(infohash, country_code=country_code)).value
        except NotFoundError:
            return None, ()
        if latest.day is None:
            return latest, ()
        days = [latest.day - timedelta(days=n) for n in range(PEERS_DAYS - 1, 0, -1)]
        earlier = await asyncio.gather(
            *(
                self.torrentapi.peers(infohash, day=day, country_code=country_code, short=True)
                for day in days
            )
        )
        history = [PeersDay(day, f.value.total_peers) for day, f in zip(days, earlier, strict=True)]
        history.append(PeersDay(latest.day, latest.total_peers))
        return latest, tuple(history)

    async def torrent_to_download(
        self, hit: TorrentHit, *, anilibria_session: str | None = None
    ) -> bytes | None:
        """The .torrent file of `hit` when a source serves one (nekoBT, AniLibria); None means
        its magnet (or bare info-hash) is all there is. AniLibria's is fetched with the
        account's `anilibria_session` when given, so the download counts to the account."""
        if hit.nekobt_id is not None:
            # Without a key, the public file: no passkey to leak, trackers anyone may use.
            return await self.nekobt.download_torrent(
                hit.nekobt_id, public=not self.nekobt.authenticated
            )
        if hit.anilibria_title_id is not None:
            torrent = await self._anilibria_torrent(hit)
            if torrent is not None:
                return await self.catalog.torrent_file(torrent, session=anilibria_session)
        return None

    async def _anilibria_torrent(self, hit: TorrentHit) -> AniLibriaTorrent | None:
        assert hit.anilibria_title_id is not None
        # torrent_meta adds each torrent's file list, which the plain title leaves out.
        fetched = await self.catalog.client.get_title(
            id=hit.anilibria_title_id, include="torrent_meta"
        )
        title = fetched.value
        torrents = title.torrents.list if title.torrents else ()
        return next((t for t in torrents if t.torrent_id == hit.anilibria_torrent_id), None)

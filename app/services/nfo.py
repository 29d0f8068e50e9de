"""Kodi / Jellyfin metadata for a series folder: `tvshow.nfo`, `poster.jpg`, `fanart.jpg` and,
with `[library] episode_nfo`, an `<episode file stem>.nfo` beside each episode file.

`NfoService` answers the NFO actions of the Aniworld download manager (its `/api/nfo`
endpoints) as calls: the state of a folder (`state`), `create` (refused with `NfoExistsError`,
the spec's 409, when a tvshow.nfo is there and no overwrite was asked), `update` (the title
read again from the API, the artwork fetched again), `read`, `download_missing_media`,
`create_many` (at most `[library] nfo_concurrency` series at a time, with a summary) and
`without_nfo`. The metadata is AniLibria's, not TMDB's: the caller names the title.

Files are built with ElementTree (UTF-8, with the XML declaration; text reduced to what XML 1.0
allows), written atomically (a new file in the same folder, then renamed over the target) and
only inside the series folder: a file whose folder resolves elsewhere (a symlink out) is
refused. A file already there — the user's own poster, an episode NFO — is never replaced
unless the call asks to overwrite; even then a symlink is replaced, never written through.

Each document carries, after its XML declaration, a comment with the SHA-256 of the rest
(`written_by_anitui`): a tvshow.nfo that still matches it is anitui's own, unedited, and
`write_automatically` keeps it up to date (a series that grows or ends); once the user edits
it, it is theirs and never replaced by itself.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import os
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from app.plaintext import clean, html_to_text, one_line
from app.services.catalog import CatalogService
from app.services.errors import ExplainedError
from app.sources.anilibria.models import Episode, Title
from app.sources.errors import SourceError

TVSHOW_NFO = "tvshow.nfo"
EPISODE_NFO_SUFFIX = ".nfo"
STUDIO = "AniLibria"
"""The voice-over studio: the API names no animation studio."""
UNIQUE_ID_TYPE = "anilibria"

_NOT_IN_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
"""What `clean` leaves that XML 1.0 still forbids: surrogates (a JSON `\\ud800` decodes to
one) and the two non-characters."""
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})
"""What `link` raises on a file system without hard links (FAT, exFAT: media drives)."""
_TEAM_CREDITS = ("translator", "editing", "decor", "timing")
"""The team's roles written as credits; the voices are the cast."""
_SIGNATURE_TEXT = b"<!-- anitui sha256:%s: kept up to date by anitui until edited -->"
_SIGNATURE = re.compile(rb"<!-- anitui sha256:([0-9a-f]{64}): [^\n]* -->")
_STATUS_WORDS = {1: "Continuing", 2: "Ended", 4: "Ended"}
"""Kodi's show status for AniLibria's status codes (3, hidden, says nothing)."""


# --------------------------------------------------------------------------------------------
# Errors


class NfoError(ExplainedError):
    """An NFO action could not be done; the message names the folder or file."""


class NfoExistsError(NfoError):
    """The folder has a tvshow.nfo and the call did not ask to overwrite it (the spec's 409)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            "{folder} already has a tvshow.nfo: it is kept unless you choose to overwrite it.",
            folder=str(folder),
        )


class NfoMissingError(NfoError):
    """The folder has no tvshow.nfo to update or read (the spec's 404)."""

    def __init__(self, folder: Path) -> None:
        super().__init__("{folder} has no tvshow.nfo yet: create it first.", folder=str(folder))


class SeriesFolderError(NfoError):
    """The series folder is missing or is not a folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            "The series folder {folder} is missing or not a folder.", folder=str(folder)
        )


class OutsideFolderError(NfoError):
    """A file would land outside the series folder (its folder is a symlink out of it)."""

    def __init__(self, file: Path, folder: Path) -> None:
        super().__init__(
            "{file} lies outside the series folder {folder}: nothing is written there.",
            file=str(file),
            folder=str(folder),
        )


class NfoFileError(NfoError):
    """A file could not be written or read; the reason is the system's."""

    def __init__(self, file: Path, reason: str) -> None:
        super().__init__(
            "{file} could not be written or read: {reason}.", file=str(file), reason=reason
        )


class NotAnImageError(NfoError):
    """The server answered an artwork request with something that is no image (a page)."""

    def __init__(self, file: Path) -> None:
        super().__init__("The server sent no image for {file}.", file=str(file))


# --------------------------------------------------------------------------------------------
# What the calls take and give


class Artwork(Enum):
    """The artwork files of a series folder, by the names Kodi and Jellyfin look for."""

    POSTER = "poster.jpg"
    FANART = "fanart.jpg"


class ArtworkStatus(Enum):
    PRESENT = "present"
    """The file is in the folder."""
    MISSING = "missing"
    """Not in the folder, and the title has one to download (or no title was given to ask)."""
    NONE_AT_SOURCE = "none at source"
    """Not in the folder, and the source has none: no poster, or (fanart) no episode preview."""
    FAILED = "failed"
    """This call could not fetch or write it (`ArtworkState.error` says why); a file that was
    there before is still there."""


@dataclass(frozen=True, slots=True)
class ArtworkState:
    kind: Artwork
    path: Path
    status: ArtworkStatus
    error: Exception | None = None
    """Why it FAILED: a `SourceError` (already redacted) or an `NfoError`."""


@dataclass(frozen=True, slots=True)
class EpisodeFile:
    """An episode's video file in the series folder, and the episode it holds."""

    path: Path
    episode: int | float


@dataclass(frozen=True, slots=True)
class SeriesFolder:
    """A series folder of the library, the title it holds and its episode files."""

    folder: Path
    title: Title
    episodes: tuple[EpisodeFile, ...] = ()


@dataclass(frozen=True, slots=True)
class NfoState:
    """A series folder's NFO and artwork (the spec's `check`), and what the call that made it
    could not do."""

    folder: Path
    has_nfo: bool
    poster: ArtworkState
    fanart: ArtworkState
    episode_failures: tuple[tuple[Path, NfoError], ...] = ()
    """The episode NFOs that could not be written, each with its reason."""

    @property
    def nfo_path(self) -> Path:
        return self.folder / TVSHOW_NFO

    @property
    def has_media(self) -> bool:
        """Whether any artwork is in the folder."""
        return ArtworkStatus.PRESENT in (self.poster.status, self.fanart.status)


@dataclass(frozen=True, slots=True)
class NfoContent:
    """A tvshow.nfo as the spec's `content` gives it."""

    path: Path
    text: str
    size: int
    modified: float
    """Seconds since the epoch."""


class BatchOutcome(Enum):
    CREATED = "created"
    SKIPPED = "skipped"
    """It already had a tvshow.nfo (and no overwrite was asked)."""
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class BatchItem:
    series: SeriesFolder
    outcome: BatchOutcome
    state: NfoState | None = None
    """The folder after a creation (its artwork may still have failed)."""
    error: Exception | None = None
    """Why it FAILED."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """What `create_many` did, series by series in the order given."""

    items: tuple[BatchItem, ...] = field(default_factory=tuple)

    def _count(self, outcome: BatchOutcome) -> int:
        return sum(1 for item in self.items if item.outcome is outcome)

    @property
    def created(self) -> int:
        return self._count(BatchOutcome.CREATED)

    @property
    def skipped(self) -> int:
        return self._count(BatchOutcome.SKIPPED)

    @property
    def failed(self) -> int:
        return self._count(BatchOutcome.FAILED)


Writer = Callable[[Path, bytes, bool], Awaitable[None]]
"""Writes `data` to a path whose folder was checked, replacing a file there only when told
(else `FileExistsError`)."""


# --------------------------------------------------------------------------------------------
# Files


def write_atomically(path: Path, data: bytes, replace: bool) -> None:
    """Write `data` to `path` through a new file beside it: readers see the old file or the
    whole new one. Without `replace` an existing `path` (a symlink too) raises
    `FileExistsError` and is left alone; with it a symlink is replaced, not written through.
    """
    # O_EXCL never opens an existing file or follows a symlink; mode 0666 less the umask lets a
    # media server running as another user read what it is meant to read.
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.part")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _link_new(temporary: Path, path: Path) -> None:
    """Give `temporary`'s file the name `path` unless something has that name (a hard link
    fails rather than replace)."""
    try:
        os.link(temporary, path, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        # No hard links here: look, then rename (a file made in between would be replaced).
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(temporary, path)


async def write_in_thread(path: Path, data: bytes, replace: bool) -> None:
    """`write_atomically` off the event loop (fsync can take a while on a slow disk)."""
    await asyncio.to_thread(write_atomically, path, data, replace)


def _series_root(folder: Path) -> Path:
    resolved = folder.resolve()
    if not resolved.is_dir():
        raise SeriesFolderError(folder)
    return resolved


def _confined(root: Path, target: Path) -> Path:
    """`target` with its folder resolved; refused unless that folder is `root` or inside it."""
    parent = target.parent.resolve()
    if not parent.is_relative_to(root):
        raise OutsideFolderError(target, root)
    return parent / target.name


def _is_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


# --------------------------------------------------------------------------------------------
# The documents


def _xml_text(text: str | None, *, lines: bool = False) -> str:
    """`text` as XML 1.0 may hold it: control characters gone, on one line unless `lines`."""
    return _NOT_IN_XML.sub("", clean(text) if lines else one_line(text))


def _add(
    parent: ET.Element, tag: str, text: str | int | None, *, lines: bool = False, **attributes: str
) -> None:
    """A child element with `text` (on one line unless `lines`); nothing when it is empty."""
    value = _xml_text(str(text) if isinstance(text, int) else text, lines=lines)
    if value:
        ET.SubElement(parent, tag, attributes).text = value


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    out = io.BytesIO()
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    declaration, _, body = (out.getvalue() + b"\n").partition(b"\n")
    signature = _SIGNATURE_TEXT % hashlib.sha256(body).hexdigest().encode()
    return b"\n".join((declaration, signature, body))


def written_by_anitui(document: bytes) -> bool:
    """Whether `document` is an NFO anitui wrote, unedited since: its signature comment
    holds the SHA-256 of what follows it."""
    declaration, _, rest = document.partition(b"\n")
    signature, _, body = rest.partition(b"\n")
    found = _SIGNATURE.fullmatch(signature)
    return (
        declaration.startswith(b"<?xml")
        and found is not None
        and found.group(1) == hashlib.sha256(body).hexdigest().encode()
    )


def _day(timestamp: int | None) -> str | None:
    """A Unix time as the date Kodi reads (`2019-04-03`), in UTC."""
    if not timestamp:
        return None
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _episodes(title: Title) -> tuple[Episode, ...]:
    return title.player.episodes if title.player is not None else ()


def tvshow_nfo(title: Title) -> bytes:
    """The title's tvshow.nfo in Kodi's schema (Jellyfin reads the same)."""
    show = ET.Element("tvshow")
    _add(show, "title", title.display_name)
    names = title.names
    _add(show, "originaltitle", names.alternative or names.en)
    _add(show, "plot", html_to_text(title.description), lines=True)
    # The first episode's upload is the nearest the API comes to a premiere date.
    first_aired = min(
        (e.created_timestamp for e in _episodes(title) if e.created_timestamp), default=None
    )
    premiered = _day(first_aired)
    year = title.season.year if title.season is not None else None
    _add(show, "year", year or (int(premiered[:4]) if premiered else None))
    _add(show, "premiered", premiered)
    status = title.status.code if title.status is not None else None
    _add(show, "status", _STATUS_WORDS.get(status or 0))
    for genre in title.genres:
        _add(show, "genre", genre)
    _add(show, "studio", STUDIO)
    _add(show, "uniqueid", title.id, type=UNIQUE_ID_TYPE, default="true")
    _add(show, "uniqueid", title.shikimori_id, type="shikimori")
    _add(show, "uniqueid", title.mal_id, type="mal")
    if title.team is not None:
        # One credit per person, whatever their roles.
        credited = (name for role in _TEAM_CREDITS for name in getattr(title.team, role))
        for name in dict.fromkeys(credited):
            _add(show, "credits", name)
        # A name that was nothing but control characters names no one.
        voices = (name for name in map(_xml_text, title.team.voice) if name)
        for order, name in enumerate(voices):
            actor = ET.SubElement(show, "actor")
            _add(actor, "name", name)
            _add(actor, "role", "Voice")
            _add(actor, "order", order)
    return _document(show)


def episode_nfo(title: Title, number: int | float) -> bytes:
    """The `episodedetails` NFO of episode `number` of `title`.

    Whole episodes from 1 are season 1; 0 and in-between ones (12.5) are specials (season 0)
    shown before the next whole episode."""
    details = ET.Element("episodedetails")
    episode = next((e for e in _episodes(title) if e.serie == number), None)
    _add(details, "title", episode.name if episode is not None else None)
    whole = float(number).is_integer() and number >= 1
    _add(details, "season", 1 if whole else 0)
    _add(details, "episode", int(number))
    if not whole:
        _add(details, "displayseason", 1)
        _add(details, "displayepisode", int(number) + 1)
    _add(details, "aired", _day(episode.created_timestamp) if episode is not None else None)
    _add(details, "uniqueid", episode.uuid if episode is not None else None, type=UNIQUE_ID_TYPE)
    return _document(details)


def _artwork_url(title: Title, kind: Artwork) -> str | None:
    """Where the source keeps the artwork: the largest poster; for fanart (a wide picture) the
    first episode preview. None when it has none."""
    if kind is Artwork.POSTER:
        posters = title.posters
        if posters is None:
            return None
        return posters.original.url or posters.medium.url or posters.small.url
    return next((e.preview for e in _episodes(title) if e.preview), None)


# --------------------------------------------------------------------------------------------
# The service


class NfoService:
    """The NFO actions on series folders (see the module)."""

    def __init__(
        self,
        catalog: CatalogService,
        *,
        automatic: bool = False,
        episode_nfo: bool = False,
        concurrency: int = 3,
        write: Writer = write_in_thread,
    ) -> None:
        """`automatic`: `write_automatically` writes (`[library] nfo`); `episode_nfo`: an NFO
        per episode file too (`[library] episode_nfo`); `concurrency`: the series
        `create_many` works on at once (`[library] nfo_concurrency`); `write`: how a checked
        file is written (tests count the writes)."""
        self._catalog = catalog
        self._automatic = automatic
        self._episode_nfo = episode_nfo
        self._concurrency = concurrency
        self._write = write

    def state(self, folder: Path, title: Title | None = None) -> NfoState:
        """What the folder has; with `title`, artwork the source lacks is NONE_AT_SOURCE."""
        return NfoState(
            folder,
            (folder / TVSHOW_NFO).is_file(),
            self._artwork_state(folder, Artwork.POSTER, title),
            self._artwork_state(folder, Artwork.FANART, title),
        )

    async def create(
        self,
        series: SeriesFolder,
        *,
        overwrite: bool = False,
        media: bool = True,
    ) -> NfoState:
        """Write the folder's tvshow.nfo (and episode NFOs), then its artwork when `media`.

        Without `overwrite` an existing tvshow.nfo raises `NfoExistsError` and nothing is
        written; the files that are there (poster, fanart, episode NFOs) are kept. Artwork
        that cannot be had is reported in the state, the NFO is written all the same.
        """
        root = _series_root(series.folder)
        if not overwrite and os.path.lexists(root / TVSHOW_NFO):
            raise NfoExistsError(series.folder)
        return await self._write_series(series, root, overwrite=overwrite, media=media)

    async def update(self, series: SeriesFolder, *, media: bool = True) -> NfoState:
        """Rewrite the tvshow.nfo (and episode NFOs) from the title as the API gives it now,
        and fetch the artwork again when `media`. No tvshow.nfo yet: `NfoMissingError`. A
        `SourceError` from reading the title leaves every file as it was."""
        root = _series_root(series.folder)
        if not (root / TVSHOW_NFO).is_file():
            raise NfoMissingError(series.folder)
        fresh = (await self._catalog.title(series.title.id)).value
        refreshed = SeriesFolder(series.folder, fresh, series.episodes)
        return await self._write_series(refreshed, root, overwrite=True, media=media)

    async def write_automatically(self, series: SeriesFolder) -> NfoState | None:
        """With `[library] nfo`, write whatever of the series' files is missing: for a series
        just added or grown. Of the files there, only a tvshow.nfo anitui wrote and nobody
        edited is replaced, when the title reads differently now (it ended). Without
        `[library] nfo`, nothing (None)."""
        if not self._automatic:
            return None
        root = _series_root(series.folder)
        state = await self._write_series(series, root, overwrite=False, media=True)
        # Written before by anitui and untouched since: the show may have ended meanwhile.
        path = _confined(root, root / TVSHOW_NFO)
        fresh = tvshow_nfo(series.title)
        try:
            current = await asyncio.to_thread(path.read_bytes)
        except OSError:
            return state
        if current != fresh and written_by_anitui(current):
            await self._put(root, path, fresh, replace=True)
        return state

    def read(self, folder: Path) -> NfoContent:
        """The folder's tvshow.nfo; `NfoMissingError` when there is none."""
        root = _series_root(folder)
        path = root / TVSHOW_NFO
        if not path.is_file():
            raise NfoMissingError(folder)
        # A symlinked NFO is read only when it points inside the folder.
        if not path.resolve().is_relative_to(root):
            raise OutsideFolderError(path, root)
        try:
            data = path.read_bytes()
            modified = path.stat().st_mtime
        except OSError as error:
            raise NfoFileError(path, error.strerror or str(error)) from None
        return NfoContent(path, data.decode("utf-8", errors="replace"), len(data), modified)

    async def download_missing_media(self, series: SeriesFolder) -> NfoState:
        """Fetch the artwork the folder lacks; what is there is kept."""
        root = _series_root(series.folder)
        poster, fanart = await self._artwork(series.title, root, replace=False)
        return NfoState(series.folder, (root / TVSHOW_NFO).is_file(), poster, fanart)

    async def create_many(
        self, series: Sequence[SeriesFolder], *, overwrite: bool = False, media: bool = True
    ) -> BatchSummary:
        """`create` for each series, `concurrency` at a time. Without `overwrite` a series that
        has a tvshow.nfo is SKIPPED; one that cannot be written is FAILED with its reason, and
        the others go on."""
        gate = asyncio.Semaphore(self._concurrency)

        async def one(item: SeriesFolder) -> BatchItem:
            async with gate:
                try:
                    state = await self.create(item, overwrite=overwrite, media=media)
                except NfoExistsError:
                    return BatchItem(item, BatchOutcome.SKIPPED)
                except NfoError as error:
                    return BatchItem(item, BatchOutcome.FAILED, error=error)
                return BatchItem(item, BatchOutcome.CREATED, state)

        return BatchSummary(tuple(await asyncio.gather(*(one(item) for item in series))))

    def without_nfo(self, series: Iterable[SeriesFolder]) -> tuple[NfoState, ...]:
        """The states of the series that have no tvshow.nfo, in the order given."""
        states = (self.state(item.folder, item.title) for item in series)
        return tuple(state for state in states if not state.has_nfo)

    # -- writing -----------------------------------------------------------------------------

    async def _write_series(
        self, series: SeriesFolder, root: Path, *, overwrite: bool, media: bool
    ) -> NfoState:
        title = series.title
        await self._put(root, root / TVSHOW_NFO, tvshow_nfo(title), replace=overwrite)
        failures: list[tuple[Path, NfoError]] = []
        if self._episode_nfo:
            for episode in series.episodes:
                target = episode.path.with_name(episode.path.stem + EPISODE_NFO_SUFFIX)
                try:
                    await self._put(
                        root, target, episode_nfo(title, episode.episode), replace=overwrite
                    )
                except NfoError as error:
                    failures.append((target, error))
        if media:
            poster, fanart = await self._artwork(title, root, replace=overwrite)
        else:
            poster = self._artwork_state(root, Artwork.POSTER, title)
            fanart = self._artwork_state(root, Artwork.FANART, title)
        return NfoState(series.folder, True, poster, fanart, tuple(failures))

    async def _put(self, root: Path, target: Path, data: bytes, *, replace: bool) -> None:
        """Write `data` to `target` inside `root`; a file there is kept unless `replace`."""
        path = _confined(root, target)
        try:
            await self._write(path, data, replace)
        except FileExistsError:
            pass
        except OSError as error:
            raise NfoFileError(path, error.strerror or str(error)) from None

    async def _artwork(
        self, title: Title, root: Path, *, replace: bool
    ) -> tuple[ArtworkState, ArtworkState]:
        return (
            await self._fetch_artwork(title, root, Artwork.POSTER, replace=replace),
            await self._fetch_artwork(title, root, Artwork.FANART, replace=replace),
        )

    async def _fetch_artwork(
        self, title: Title, root: Path, kind: Artwork, *, replace: bool
    ) -> ArtworkState:
        path = root / kind.value
        url = _artwork_url(title, kind)
        if os.path.lexists(path) and (not replace or url is None):
            return ArtworkState(kind, path, ArtworkStatus.PRESENT)
        if url is None:
            return ArtworkState(kind, path, ArtworkStatus.NONE_AT_SOURCE)
        try:
            data = (await self._catalog.poster(url)).value
            if not _is_image(data):
                raise NotAnImageError(path)
            await self._put(root, path, data, replace=replace)
        except (SourceError, NfoError) as error:
            return ArtworkState(kind, path, ArtworkStatus.FAILED, error)
        return ArtworkState(kind, path, ArtworkStatus.PRESENT)

    def _artwork_state(self, folder: Path, kind: Artwork, title: Title | None) -> ArtworkState:
        path = folder / kind.value
        if path.is_file():
            status = ArtworkStatus.PRESENT
        elif title is not None and _artwork_url(title, kind) is None:
            status = ArtworkStatus.NONE_AT_SOURCE
        else:
            status = ArtworkStatus.MISSING
        return ArtworkState(kind, path, status)

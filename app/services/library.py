"""The local library (Aniworld's anime library, for a folder of anime): a folder per series under
`[library] root`, the episodes on disk, the ones missing.

Public surface, for the Library screen, "download missing", follow and NFO:

- `LibraryService.scan()` walks the root (off the event loop) and stores what it finds; one
  scan runs at a time (a second call waits for it). Incremental: a series whose folders kept
  their mtimes is not listed again. Bus events (`LocalLibraryEvent`): `LibraryScanStarted`,
  `LibraryScanProgressed`, `LibraryScanFinished` (with the `ScanResult` and its notes), and
  `LibraryScanFailed` when the root is missing or unreadable — then `LibraryRootError` is
  raised and the last result stays as it was.
- `keep_scanned(interval)`: a scan now and every `[library] rescan_interval` seconds.
- `series(sort="name" | "missing", no_episodes=False)`: the series, by name or by missing count
  (most first, unknown last); `no_episodes` keeps those with no video file (Aniworld's filter).
- `get(series_id)`, `by_title(title_id)`: one `Series`; `episodes(series_id)`: its video files.
- `missing(series_id)`: the episodes out on AniLibria (`CatalogService.title`) that no file has;
  it also remembers how many are out, which `Series.missing` and the sort by missing use.
- `add_series(title)`: makes the title's folder (named by `series_folder_name`) and marker,
  confined to the root, then scans it. `ensure_series(title_id)` does it for a title not in the
  library yet (fetching it), as a download of it is queued.
- `download_folder(title_id)`: where the queue saves a new download of a title that has a
  series (`[library] organize`; the queue asks it through its `folder_for` hook).
- `nfo_folder(series_id, title)`: the series as the NFO service describes it.
- `strays()`: downloads of a series' title saved outside its folder (the Library offers to
  move them: `DownloadQueue.relocate`; nothing moves by itself).

How a folder is matched to a title: its marker (`app/services/library_disk.py`), else the
info-hash of a known download saved into it (the queue's store knows which folder each torrent
landed in), else its name against the titles the user's data names (favorites, collections,
history, earlier matches), comparing letters and digits only, without a trailing `(year)`.
A folder that matches none is kept as a series without a title. Scans never delete or move a
file; a series whose folder is gone is forgotten by the database only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from app.services.errors import ExplainedError
from app.services.events import EventBus, LocalLibraryEvent
from app.services.library_disk import (
    FolderScan,
    LibraryRootError,
    Marker,
    Note,
    ensure_series_folder,
    read_marker,
    series_folder_name,
    walk_library,
    write_marker,
)
from app.services.nfo import EpisodeFile, SeriesFolder
from app.sources.anilibria.models import Title
from app.sources.errors import NotFoundError
from app.store.downloads import DownloadStore
from app.store.library import LibraryStore, MatchedBy, SeriesRecord

if TYPE_CHECKING:
    from app.services.catalog import CatalogService

__all__ = [
    "LibraryError",
    "LibraryRootError",
    "LibraryScanFailed",
    "LibraryScanFinished",
    "LibraryScanProgressed",
    "LibraryScanStarted",
    "LibraryService",
    "LocalEpisode",
    "ScanResult",
    "Series",
    "SeriesFilesChanged",
    "SeriesSort",
    "Stray",
]

log = logging.getLogger("anitui.library")

Number = int | float
SeriesSort = Literal["name", "missing"]

PROGRESS_STEPS = 50
"""A scan reports its progress about this many times, however many series it walks."""


class LibraryError(ExplainedError):
    """A library operation was refused (an unmatched series, an unknown title, a folder that
    belongs to another title …); the UI explains it."""


# -------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, slots=True)
class Series:
    """One series folder of the library."""

    id: int
    folder: Path
    """Its folder (absolute)."""
    folder_name: str
    """The folder's name as shown (bytes that are not UTF-8 replaced)."""
    title_id: int | None
    """The AniLibria title it was matched to; None: unmatched."""
    matched_by: MatchedBy | None
    name: str | None
    """The title's name as its marker gives it."""
    files: int
    """Video files in it."""
    episodes_on_disk: tuple[Number, ...]
    episodes_out: tuple[Number, ...] | None
    """Episodes out on AniLibria when last asked (`LibraryService.missing`); None: not asked."""

    @property
    def display_name(self) -> str:
        return self.name or self.folder_name

    @property
    def missing(self) -> tuple[Number, ...] | None:
        """Episodes out but on no file, in order; None until AniLibria was asked."""
        if self.episodes_out is None:
            return None
        have = set(self.episodes_on_disk)
        return tuple(e for e in self.episodes_out if e not in have)


@dataclass(frozen=True, slots=True)
class LocalEpisode:
    """One video file of a series."""

    path: Path
    """The file (absolute; names that are not UTF-8 kept as the OS spells them)."""
    shown: str
    """Its path in the series folder, as shown."""
    episode: Number | None
    size: int
    mtime: float


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan did."""

    root: Path
    series: int
    scanned: int
    """Series folders listed (new or changed)."""
    unchanged: int
    """Series folders skipped: their folders kept their mtimes."""
    notes: tuple[Note, ...]
    """Markers ignored, and why."""
    finished_at: float
    grown: tuple[int, ...] = ()
    """Series known before the scan that it found new episodes of (a download landed, the
    user copied files in): with `[library] nfo` they get their NFOs. Series found for the first
    time are not among them: a first scan of a big library writes nothing by itself."""


@dataclass(frozen=True, slots=True)
class Stray:
    """A download of a series' title whose files lie outside the series folder (made before
    the series had one): the Library offers to move it there."""

    download_id: str
    name: str
    series: Series


# -------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True)
class LibraryScanStarted(LocalLibraryEvent):
    root: Path


@dataclass(frozen=True)
class LibraryScanProgressed(LocalLibraryEvent):
    done: int
    total: int


@dataclass(frozen=True)
class LibraryScanFinished(LocalLibraryEvent):
    result: ScanResult


@dataclass(frozen=True)
class SeriesFilesChanged(LocalLibraryEvent):
    """Files of these series changed outside a scan (an NFO or artwork written): the screens
    that show them show them again."""

    series_ids: tuple[int, ...]


@dataclass(frozen=True)
class LibraryScanFailed(LocalLibraryEvent):
    """The root could not be walked; the library keeps the last scan's result."""

    error: LibraryRootError


# -------------------------------------------------------------------------------------------
# The service


class LibraryService:
    """The local library over the store (see the module docstring)."""

    def __init__(
        self,
        store: LibraryStore,
        downloads: DownloadStore,
        catalog: CatalogService,
        bus: EventBus,
        root: Path,
        *,
        download_root: Path,
        allow_outside_root: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`root`: the library's folder; `download_root`: the queue's (to find where known
        downloads landed); `allow_outside_root`: `[downloads] allow_outside_root`."""
        self._store = store
        self._downloads = downloads
        self._catalog = catalog
        self._bus = bus
        self._root = Path(root).expanduser()
        self._download_root = Path(download_root).expanduser()
        self._allow_outside = allow_outside_root
        self._clock = clock
        self._scan: asyncio.Future[ScanResult] | None = None
        self.last_scan: ScanResult | None = None
        """The last scan that finished (None before one did this run)."""

    @property
    def root(self) -> Path:
        return self._root

    @property
    def api(self) -> str:
        """The AniLibria API the titles ids belong to."""
        return self._catalog.client.api_name

    # reading -----------------------------------------------------------------------------

    def series(self, *, sort: SeriesSort = "name", no_episodes: bool = False) -> list[Series]:
        """Every series; `no_episodes`: only those without a video file."""
        found = [self._series(r) for r in self._store.all()]
        if no_episodes:
            found = [s for s in found if s.files == 0]
        by_name = sorted(found, key=lambda s: (s.display_name.casefold(), s.id))
        if sort == "name":
            return by_name
        return sorted(by_name, key=_missing_order)

    def get(self, series_id: int) -> Series | None:
        record = self._store.get(series_id)
        return None if record is None else self._series(record)

    def by_title(self, title_id: int) -> Series | None:
        record = self._store.by_title(title_id)
        return None if record is None else self._series(record)

    def episodes(self, series_id: int) -> list[LocalEpisode]:
        """A series' video files, by path."""
        series = self._require(series_id)
        return [
            LocalEpisode(
                path=series.folder / f.path,
                shown=_shown(f.path),
                episode=f.episode,
                size=f.size,
                mtime=f.mtime,
            )
            for f in self._store.files(series_id)
        ]

    async def missing(self, series_id: int) -> tuple[Number, ...]:
        """The episodes of the series' title out on AniLibria that no file has, in order.

        Raises `LibraryError` for a series without a title, or whose title AniLibria does not
        know (the match is then forgotten); the catalog's `SourceError`s pass through.
        """
        series = self._require(series_id)
        if series.title_id is None:
            raise LibraryError(
                "{folder} is not matched to an AniLibria title.", folder=series.folder_name
            )
        try:
            title = (await self._catalog.title(series.title_id)).value
        except NotFoundError as error:
            self._store.unmatch(series_id)
            raise LibraryError(
                "{folder} names title {title_id}, which AniLibria does not know: it is no"
                " longer matched.",
                folder=series.folder_name,
                title_id=series.title_id,
            ) from error
        self._store.set_episodes_out(series_id, episodes_out(title))
        missing = self._require(series_id).missing
        return missing or ()

    # scanning ----------------------------------------------------------------------------

    async def scan(self) -> ScanResult:
        """Walk the root and store its series and episodes (see the module docstring); while
        one scan runs, another call waits for it and gets its result."""
        if self._scan is None or self._scan.done():
            self._scan = asyncio.ensure_future(self._run_scan())
        return await asyncio.shield(self._scan)

    async def _run_scan(self) -> ScanResult:
        self._bus.publish(LibraryScanStarted(self._root))
        try:
            result = await asyncio.to_thread(self._scan_blocking)
        except LibraryRootError as error:
            log.warning("library scan failed: %s", error)
            self._bus.publish(LibraryScanFailed(error))
            raise
        self.last_scan = result
        log.info(
            "library scanned: %d series (%d listed, %d unchanged), %d notes",
            result.series,
            result.scanned,
            result.unchanged,
            len(result.notes),
        )
        self._bus.publish(LibraryScanFinished(result))
        return result

    def _scan_blocking(self) -> ScanResult:
        if _same_path(self._root, self._download_root) and not self._root.exists():
            # The download folder before the first download: nothing to scan, nothing wrong.
            return ScanResult(self._root, 0, 0, 0, (), self._clock())
        stored = self._store.all()
        known = {s.folder: s.dirs for s in stored}
        had = {s.folder: set(s.episodes_on_disk) for s in stored}
        step = 1

        def progress(done: int, total: int) -> None:
            nonlocal step
            step = max(1, total // PROGRESS_STEPS)
            if done % step == 0 or done == total:
                self._bus.publish(LibraryScanProgressed(done, total))

        scans = walk_library(
            self._root, known, api=self.api, allow_outside=self._allow_outside, progress=progress
        )
        changed = [s for s in scans if s.files is not None]
        if changed:
            self._save(changed, self._matcher())
        self._store.delete_except(s.folder for s in scans)
        grown = []
        for scan in changed:
            record = self._store.by_folder(scan.folder)
            if (
                record is not None
                and scan.folder in had
                and not set(record.episodes_on_disk) <= had[scan.folder]
            ):
                grown.append(record.id)
        return ScanResult(
            root=self._root,
            series=len(scans),
            scanned=len(changed),
            unchanged=len(scans) - len(changed),
            notes=tuple(s.note for s in scans if s.note is not None),
            finished_at=self._clock(),
            grown=tuple(grown),
        )

    def _save(self, scans: Iterable[FolderScan], matcher: _Matcher) -> None:
        now = self._clock()
        for scan in scans:
            marker = scan.marker
            if marker is not None:
                title_id: int | None = marker.title_id
                matched_by: MatchedBy | None = "marker"
            else:
                title_id, matched_by = matcher.match(scan.folder)
            self._store.save_series(
                scan.folder,
                title_id=title_id,
                matched_by=matched_by,
                name=marker.name if marker else None,
                code=marker.code if marker else None,
                api=self.api if title_id is not None else None,
                dirs=scan.dirs,
                files=scan.files,
                scanned_at=now,
            )

    def _matcher(self) -> _Matcher:
        by_folder: dict[str, int] = {}
        for record in self._downloads.all():
            if record.title_id is None:
                continue
            saved = Path(record.folder)
            saved = saved if saved.is_absolute() else self._download_root / saved
            for path in (saved, saved / record.name):
                folder = _first_part_under(self._root, path)
                if folder is not None:
                    by_folder.setdefault(folder, record.title_id)
        by_name: dict[str, int] = {}
        for known in self._store.known_titles():
            for name in known.names:
                key = _name_key(name)
                if key:
                    by_name.setdefault(key, known.title_id)
        return _Matcher(by_folder, by_name)

    async def keep_scanned(
        self, interval: float, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        """Scan now, then every `interval` seconds until cancelled (Aniworld's scheduler); a
        scan that fails was announced (`LibraryScanFailed`) and the next one is tried on time."""
        while True:
            with contextlib.suppress(LibraryRootError):
                await self.scan()
            await sleep(interval)

    # adding -------------------------------------------------------------------------------

    async def add_series(self, title: Title) -> Series:
        """Make `title`'s series folder and marker under the root, then scan it; the series
        the title already has stays its one.

        Raises `FolderNameError` when no name of the title can name a folder,
        `LibraryRootError` when the root is missing (unless it is the download folder, made
        as downloads make it) or the folder would leave it, `LibraryError` when the folder is
        another title's.
        """
        existing = self.by_title(title.id)
        if existing is not None:
            return existing
        name = series_folder_name(
            title.names.en, title.names.ru, title.season.year if title.season else None
        )
        marker = Marker(title.id, self.api, title.names.en or title.names.ru, title.code)
        scan = await asyncio.to_thread(self._make_folder, name, marker)
        self._save((scan,), _Matcher({}, {}))
        added = self.by_title(title.id)
        assert added is not None
        return added

    def _make_folder(self, name: str, marker: Marker) -> FolderScan:
        folder = ensure_series_folder(
            self._root,
            name,
            allow_outside=self._allow_outside,
            create_root=_same_path(self._root, self._download_root),
        )
        present, _note = read_marker(folder, name, self.api)
        if present is not None and present.title_id != marker.title_id:
            raise LibraryError(
                "The folder {folder} belongs to another title ({title_id}).",
                folder=name,
                title_id=present.title_id,
            )
        write_marker(folder, marker)
        (scan,) = [
            s
            for s in walk_library(self._root, {}, api=self.api, allow_outside=self._allow_outside)
            if s.folder == name
        ]
        return scan

    async def ensure_series(self, title_id: int) -> Series:
        """The series of `title_id`, added (its title fetched) when the library has none."""
        existing = self.by_title(title_id)
        if existing is not None:
            return existing
        title = (await self._catalog.title(title_id)).value
        return await self.add_series(title)

    # downloads ---------------------------------------------------------------------------

    def download_folder(self, title_id: int) -> str | None:
        """The folder a new download of `title_id` is saved in: its series folder, or None when
        the library has no series for it."""
        series = self.by_title(title_id)
        return None if series is None else str(series.folder)

    def strays(self) -> list[Stray]:
        """The downloads (started ones: they have files) of titles with a series, saved
        outside its folder."""
        found = []
        for record in self._downloads.all():
            if record.title_id is None or record.started_at is None:
                continue
            series = self.by_title(record.title_id)
            if series is None:
                continue
            saved = Path(record.folder)
            saved = saved if saved.is_absolute() else self._download_root / saved
            if _first_part_under(self._root, saved) != series.folder.name:
                found.append(Stray(record.id, record.name, series))
        return found

    # NFO ---------------------------------------------------------------------------------

    def nfo_folder(self, series_id: int, title: Title) -> SeriesFolder:
        """What the NFO service describes of a series: its folder, its title and the episode
        files whose number is known."""
        episodes = tuple(
            EpisodeFile(e.path, e.episode)
            for e in self.episodes(series_id)
            if e.episode is not None
        )
        return SeriesFolder(self._require(series_id).folder, title, episodes)

    # helpers -----------------------------------------------------------------------------

    def _series(self, record: SeriesRecord) -> Series:
        return Series(
            id=record.id,
            folder=self._root / record.folder,
            folder_name=_shown(record.folder),
            title_id=record.title_id,
            matched_by=record.matched_by,
            name=record.name,
            files=record.files,
            episodes_on_disk=record.episodes_on_disk,
            episodes_out=record.episodes_out,
        )

    def _require(self, series_id: int) -> Series:
        series = self.get(series_id)
        if series is None:
            raise KeyError(f"No series {series_id} in the library.")
        return series


@dataclass(frozen=True)
class _Matcher:
    """Folder -> title, by known downloads, then by name."""

    by_download_folder: dict[str, int]
    by_name: dict[str, int]

    def match(self, folder: str) -> tuple[int | None, MatchedBy | None]:
        title_id = self.by_download_folder.get(folder)
        if title_id is not None:
            return title_id, "download"
        title_id = self.by_name.get(_name_key(folder))
        if title_id is not None:
            return title_id, "name"
        return None, None


def episodes_out(title: Title) -> tuple[Number, ...]:
    """The episodes of `title` out on AniLibria: its player's episodes, else its episode range."""
    player = title.player
    if player is None:
        return ()
    if player.episodes:
        return tuple(sorted({e.serie for e in player.episodes}))
    first, last = player.series.first, player.series.last
    if first is None or last is None:
        return ()
    return tuple(range(first, last + 1))


_YEAR_SUFFIX = re.compile(r"\s*\((?:19|20)\d\d\)\s*$")


def _name_key(name: str) -> str:
    """What names are compared by: letters and digits, case-folded, without a `(year)`."""
    text = unicodedata.normalize("NFKC", _YEAR_SUFFIX.sub("", name)).casefold()
    return "".join(c for c in text if c.isalnum())


def _shown(name: str) -> str:
    """A file name for display: bytes that are not UTF-8 replaced."""
    return os.fsencode(name).decode("utf-8", "replace")


def _first_part_under(root: Path, path: Path) -> str | None:
    try:
        parts = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
    except ValueError:
        return None
    return parts[0] if parts else None


def _same_path(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _missing_order(series: Series) -> tuple[int, int]:
    missing = series.missing
    return (1, 0) if missing is None else (0, -len(missing))

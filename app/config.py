"""Typed settings: defaults < config.toml < ANITUI_* environment < command-line flags.

Naming rule (CONVENTIONS.md): a key in a section, `[anilibria] api`, is the environment
variable `ANITUI_ANILIBRIA__API` and the flag `--anilibria-api`; a top-level key, `lang`, is
`ANITUI_LANG` and `--lang`. Every field carries its documentation in `metadata["doc"]`, which
the README's configuration table repeats (a test keeps the two in step).

The config file is only ever read: a broken one stops start-up with a message naming the file,
the line and the key, and is never rewritten behind the user's back.

Settings are frozen once loaded, so every part of a run sees the same values: a variant (the
demo's local URLs, `app/bootstrap.py`) is a new object made with `dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

# AniLibria's API v2 is switched off upstream; today's service is AniLiberty API v1.
DEFAULT_ANILIBRIA_API = "https://anilibria.top/api/v1"
DEFAULT_ANILIBRIA_SITE = "https://aniliberty.top"
DEFAULT_ANILIBRIA_WS = "wss://api.anilibria.tv/v2/ws/"
DEFAULT_ANILIBRIA_MIRRORS = tuple(
    f"https://{host}/api/v1"
    for host in ("aniliberty.top", "api.anilibria.app", "aniliberty.wtf", "anilibria.wtf")
)
API_VERSIONS = ("auto", "v1", "v2")
DEFAULT_NEKOBT_API = "https://nekobt.to/api/v1"

LANGUAGES = ("auto", "en", "ru")
POSTER_RENDERERS = ("auto", "kitty", "sixel", "halfblock", "none")


def _doc(text: str, **extra: Any) -> dict[str, Any]:
    return {"doc": text, **extra}


@dataclass(frozen=True)
class Range:
    """The values a numeric key accepts, the same from the file, the environment and flags:
    from `low` (allowed itself unless `above`) up to `high` (allowed), when there is one."""

    low: float
    high: float | None = None
    above: bool = False

    def __contains__(self, value: float) -> bool:
        # Written as what must hold, so that NaN (which compares false) is refused too.
        above_low = value > self.low if self.above else value >= self.low
        return above_low and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        low = f"{self.low:g}"
        if self.high is None:
            return f"more than {low}" if self.above else f"{low} or more"
        return (
            f"more than {low} and at most {self.high:g}"
            if self.above
            else f"{low} to {self.high:g}"
        )


POSITIVE = Range(0, above=True)
NOT_NEGATIVE = Range(0)
AT_LEAST_ONE = Range(1)


@dataclass(frozen=True)
class AniLibriaSettings:
    """Where AniLibria's API lives, and which of its versions it speaks."""

    api: str = field(
        default=DEFAULT_ANILIBRIA_API,
        metadata=_doc("AniLibria API base URL: AniLiberty API v1 (`…/api/v1`) or API v2 (`…/v2`)."),
    )
    api_version: str = field(
        default="auto",
        metadata=_doc(
            "Which API `api` speaks: auto (read from the URL: a `/v2` or `/v3` path is v2,"
            " anything else v1), v1 or v2.",
            choices=API_VERSIONS,
        ),
    )
    site: str = field(
        default=DEFAULT_ANILIBRIA_SITE,
        metadata=_doc(
            "AniLibria site URL: title pages and where a login code is confirmed (v1);"
            " posters, .torrent files and login (v2)."
        ),
    )
    ws: str = field(
        default=DEFAULT_ANILIBRIA_WS,
        metadata=_doc("AniLibria WebSocket URL (API v2 only: v1 has no push, it is polled)."),
    )
    mirrors: tuple[str, ...] = field(
        default=DEFAULT_ANILIBRIA_MIRRORS,
        metadata=_doc(
            "Mirror API URLs tried in order when the API cannot be reached (v1: or answers 5xx;"
            " the first whose `/app/status` says alive wins); the one that answered is remembered."
            " The defaults stand in for the default API only; mirrors you set, for any API URL."
            " Never in demo mode."
        ),
    )
    code_poll_interval: float = field(
        default=2.0,
        metadata=_doc(
            "Seconds between asks whether a login code was confirmed on the site (API v1).",
            range=POSITIVE,
        ),
    )

    @property
    def speaks_v1(self) -> bool:
        """Whether `api` is AniLiberty API v1 (`api_version`, or read from the URL)."""
        if self.api_version != "auto":
            return self.api_version == "v1"
        return re.search(r"/v[23]$", self.api.rstrip("/")) is None


@dataclass(frozen=True)
class NekoBtSettings:
    """Where the nekoBT API lives (its key comes from the environment or the secrets file)."""

    api: str = field(default=DEFAULT_NEKOBT_API, metadata=_doc("nekoBT API base URL."))


@dataclass(frozen=True)
class TorrentApiSettings:
    """Where the Torrent API lives (its key comes from the environment or the secrets file).

    The spec names no request paths: each provider gives its own, hence one setting each."""

    url: str = field(
        default="",
        metadata=_doc(
            "Torrent API base URL; the provider gives each customer its host, so it is off"
            " until set.",
            flag="--torrent-api",
        ),
    )
    movie_path: str = field(
        default="movie",
        metadata=_doc("Path, under the URL, of the torrents of a movie (GET ?imdb=)."),
    )
    torrent_path: str = field(
        default="torrent",
        metadata=_doc("Path, under the URL, of one torrent's information (GET ?infohash=)."),
    )
    peers_path: str = field(
        default="peers",
        metadata=_doc("Path, under the URL, of one torrent's peers by country (GET ?infohash=)."),
    )
    add_path: str = field(
        default="add",
        metadata=_doc("Path, under the URL, that adds a torrent to the API's database (POST)."),
    )


@dataclass(frozen=True)
class PlayerConfig:
    """How episodes play (libmpv)."""

    quality: str = field(
        default="fhd",
        metadata=_doc(
            "Preferred stream quality: fhd (1080p), hd (720p) or sd (480p); the best available"
            " one stands in when it is missing.",
            choices=("fhd", "hd", "sd"),
        ),
    )
    skips: str = field(
        default="auto",
        metadata=_doc(
            "Openings and endings: auto (skipped), ask (offered: S skips) or off.",
            choices=("auto", "ask", "off"),
        ),
    )
    autoplay: bool = field(
        default=True, metadata=_doc("Start the next episode when one plays to its end.")
    )
    watched_threshold: float = field(
        default=0.85,
        metadata=_doc(
            "Fraction of an episode after which it counts as watched.",
            range=Range(0, 1, above=True),
        ),
    )
    save_interval: float = field(
        default=10.0,
        metadata=_doc("Seconds between resume-position saves while playing.", range=POSITIVE),
    )
    mpv_config: bool = field(
        default=True,
        metadata=_doc("Read your mpv.conf (anitui's own output and terminal options still win)."),
    )
    vo: str = field(
        default="",
        metadata=_doc("mpv video output; empty: a window when a display exists, else none."),
    )
    ao: str = field(
        default="", metadata=_doc("mpv audio output; empty: your mpv config or mpv's choice.")
    )
    no_display: str = field(
        default="ask",
        metadata=_doc(
            "Without a display (SSH): ask, terminal (mpv's terminal video), audio, url"
            " (copy the stream URL) or download (queue the episode's file from its torrent).",
            choices=("ask", "terminal", "audio", "url", "download"),
        ),
    )


@dataclass(frozen=True)
class TorrentsConfig:
    """The libtorrent session that downloads and seeds."""

    listen_interfaces: str = field(
        default="0.0.0.0:6881,[::]:6881",
        metadata=_doc("Addresses and ports libtorrent listens on for peers."),
    )
    download_limit: int = field(
        default=0,
        metadata=_doc(
            "Download rate limit in KiB/s for all torrents; 0: none.", range=NOT_NEGATIVE
        ),
    )
    upload_limit: int = field(
        default=0,
        metadata=_doc("Upload rate limit in KiB/s for all torrents; 0: none.", range=NOT_NEGATIVE),
    )
    max_active_seeds: int = field(
        default=5,
        metadata=_doc("Finished downloads that seed at the same time.", range=NOT_NEGATIVE),
    )
    seed_ratio: float = field(
        default=1.0,
        metadata=_doc(
            "Stop seeding at this upload / size ratio; 0: no ratio goal.", range=NOT_NEGATIVE
        ),
    )
    seed_time: float = field(
        default=0.0,
        metadata=_doc(
            "Stop seeding after this many minutes; 0: no time goal. With neither goal a"
            " finished download stops at once.",
            range=NOT_NEGATIVE,
        ),
    )
    dht: bool = field(default=True, metadata=_doc("Find peers through the DHT."))
    lsd: bool = field(default=True, metadata=_doc("Find peers on the local network (LSD)."))
    upnp: bool = field(default=True, metadata=_doc("Open the listen port on the router (UPnP)."))
    natpmp: bool = field(
        default=True, metadata=_doc("Open the listen port on the router (NAT-PMP).")
    )
    utp: bool = field(default=True, metadata=_doc("Use uTP as well as TCP to talk to peers."))
    encryption: str = field(
        default="prefer",
        metadata=_doc(
            "Peer connection encryption: prefer, require or disable.",
            choices=("prefer", "require", "disable"),
        ),
    )
    resume_interval: float = field(
        default=10.0,
        metadata=_doc(
            "Seconds between resume-data saves while a download progresses (the most a crash"
            " can cost).",
            range=POSITIVE,
        ),
    )
    default_trackers: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Tracker URLs given to a torrent, magnet or info-hash that names none (the Torrent"
            " API's torrents are bare info-hashes: with the DHT off they find no peer"
            " otherwise)."
        ),
    )


@dataclass(frozen=True)
class DownloadsConfig:
    """The download queue."""

    max_active: int = field(
        default=3, metadata=_doc("Downloads that run at the same time.", range=AT_LEAST_ONE)
    )
    max_retries: int = field(
        default=5,
        metadata=_doc(
            "Automatic retries of a failed download before it waits for you.", range=NOT_NEGATIVE
        ),
    )
    retry_backoff: float = field(
        default=30.0,
        metadata=_doc(
            "Seconds before the first automatic retry; doubles on each retry.", range=NOT_NEGATIVE
        ),
    )
    allow_outside_root: bool = field(
        default=False,
        metadata=_doc("Let a download's folder lie outside download_dir (off: refused)."),
    )
    metadata_timeout: float = field(
        default=300.0,
        metadata=_doc(
            "Seconds a magnet may wait for its metadata before it is stalled and retried "
            "like a failure (0: waits forever).",
            range=NOT_NEGATIVE,
        ),
    )


@dataclass(frozen=True)
class LibraryConfig:
    """The local library: a folder per series, the episodes on disk, the ones missing, and
    their metadata for Kodi and Jellyfin."""

    root: Path | None = field(
        default=None,
        metadata=_doc(
            "The library's folder, one folder per series (default: download_dir). Confined like"
            " the download folder: with [downloads] allow_outside_root off nothing is written"
            " outside it and symlinks out of it are not followed."
        ),
    )
    organize: bool = field(
        default=True,
        metadata=_doc(
            "New downloads of a known title go into its series folder (existing ones are never"
            " moved by themselves)."
        ),
    )
    rescan_interval: float = field(
        default=3600.0,
        metadata=_doc(
            "Seconds between rescans of the library in the background; 0: only on demand.",
            range=NOT_NEGATIVE,
        ),
    )
    nfo: bool = field(
        default=False,
        metadata=_doc(
            "Write a series' tvshow.nfo, poster.jpg and fanart.jpg (Kodi / Jellyfin) by"
            " themselves when it is added to the library or grows (a scan or a finished download"
            " brings new episodes); files there are kept, except a tvshow.nfo anitui wrote and"
            " nobody edited, which follows the title (it ended)."
        ),
    )
    episode_nfo: bool = field(
        default=False,
        metadata=_doc("Also write an NFO beside each episode file (title, episode, air date)."),
    )
    nfo_concurrency: int = field(
        default=3,
        metadata=_doc("Series whose NFO a batch creates at the same time.", range=Range(1, 10)),
    )


FOLLOW_SOURCES = ("anilibria", "nekobt")


@dataclass(frozen=True)
class FollowConfig:
    """Followed titles: their new episodes are queued by themselves."""

    quality: str = field(
        default="fhd",
        metadata=_doc(
            'Preferred torrent quality for followed titles and "download missing": fhd'
            " (1080p), hd (720p) or sd (480p); the nearest one stands in when it is missing.",
            choices=("fhd", "hd", "sd"),
        ),
    )
    sources: tuple[str, ...] = field(
        default=FOLLOW_SOURCES,
        metadata=_doc(
            "Where a followed title's new episode is looked for, in order: anilibria (the"
            " title's own torrents) and nekobt.",
            choices=FOLLOW_SOURCES,
        ),
    )
    delay: float = field(
        default=0.0,
        metadata=_doc(
            "Seconds to wait after an episode's release before queueing it, for better"
            " torrents to appear.",
            range=NOT_NEGATIVE,
        ),
    )


@dataclass(frozen=True)
class HttpConfig:
    """How patient the HTTP clients are."""

    timeout: float = field(
        default=10.0, metadata=_doc("Seconds to wait for an answer.", range=POSITIVE)
    )
    retries: int = field(
        default=3,
        metadata=_doc("Retries of a read on connection errors, 5xx and 429.", range=NOT_NEGATIVE),
    )
    backoff: float = field(
        default=0.5,
        metadata=_doc("First retry delay in seconds; doubles on each retry.", range=NOT_NEGATIVE),
    )


@dataclass(frozen=True)
class LiveConfig:
    """Keeping in step with AniLibria: v2's WebSocket, polling (v1; v2 while the socket is down)
    and favorites sync."""

    subscribe: str = field(
        default="favorites",
        metadata=_doc(
            "Live updates for: favorites (your favorite titles), all (every title) or off.",
            choices=("favorites", "all", "off"),
        ),
    )
    reconnect_min: float = field(
        default=1.0,
        metadata=_doc(
            "Seconds before the first WebSocket reconnect; doubles up to the max.", range=POSITIVE
        ),
    )
    reconnect_max: float = field(
        default=60.0,
        metadata=_doc("Longest wait in seconds between WebSocket reconnects.", range=POSITIVE),
    )
    poll_interval: float = field(
        default=60.0,
        metadata=_doc(
            "Seconds between polls for news: always on API v1 (it has no push), on v2 while"
            " the WebSocket is down.",
            range=POSITIVE,
        ),
    )
    sync_interval: float = field(
        default=300.0,
        metadata=_doc(
            "Seconds between syncs of favorites, collections and watch progress with the"
            " AniLibria account; 0: only at start-up and after a change.",
            range=NOT_NEGATIVE,
        ),
    )
    desktop_notifications: bool = field(
        default=True,
        metadata=_doc("Also announce new episodes with notify-send when it is installed."),
    )


@dataclass(frozen=True)
class UiSettings:
    """How the interface looks and behaves."""

    poster_renderer: str = field(
        default="auto",
        metadata=_doc(
            "How posters are drawn: auto, kitty, sixel, halfblock or none.",
            choices=POSTER_RENDERERS,
        ),
    )
    search_debounce: float = field(
        default=0.3,
        metadata=_doc("Seconds of quiet typing before Search asks the server.", range=NOT_NEGATIVE),
    )
    page_size: int = field(
        default=50,
        metadata=_doc("Titles fetched per page on Updates and Search.", range=AT_LEAST_ONE),
    )


@dataclass(frozen=True)
class Settings:
    """Everything anitui can be told, with its source order applied."""

    lang: str = field(
        default="auto",
        metadata=_doc("Interface language: auto (from LANG / LC_*), en or ru.", choices=LANGUAGES),
    )
    data_dir: Path | None = field(
        default=None,
        metadata=_doc("Where the database and secrets live (default: the platform's data dir)."),
    )
    cache_dir: Path | None = field(
        default=None,
        metadata=_doc("Where the HTTP cache lives (default: the platform's cache dir)."),
    )
    download_dir: Path | None = field(
        default=None,
        metadata=_doc("Where downloads are saved (default: the platform's downloads dir)."),
    )
    demo: bool = field(
        default=False,
        metadata=_doc(
            "Run against the bundled local API server with the demo catalog.", flag_only=True
        ),
    )
    anilibria: AniLibriaSettings = field(default_factory=AniLibriaSettings)
    nekobt: NekoBtSettings = field(default_factory=NekoBtSettings)
    torrent_api: TorrentApiSettings = field(default_factory=TorrentApiSettings)
    player: PlayerConfig = field(default_factory=PlayerConfig)
    torrents: TorrentsConfig = field(default_factory=TorrentsConfig)
    downloads: DownloadsConfig = field(default_factory=DownloadsConfig)
    library: LibraryConfig = field(default_factory=LibraryConfig)
    follow: FollowConfig = field(default_factory=FollowConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    live: LiveConfig = field(default_factory=LiveConfig)
    ui: UiSettings = field(default_factory=UiSettings)
    config_file: Path | None = field(
        default=None, metadata=_doc("The config file that was read.", flag_only=True)
    )
    explicit: frozenset[str] = field(
        default_factory=frozenset,
        metadata=_doc("Dotted keys set by the file, environment or flags.", internal=True),
    )

    def is_explicit(self, key: str) -> bool:
        """Whether `key` (e.g. "anilibria.api") was set by the user rather than defaulted."""
        return key in self.explicit


class ConfigError(Exception):
    """A setting could not be read; the message names the file, line and key."""


@dataclass(frozen=True)
class ConfigKey:
    """One setting as the user writes it in each of the three places."""

    path: tuple[str, ...]
    doc: str
    default: Any
    type: Any
    choices: tuple[str, ...] | None
    flag_name: str | None = None
    range: Range | None = None

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def env(self) -> str:
        return "ANITUI_" + "__".join(p.upper() for p in self.path)

    @property
    def flag(self) -> str:
        if self.flag_name:
            return self.flag_name
        return "--" + "-".join(p.replace("_", "-") for p in self.path)

    @property
    def toml(self) -> str:
        if len(self.path) == 1:
            return self.path[0]
        return f"[{self.path[0]}] {self.path[1]}"


@functools.cache
def config_keys() -> tuple[ConfigKey, ...]:
    """Every user-settable key, in documentation order. Read once a run: the flags and the
    settings both need them, and resolving the dataclasses' annotations takes milliseconds."""
    keys: list[ConfigKey] = []

    def walk(cls: type, prefix: tuple[str, ...]) -> None:
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.metadata.get("internal") or f.metadata.get("flag_only"):
                continue
            hint = hints[f.name]
            if isinstance(hint, type) and dataclasses.is_dataclass(hint):
                walk(hint, (*prefix, f.name))
                continue
            default = (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            )
            keys.append(
                ConfigKey(
                    path=(*prefix, f.name),
                    doc=f.metadata["doc"],
                    default=default,
                    type=hint,
                    choices=f.metadata.get("choices"),
                    flag_name=f.metadata.get("flag"),
                    range=f.metadata.get("range"),
                )
            )

    walk(Settings, ())
    return tuple(keys)


def _line_of(text: str, path: tuple[str, ...]) -> int | None:
    """The line where `path` is assigned in the TOML text, for error messages."""
    section = path[0] if len(path) > 1 else None
    key = path[-1]
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1)
            continue
        if current == section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def _coerce(key: ConfigKey, value: Any, where: str) -> Any:
    """Turn a raw value (TOML value or env/flag string) into the key's type, or explain why not."""
    coerced = _coerce_type(key, value, where)
    if key.range is not None and coerced not in key.range:
        raise ConfigError(f"{where}: {key.toml}: expected {key.range}, got {value!r}")
    return coerced


def _coerce_type(key: ConfigKey, value: Any, where: str) -> Any:
    target = key.type
    from_text = isinstance(value, str)

    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {key.toml}: expected {expected}, got {value!r}")

    if target is bool:
        if isinstance(value, bool):
            return value
        if from_text and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise fail("true or false")
    if target is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_text and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise fail("a whole number")
    if target is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if from_text:
            try:
                return float(value)
            except ValueError:
                pass
        raise fail("a number")
    if target == tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = tuple(value)
        elif from_text:
            items = tuple(part.strip() for part in value.split(",") if part.strip())
        else:
            raise fail("a list of strings")
        # A list with choices is an ordered pick of them: each at most once, none unknown.
        if key.choices and (
            any(item not in key.choices for item in items) or len(set(items)) != len(items)
        ):
            raise fail("a list of distinct values out of " + ", ".join(key.choices))
        return items
    if target == Path | None:
        if isinstance(value, str) and value:
            return Path(value).expanduser()
        raise fail("a path")
    if isinstance(value, str):
        if key.choices and value not in key.choices:
            raise fail("one of " + ", ".join(key.choices))
        return value
    raise fail("a string")


def _settings_from(values: Mapping[tuple[str, ...], Any], **top: Any) -> Settings:
    """Settings with `values` ({key path: value}) over the defaults, and `top`'s fields."""
    sections: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        if len(path) == 1:
            top[path[0]] = value
        else:
            sections.setdefault(path[0], {})[path[1]] = value
    hints = get_type_hints(Settings)
    for name, section in sections.items():
        top[name] = hints[name](**section)
    return Settings(**top)


def read_config_file(path: Path) -> dict[tuple[str, ...], Any]:
    """Read and validate `path` into {key path: value}; a missing file is empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    import tomllib  # Only with a config file to read: a start without one does without.

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    known = {k.path: k for k in config_keys()}
    sections = {k.path[0] for k in known.values() if len(k.path) > 1}
    values: dict[tuple[str, ...], Any] = {}
    for name, value in raw.items():
        items: list[tuple[tuple[str, ...], Any]]
        if name in sections and isinstance(value, dict):
            items = [((name, sub), subvalue) for sub, subvalue in value.items()]
        else:
            items = [((name,), value)]
        for key_path, item in items:
            line = _line_of(text, key_path)
            where = f"{path}, line {line}" if line else str(path)
            key = known.get(key_path)
            if key is None:
                shown = ".".join(key_path)
                raise ConfigError(
                    f"{where}: unknown key {shown!r} (see the README's configuration table)"
                )
            values[key_path] = _coerce(key, item, where)
    return values


def load_settings(
    flags: Mapping[str, Any],
    *,
    environ: Mapping[str, str] | None = None,
    default_config_file: Path | None = None,
) -> Settings:
    """Build Settings from defaults, the config file, the environment and `flags`.

    `flags` maps dotted keys ("anilibria.api", "lang", "demo", "config_file") to values the
    command line gave; absent or None means "not given".
    """
    environ = os.environ if environ is None else environ
    # Later sources overwrite earlier ones here; the frozen Settings is built once at the end.
    values: dict[tuple[str, ...], Any] = {}
    keys = config_keys()

    config_file = flags.get("config_file") or environ.get("ANITUI_CONFIG") or default_config_file
    config_path = None if config_file is None else Path(config_file).expanduser()
    if config_path is not None:
        values.update(read_config_file(config_path))

    for key in keys:
        if key.env in environ:
            values[key.path] = _coerce(key, environ[key.env], f"environment {key.env}")

    for key in keys:
        value = flags.get(key.dotted)
        if value is not None:
            values[key.path] = _coerce(key, value, f"flag {key.flag}")
    return _settings_from(
        values,
        config_file=config_path,
        demo=bool(flags.get("demo")),
        explicit=frozenset(".".join(path) for path in values),
    )

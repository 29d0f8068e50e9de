"""How the AniLiberty v1 devserver shows the shared catalog: releases, episodes, torrents, genres,
members and franchises in the shapes of `shared/specs/aniliberty-api-v1.openapi.json`.

The catalog holds AniLibria v2 titles; everything here is derived from them when a response is
built, so what a test changes in the catalog shows at once and the v1 and v2 servers describe one
world: the same ids, aliases (v2 `code`), episode UUIDs, info-hashes and files. Derivations the
catalog has no field for:

- genre ids: the catalog's genres in alphabetical order from 1, a new genre appended when it
  first shows up (stable for the life of a server); franchises: the titles a description's
  "Порядок просмотра" links to, in that order (id: a UUID of the first one's alias);
- age rating: the strictest of the title's genres (`_GENRE_AGE_RATINGS`, else 12+);
- an episode without a `uuid` gets a uuid5 of its title id and ordinal; ordinals stay as stored
  (12.5 stays a float, a whole number an integer);
- `publish_day` is the v2 `season.week_day` + 1 (Monday = 1); `is_ongoing` is v2 status 1,
  `is_in_production` status 1 or 4 ("Неонгоинг": aired, still voiced);
- a torrent's `magnet` carries the info-hash in base32, as the file's example does.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from app.devserver import fields
from app.devserver.anilibria import AniLibriaApi
from app.devserver.catalog import Catalog, Title, token

Json = dict[str, Any]

NAMESPACE = uuid.UUID("6f1d7f0e-3c1b-5a7e-9b8a-0a11be27e001")
"""The namespace of the UUIDs this server derives (episodes without one, franchises, members)."""

TYPES = {
    "TV": "ТВ",
    "ONA": "ONA",
    "WEB": "WEB",
    "OVA": "OVA",
    "OAD": "OAD",
    "MOVIE": "Фильм",
    "DORAMA": "Дорама",
    "SPECIAL": "Спешл",
}
SEASONS = {
    1: ("winter", "Зима"),
    2: ("spring", "Весна"),
    3: ("summer", "Лето"),
    4: ("autumn", "Осень"),
}
AGE_RATINGS = {
    "R0_PLUS": ("0+", False, "Для любой зрительской аудитории"),
    "R6_PLUS": ("6+", False, "Для детей старше шести лет"),
    "R12_PLUS": ("12+", False, "Для детей старше двенадцати лет"),
    "R16_PLUS": ("16+", False, "Для людей, достигших возраста шестнадцати лет"),
    "R18_PLUS": ("18+", True, "Запрещено для детей"),
}
PUBLISH_DAYS = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")
SORTING = {
    "FRESH_AT_DESC": ("Сначала новые", "Сначала отобразятся релизы, которые обновлялись недавно"),
    "FRESH_AT_ASC": ("Сначала старые", "Сначала отобразятся релизы, которые обновлялись давно"),
    "RATING_DESC": ("Самый высокий рейтинг", "Сначала отобразятся самые популярные релизы"),
    "RATING_ASC": ("Самый низкий рейтинг", "Сначала отобразятся самые непопулярные релизы"),
    "YEAR_DESC": ("Год: по убыванию", "Сначала отобразятся релизы последних лет"),
    "YEAR_ASC": ("Год: по возрастанию", "Сначала отобразятся самые старые релизы"),
}
FAVORITE_SORTING = {
    "CREATED_AT_DESC": ("Недавно добавленные", "Сначала релизы, добавленные в избранное недавно"),
    "CREATED_AT_ASC": ("Давно добавленные", "Сначала релизы, добавленные в избранное давно"),
    **SORTING,
}
PUBLISH_STATUSES = {"IS_ONGOING": "Онгоинг", "IS_NOT_ONGOING": "Не онгоинг"}
PRODUCTION_STATUSES = {
    "IS_IN_PRODUCTION": "Сейчас в озвучке",
    "IS_NOT_IN_PRODUCTION": "Озвучка завершена",
}
COLLECTIONS = ("PLANNED", "WATCHED", "WATCHING", "POSTPONED", "ABANDONED")
"""The `type_of_collection` values."""

MEMBER_ROLES = {
    "voice": ("voicing", "Озвучка"),
    "translator": ("translating", "Перевод"),
    "editing": ("editing", "Редактирование"),
    "decor": ("decorating", "Оформление"),
    "timing": ("timing", "Тайминг"),
}
"""v2 team keys → (v1 member role, its description)."""

_GENRE_AGE_RATINGS = {
    "Вампиры": "R18_PLUS",
    "Демоны": "R16_PLUS",
    "Психологическое": "R16_PLUS",
    "Мистика": "R16_PLUS",
    "Повседневность": "R6_PLUS",
    "Спорт": "R6_PLUS",
}
EXTERNAL_SITES = ("shikimori", "mal")
"""Sites a release links to by id: a catalog title's `<site>_id` becomes `<site>{id}`."""
_DEFAULT_AGE_RATING = "R12_PLUS"
_HLS_QUALITIES = (("hls_480", "sd"), ("hls_720", "hd"), ("hls_1080", "fhd"))
_CODECS = {
    "h264": ("x264/AVC", "AVC"),
    "h265": ("x265/HEVC", "HEVC"),
    "av1": ("AV1", "AV1"),
}
_WATCH_ORDER = re.compile(r"порядок\s+просмотра", re.IGNORECASE)
_RELEASE_LINK = re.compile(r'/release/([^"/<>]+?)\.html')
_MINUTES = re.compile(r"\d+")


def iso(timestamp: float | None) -> str | None:
    """A Unix time as the API writes dates: `2021-09-22T16:20:38+00:00`."""
    if not timestamp:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def image(path: str | None) -> Json | None:
    """An image object with every size at the same site-relative path.

    The notes call the full size `src`, the OpenAPI file `preview`: both are there."""
    if not path:
        return None
    sizes = {"src": path, "preview": path, "thumbnail": path}
    return {**sizes, "optimized": dict(sizes)}


def ordinal(value: Any) -> int | float | None:
    """An episode number as stored (`12`, `12.5`, `"0"`): a whole number as an int."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def age_rating_of(title: Title) -> str:
    """The strictest age rating of the title's genres."""
    order = list(AGE_RATINGS)
    ratings = [
        _GENRE_AGE_RATINGS.get(str(g), _DEFAULT_AGE_RATING) for g in title.get("genres") or []
    ]
    return max(ratings, key=order.index, default=_DEFAULT_AGE_RATING)


def type_of(title: Title) -> str:
    """The v1 release type (`TV`, `MOVIE`, ...)."""
    value = str((title.get("type") or {}).get("string") or "")
    return value if value in TYPES else "TV"


def season_of(title: Title) -> str | None:
    """The v1 season value (`winter` ...), or None."""
    code = (title.get("season") or {}).get("code")
    return SEASONS[code][0] if code in SEASONS else None


def year_of(title: Title) -> int:
    """The release year (0 when unknown)."""
    return int((title.get("season") or {}).get("year") or 0)


def is_ongoing(title: Title) -> bool:
    """Still airing: v2 status 1."""
    return (title.get("status") or {}).get("code") == 1


def is_in_production(title: Title) -> bool:
    """Still voiced: v2 status 1 or 4."""
    return (title.get("status") or {}).get("code") in (1, 4)


def playlist_items(title: Title) -> list[Json]:
    """The title's episodes in order of their number (an empty or blocked playlist: none)."""
    player = title.get("player")
    playlist = player.get("playlist") if isinstance(player, dict) else None
    items = list(playlist.values()) if isinstance(playlist, dict) else list(playlist or [])
    items = [
        item for item in items if isinstance(item, dict) and ordinal(item.get("serie")) is not None
    ]
    return sorted(items, key=lambda item: float(item["serie"]))


def torrent_entries(title: Title) -> list[Json]:
    """The title's v2 torrent entries (those with an id)."""
    torrents = title.get("torrents")
    entries = torrents.get("list") if isinstance(torrents, dict) else None
    return [
        e for e in entries or [] if isinstance(e, dict) and isinstance(e.get("torrent_id"), int)
    ]


def episode_id(title: Title, item: Mapping[str, Any]) -> str:
    """The episode's UUID: the catalog's, or one derived from title id and ordinal."""
    stored = item.get("uuid")
    if isinstance(stored, str) and stored:
        return stored
    return str(uuid.uuid5(NAMESPACE, f"episode:{title.get('id')}:{ordinal(item.get('serie'))}"))


def _minutes(title: Title) -> int | None:
    length = (title.get("type") or {}).get("length")
    if isinstance(length, int):
        return length
    found = _MINUTES.search(str(length or ""))
    return int(found.group()) if found else None


def _skip(times: Any) -> Json | None:
    if isinstance(times, list) and len(times) == 2 and all(t is not None for t in times):
        return {"start": times[0], "stop": times[1]}
    return None


class Views:
    """Builds the v1 objects from the catalog of a v2 server (read at every call).

    `collection_counts(release_id)` gives how many accounts hold the release per collection
    type (the `added_in_*_collection` fields).
    """

    def __init__(
        self, v2: AniLibriaApi, collection_counts: Callable[[int], Mapping[str, int]]
    ) -> None:
        self._v2 = v2
        self._collection_counts = collection_counts
        self._genre_ids: dict[str, int] = {}

    @property
    def catalog(self) -> Catalog:
        """The catalog served (the v2 server's, which tests may replace)."""
        return self._v2.catalog

    # --- releases --------------------------------------------------------------------------

    def release(self, title: Title) -> Json:
        """The plain release model (no genres, episodes, torrents or members)."""
        kind = title.get("type") or {}
        names = title.get("names") or {}
        season = season_of(title)
        week_day = (title.get("season") or {}).get("week_day")
        posters = title.get("posters") or {}
        poster = next((p.get("url") for p in posters.values() if isinstance(p, dict)), None)
        player = title.get("player")
        player = player if isinstance(player, dict) else {}
        blocked = title.get("blocked") or {}
        rating = age_rating_of(title)
        label, adult, rating_text = AGE_RATINGS[rating]
        created = [int(i.get("created_timestamp") or 0) for i in playlist_items(title)]
        counts = self._collection_counts(int(title["id"]))
        return {
            "id": title["id"],
            "type": {"value": type_of(title), "description": TYPES[type_of(title)]},
            "year": year_of(title) or None,
            "name": {
                "main": names.get("ru"),
                "english": names.get("en"),
                "alternative": names.get("alternative"),
            },
            "alias": title.get("code"),
            "season": None
            if season is None
            else {"value": season, "description": dict(SEASONS.values())[season]},
            "poster": image(poster),
            "fresh_at": iso(title.get("updated")),
            "created_at": iso(min([c for c in created if c], default=title.get("updated"))),
            "updated_at": iso(title.get("last_change") or title.get("updated")),
            "is_ongoing": is_ongoing(title),
            "is_in_production": is_in_production(title),
            "age_rating": {
                "value": rating,
                "label": label,
                "is_adult": adult,
                "description": rating_text,
            },
            "publish_day": None
            if not isinstance(week_day, int) or not 0 <= week_day <= 6
            else {"value": week_day + 1, "description": PUBLISH_DAYS[week_day]},
            "description": fields.render_description(title.get("description"), "plain"),
            "notification": title.get("announce"),
            "episodes_total": kind.get("series"),
            "external_player": player.get("alternative_player"),
            "is_blocked_by_geo": bool(blocked.get("bakanim")),
            "is_blocked_by_copyrights": bool(blocked.get("blocked")),
            "added_in_users_favorites": int(title.get("in_favorites") or 0),
            "average_duration_of_episode": _minutes(title),
            **{f"added_in_{c.lower()}_collection": counts.get(c, 0) for c in COLLECTIONS},
            # The newer schema's links to other sites, for the catalog titles that know them.
            **{
                site: {"id": title[f"{site}_id"]}
                for site in EXTERNAL_SITES
                if title.get(f"{site}_id")
            },
        }

    def release_with(self, title: Title, *parts: str, authorized: bool = False) -> Json:
        """The release with the listed `parts`: genres, episodes, torrents, members,
        latest_episode."""
        out = self.release(title)
        if "genres" in parts:
            out["genres"] = self.genres_of(title)
        if "members" in parts:
            out["members"] = self.members(title)
        if "episodes" in parts:
            out["episodes"] = self.episodes(title, authorized=authorized)
        if "torrents" in parts:
            out["torrents"] = self.torrents(title)
        if "latest_episode" in parts:
            out["latest_episode"] = self.latest_episode(title, authorized=authorized)
        return out

    def members(self, title: Title) -> list[Json]:
        """The team of the release, role by role."""
        out = []
        team = title.get("team") or {}
        for key, (role, description) in MEMBER_ROLES.items():
            for nickname in team.get(key) or []:
                member_id = uuid.uuid5(NAMESPACE, f"member:{title['id']}:{role}:{nickname}")
                out.append(
                    {
                        "id": str(member_id),
                        "role": {"value": role, "description": description},
                        "user": None,
                        "nickname": nickname,
                    }
                )
        return out

    # --- episodes --------------------------------------------------------------------------

    def episodes(self, title: Title, *, authorized: bool = False) -> list[Json]:
        """Every episode of the release, in order."""
        return [
            self.episode(title, item, index, authorized=authorized)
            for index, item in enumerate(playlist_items(title), start=1)
        ]

    def latest_episode(self, title: Title, *, authorized: bool = False) -> Json | None:
        """The episode uploaded last (the highest number among equals), or None."""
        items = list(enumerate(playlist_items(title), start=1))
        if not items:
            return None
        index, item = max(
            items, key=lambda pair: (int(pair[1].get("created_timestamp") or 0), pair[0])
        )
        return self.episode(title, item, index, authorized=authorized)

    def find_episode(self, episode_uuid: str) -> tuple[Title, Json, int] | None:
        """The title, playlist item and sort order of the episode with this UUID."""
        for title in self.catalog.titles:
            for index, item in enumerate(playlist_items(title), start=1):
                if episode_id(title, item) == episode_uuid:
                    return title, item, index
        return None

    def episode(
        self, title: Title, item: Mapping[str, Any], sort_order: int, *, authorized: bool = False
    ) -> Json:
        """One episode; HLS links are absolute and carry who asked, as the real ones do."""
        hls = item.get("hls") or {}
        skips = item.get("skips") or {}
        minutes = _minutes(title)
        asked = f"?isWithAds=0&isAuthorized={int(authorized)}"
        links = {}
        for name, key in _HLS_QUALITIES:
            path = hls.get(key)
            links[name] = None if not path else self._absolute(str(path)) + asked
        return {
            "id": episode_id(title, item),
            "name": item.get("name"),
            "name_english": None,
            "ordinal": ordinal(item.get("serie")),
            "sort_order": sort_order,
            "duration": minutes * 60 if minutes else None,
            **links,
            "opening": _skip(skips.get("opening")),
            "ending": _skip(skips.get("ending")),
            "preview": image(item.get("preview")),
            "rutube_id": None,
            "youtube_id": None,
            "updated_at": iso(item.get("created_timestamp")),
        }

    def _absolute(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self._v2.origin.base_url + path

    # --- torrents --------------------------------------------------------------------------

    def torrents(self, title: Title, *, with_release: bool = False) -> list[Json]:
        """The release's torrents in catalog order."""
        return [
            self.torrent(title, entry, index, with_release=with_release)
            for index, entry in enumerate(torrent_entries(title), start=1)
        ]

    def find_torrent(self, hash_or_id: str) -> tuple[Title, Json, int] | None:
        """The title, entry and sort order of a torrent by id or info-hash."""
        wanted = hash_or_id.strip().lower()
        for title in self.catalog.titles:
            for index, entry in enumerate(torrent_entries(title), start=1):
                if str(entry["torrent_id"]) == wanted or str(entry.get("hash") or "") == wanted:
                    return title, entry, index
        return None

    def torrent(
        self, title: Title, entry: Json, sort_order: int, *, with_release: bool = True
    ) -> Json:
        """One torrent; `release` is the plain release model."""
        quality = entry.get("quality") or {}
        resolution = quality.get("resolution")
        height = f"{resolution}p" if isinstance(resolution, int) else str(resolution or "")
        codec, codec_label = _CODECS.get(str(quality.get("encoder")), _CODECS["h264"])
        names = title.get("names") or {}
        label = f"{names.get('en') or names.get('ru')} - AniLibria.TV [{quality.get('string')}]"
        info_hash = str(entry.get("hash") or "").lower()
        series = entry.get("series") or {}
        uploaded = iso(entry.get("uploaded_timestamp"))
        out: Json = {
            "id": entry["torrent_id"],
            "hash": info_hash,
            "size": int(entry.get("total_size") or 0),
            "type": {"value": quality.get("type"), "description": quality.get("type")},
            "color": {"value": "8bit", "description": "8-bit"},
            "codec": {
                "value": codec,
                "label": codec_label,
                "description": codec,
                "label_color": "#FFF",
                "label_is_visible": codec_label != "AVC",
            },
            "label": label,
            "quality": {"value": height or None, "description": height or None},
            "magnet": self._magnet(info_hash, label),
            "filename": f"{title.get('code')}_[{series.get('string')}]_[{height}].torrent",
            "seeders": int(entry.get("seeders") or 0),
            "bitrate": None,
            "leechers": int(entry.get("leechers") or 0),
            "sort_order": sort_order,
            "updated_at": uploaded,
            "is_hardsub": False,
            "description": series.get("string"),
            "created_at": uploaded,
            "completed_times": int(entry.get("downloads") or 0),
            "torrent_members": [],
        }
        if with_release:
            out["release"] = self.release(title)
        return out

    def _magnet(self, info_hash: str, label: str) -> str:
        try:
            btih = base64.b32encode(bytes.fromhex(info_hash)).decode("ascii")
        except ValueError:
            btih = info_hash
        announce = quote(f"{self._v2.origin.base_url}/announce", safe="")
        return f"magnet:?xt=urn:btih:{btih}&dn={quote(label, safe='')}&tr={announce}"

    # --- genres ----------------------------------------------------------------------------

    def genre_ids(self) -> dict[str, int]:
        """Every genre of the catalog by name → id (new ones get the next ids)."""
        names = {str(g) for t in self.catalog.titles for g in t.get("genres") or []}
        for name in sorted(names - set(self._genre_ids), key=lambda n: (n.lower(), n)):
            self._genre_ids[name] = len(self._genre_ids) + 1
        return {name: i for name, i in self._genre_ids.items() if name in names}

    def genre(self, name: str, genre_id: int) -> Json:
        """The genre model with the number of releases that have it."""
        total = sum(name in (t.get("genres") or []) for t in self.catalog.titles)
        path = f"/storage/genres/{genre_id}/{token('genre', genre_id)}.jpg"
        return {"id": genre_id, "name": name, "image": image(path), "total_releases": total}

    def genres_of(self, title: Title) -> list[Json]:
        """The release's genres as genre models."""
        ids = self.genre_ids()
        return [self.genre(str(g), ids[str(g)]) for g in title.get("genres") or [] if str(g) in ids]

    # --- franchises ------------------------------------------------------------------------

    def franchises(self) -> list[list[Title]]:
        """Each franchise's titles in watch order (two or more titles of the catalog)."""
        found: dict[tuple[str, ...], list[Title]] = {}
        for title in self.catalog.titles:
            description = str(title.get("description") or "")
            marker = _WATCH_ORDER.search(description)
            if marker is None:
                continue
            codes = tuple(dict.fromkeys(_RELEASE_LINK.findall(description[marker.end() :])))
            if codes in found:
                continue
            members = [t for c in codes if (t := self.catalog.title_by_code(c)) is not None]
            if len(members) >= 2:
                found[codes] = members
        return list(found.values())

    def franchise(self, titles: list[Title], *, with_releases: bool = False) -> Json:
        """The franchise model of these titles (the first one names it)."""
        first = titles[0]
        franchise_id = str(uuid.uuid5(NAMESPACE, f"franchise:{first.get('code')}"))
        names = first.get("names") or {}
        years = [year_of(t) for t in titles if year_of(t)]
        episodes = sum(len(playlist_items(t)) for t in titles)
        seconds = sum(len(playlist_items(t)) * (_minutes(t) or 0) * 60 for t in titles)
        posters = first.get("posters") or {}
        poster = next((p.get("url") for p in posters.values() if isinstance(p, dict)), None)
        out: Json = {
            "id": franchise_id,
            "name": names.get("ru"),
            "name_english": names.get("en"),
            "image": image(poster),
            "rating": None,
            "last_year": max(years, default=None),
            "first_year": min(years, default=None),
            "total_releases": len(titles),
            "total_episodes": episodes,
            "total_duration": _duration_text(seconds),
            "total_duration_in_seconds": seconds,
        }
        if with_releases:
            out["franchise_releases"] = [
                {
                    "id": str(uuid.uuid5(NAMESPACE, f"{franchise_id}:{title['id']}")),
                    "sort_order": order,
                    "release_id": title["id"],
                    "franchise_id": franchise_id,
                    "release": self.release(title),
                }
                for order, title in enumerate(titles, start=1)
            ]
        return out


def _duration_text(seconds: int) -> str | None:
    """`2 дн. 5 ч. 30 мин.`, leaving out the parts that are zero."""
    days, rest = divmod(seconds, 86_400)
    hours, minutes = divmod(rest // 60, 60)
    parts = [(days, "дн."), (hours, "ч."), (minutes, "мин.")]
    return " ".join(f"{n} {unit}" for n, unit in parts if n) or None

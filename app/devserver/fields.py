"""Response shaping shared by the AniLibria methods: filter/remove paths, description and
playlist formats, and the `include` list.

Paths are dot-separated keys with optional `[n]` (one array element) and `[*]` (every element or
every key) segments: `names.alternative`, `team.voice[0]`, `player.playlist.24`,
`torrents.list[*].torrent_id`, `genres[0]`. A numeric name addresses a list element and `[n]` a
dict key `"n"`, so `player.playlist.24` and `player.playlist[24]` mean the same in object form.

`through_lists` rewrites paths for APIs that step into lists implicitly (AniLiberty's).

`filter` keeps only what the paths select, with their parents, in the original order; several
paths into one list merge element-wise (`torrents.list[*].torrent_id,torrents.list[*].hash`
gives one list of two-key objects). `remove` drops what they select. Neither mutates its input:
the parts they don't touch are shared with it.
"""

from __future__ import annotations

import html
import re
from typing import Any

STAR = "*"
"""The `[*]` segment."""

Segment = str | int
Path = tuple[Segment, ...]

DESCRIPTION_TYPES = ("html", "plain", "no_view_order")
PLAYLIST_TYPES = ("object", "array")
INCLUDES = ("raw_poster", "raw_torrent", "torrent_meta")

_SEGMENT = re.compile(r"\[(\d+|\*)\]|([^.\[\]]+)")
_VIEW_ORDER = re.compile(r"порядок\s+просмотра", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>|</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


class _Full:
    """Trie marker: the whole node at this point is selected."""


_FULL = _Full()
_Trie = dict[Segment, "_Trie | _Full"]


def parse_paths(text: str) -> list[Path]:
    """Parse a comma-separated `filter`/`remove` value; raises ValueError on a malformed path."""
    paths = []
    for raw in text.split(","):
        raw = raw.strip()
        if not raw:
            continue
        segments: list[Segment] = []
        position = 0
        while position < len(raw):
            if raw[position] == "." and segments and position + 1 < len(raw):
                position += 1
            match = _SEGMENT.match(raw, position)
            if match is None:
                raise ValueError(f"Invalid path: {raw}")
            index, name = match.groups()
            if index is None:
                segments.append(name)
            else:
                segments.append(STAR if index == STAR else int(index))
            position = match.end()
        paths.append(tuple(segments))
    return paths


def apply_filter(value: Any, paths: list[Path]) -> Any:
    """Keep only the parts of `value` that `paths` select (an empty dict when none exist)."""
    trie = _build_trie(value, paths)
    if isinstance(trie, _Full):
        return value
    kept = _keep(value, trie)
    return kept if kept is not _MISSING else ({} if isinstance(value, dict) else [])


def apply_remove(value: Any, paths: list[Path]) -> Any:
    """A copy of `value` without the parts that `paths` select."""
    trie = _build_trie(value, paths)
    if isinstance(trie, _Full):
        return {} if isinstance(value, dict) else []
    return _drop(value, trie)


def through_lists(value: Any, paths: list[Path]) -> list[Path]:
    """`paths` with a `[*]` wherever a key meets a list in `value`, so `episodes.hls_720`
    addresses that key in every episode (how AniLiberty's `include`/`exclude` read paths).
    The lists of one response are taken to hold alike items: the first one is followed."""
    return [_through_lists(value, path) for path in paths]


def _through_lists(node: Any, path: Path) -> Path:
    out: list[Segment] = []
    for segment in path:
        while isinstance(node, list) and isinstance(segment, str) and segment != STAR:
            if segment.isdigit():
                break
            out.append(STAR)
            node = node[0] if node else None
        out.append(segment)
        node = _representative(node, segment)
    return tuple(out)


def _representative(node: Any, segment: Segment) -> Any:
    """The child of `node` that `segment` leads to (the first one for `[*]`), or None."""
    children = _children(node, segment)
    return node[children[0]] if children else None


def render_description(description: str | None, kind: str) -> str | None:
    """The stored HTML description as `html`, `plain` text, or plain `no_view_order`."""
    if description is None or kind == "html":
        return description
    if kind == "no_view_order":
        marker = _VIEW_ORDER.search(description)
        if marker is not None:
            description = description[: marker.start()]
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", description)))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def playlist_as(playlist: Any, kind: str) -> Any:
    """The playlist in `object` form (keyed by episode number) or as an `array` by episode."""
    if kind == "array" and isinstance(playlist, dict):
        return [playlist[key] for key in sorted(playlist, key=_episode_order)]
    return playlist


def _episode_order(key: str) -> tuple[int, float, str]:
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


class _Missing:
    pass


_MISSING = _Missing()


def _children(node: Any, segment: Segment) -> list[Segment]:
    """The concrete keys/indices of `node` that one segment addresses."""
    if isinstance(node, dict):
        if segment == STAR:
            return list(node)
        key = str(segment)
        return [key] if key in node else []
    if isinstance(node, list):
        if segment == STAR:
            return list(range(len(node)))
        if isinstance(segment, int) or segment.isdigit():
            index = int(segment)
            return [index] if index < len(node) else []
    return []


def _build_trie(value: Any, paths: list[Path]) -> _Trie | _Full:
    root: _Trie = {}
    for path in paths:
        if not path:
            return _FULL
        _insert(root, value, path)
    return root


def _insert(trie: _Trie, node: Any, path: Path) -> None:
    segment, rest = path[0], path[1:]
    for key in _children(node, segment):
        existing = trie.get(key)
        if isinstance(existing, _Full):
            continue
        if not rest:
            trie[key] = _FULL
            continue
        if existing is None:
            existing = trie[key] = {}
        _insert(existing, node[key], rest)


def _keep(node: Any, trie: _Trie) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, child in node.items():
            sub = trie.get(key)
            if sub is None:
                continue
            kept = child if isinstance(sub, _Full) else _keep(child, sub)
            if kept is not _MISSING:
                out[key] = kept
        return out if out else _MISSING
    if isinstance(node, list):
        items = []
        for index, child in enumerate(node):
            sub = trie.get(index)
            if sub is None:
                continue
            kept = child if isinstance(sub, _Full) else _keep(child, sub)
            if kept is not _MISSING:
                items.append(kept)
        return items if items else _MISSING
    return _MISSING


def _drop(node: Any, trie: _Trie) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, child in node.items():
            sub = trie.get(key)
            if sub is None:
                out[key] = child
            elif not isinstance(sub, _Full):
                out[key] = _drop(child, sub)
        return out
    if isinstance(node, list):
        items = []
        for index, child in enumerate(node):
            sub = trie.get(index)
            if sub is None:
                items.append(child)
            elif not isinstance(sub, _Full):
                items.append(_drop(child, sub))
        return items
    return node

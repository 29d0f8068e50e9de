"""The episode number a video file's name carries, and which files are videos.

Release names pack much more than the episode: groups and CRCs in brackets, resolutions
(`1080p`, `1920x1080`), codecs (`x265`, `H.264`, `AAC2.0`), years, seasons, versions (`07v2`),
batches (`01-12`). `episode_from_name` reads the episode only where a name marks it, in this
order, and answers None rather than guess:

1. `S01E07` (and `1x07`);
2. a batch (`01-12`, `01~12`, `E01-E12`, the word "batch") names no single episode: None;
3. a marker: `E07`, `Ep 07`, `Episode 7`, `#07`, Russian `Серия 07` / `07 серия`, `第07話`;
4. ` - 07` (the last one, as in `Show - 86 - 07`), also `- 12.5` and `- 07v2`;
5. a bracket holding only the number: `[07]`, `(07)` (AniLibria's own names), not a year;
6. a zero-padded number standing alone (`Show 07.mkv`), once years, resolutions, codecs and
   bracketed tags are gone. An unpadded one (`Show 2.mkv`, `Mob Psycho 100.mkv`) is more often
   part of the name than an episode, so it is not read.

Names with underscores or dots for spaces (`Show_-_07`, `Show.S01E07.1080p`) are read as if
they had spaces; a dot before one last digit stays (`12.5` is a special).
"""

from __future__ import annotations

import re

__all__ = ["VIDEO_EXTENSIONS", "episode_from_name", "is_video"]

VIDEO_EXTENSIONS = frozenset({".mkv", ".mp4", ".avi", ".webm", ".ts", ".m4v"})
"""The files a library counts as episodes."""

_NUMBER = r"(\d{1,4}(?:\.5)?)"
"""An episode number: up to 4 digits, and `.5` for the in-between specials (12.5)."""
_END = r"(?:v\d{1,2})?(?![\w.])"
"""After a number: an optional version (`07v2`), then no letter, digit or dot (`1080p`, `5.1`)."""

_SEASON_EPISODE = re.compile(rf"\bS\d{{1,2}}\s?E{_NUMBER}{_END}|\b\d{{1,2}}x{_NUMBER}{_END}", re.I)
_RANGE = re.compile(
    # 01-12, E01-E12, 01~12, 01 ~ 12, and inside brackets 01 - 12; not "Show 2 - 04".
    r"(?<![\w.])(?:E|Ep\s?)?(\d{1,4})(?:[-~]|\s~\s)(?:E|Ep\s?)?(\d{1,4})(?![\w.])"
    r"|[\[(]\s*(\d{1,4})\s*[-~]\s*(\d{1,4})\s*[\])]",
    re.I,
)
_BATCH_WORD = re.compile(r"\bbatch\b", re.I)
_MARKED = re.compile(
    rf"(?:\b(?:E|Ep\.?|Episode|Серия|Эпизод)\s?|#){_NUMBER}{_END}"
    rf"|(?<![\w.]){_NUMBER}\s?(?:серия|эпизод)\b"
    rf"|第\s?{_NUMBER}\s?[話话集]",
    re.I,
)
_DASHED = re.compile(rf"\s-\s+{_NUMBER}{_END}")
_BRACKETED = re.compile(rf"[\[(]\s*{_NUMBER}{_END}\s*[\])]")
_PADDED = re.compile(r"(?<![\w.])(0\d{1,3}(?:\.5)?)(?:v\d{1,2})?(?![\w.])")

# Tags that hold digits but no episode; removed before the batch and bare-number rules.
_NOISE = re.compile(
    r"\b\d{3,4}\s?x\s?\d{3,4}\b"  # 1920x1080
    r"|\b\d{3,4}[pi]\b"  # 1080p, 1080i
    r"|\b[xh]\s?\.?\s?26[45]\b|\bhevc\b|\bavc\b|\bav1\b"  # x265, H.264
    r"|\b(?:8|10|12)\s?-?bits?\b"  # 10bit, 10-bit
    r"|\b(?:aac|ac3|e?-?ac-?3|ddp?|dts|flac|opus|mp3)\s?\d?(?:\.\d)?\b"  # AAC2.0, DDP5.1
    r"|\b[0-9a-f]{8}\b"  # a CRC32
    r"|\b(?:19[5-9]\d|20\d\d)\b"  # a year
    r"|\bS\d{1,2}\b|\bseason\s?\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)\s+season\b"  # seasons
    r"|\b(?:part|cour|vol)\.?\s?\d{1,2}\b",  # parts and volumes
    re.I,
)
_YEAR_ONLY = re.compile(r"(?:19[5-9]\d|20\d\d)")
_TAG_GROUP = re.compile(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}")


def is_video(name: str) -> bool:
    """Whether `name` (a file name or path) is a video the library counts."""
    dot = name.rfind(".")
    return dot > name.rfind("/") and name[dot:].lower() in VIDEO_EXTENSIONS


def episode_from_name(name: str) -> int | float | None:
    """The episode number the file name `name` carries (a path: its last part): 7, 12.5, or
    None when it names none or several (a batch). See the module docstring for the rules."""
    stem = _readable(_stem(name))
    match = _SEASON_EPISODE.search(stem)
    if match is not None:
        return _number(match.group(1) or match.group(2))
    quiet = _NOISE.sub(" ", stem)
    if _is_batch(quiet):
        return None
    match = _MARKED.search(stem)
    if match is not None:
        return _number(next(group for group in match.groups() if group))
    dashed = [m for m in _DASHED.finditer(stem) if not _YEAR_ONLY.fullmatch(m.group(1))]
    if dashed:
        return _number(dashed[-1].group(1))
    for match in _BRACKETED.finditer(stem):
        if not _YEAR_ONLY.fullmatch(match.group(1)):
            return _number(match.group(1))
    padded = _PADDED.findall(_TAG_GROUP.sub(" ", quiet))
    return _number(padded[-1]) if padded else None


def _is_batch(text: str) -> bool:
    """Whether `text` names a run of episodes: a rising range, or the word batch."""
    if _BATCH_WORD.search(text):
        return True
    for match in _RANGE.finditer(text):
        first, last = (int(g) for g in match.groups() if g is not None)
        if first < last:
            return True
    return False


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    # Only a real extension goes: "Show - 12.5" keeps its special's ".5".
    return base[:dot] if dot > 0 and not base[dot + 1 :].isdigit() else base


def _readable(stem: str) -> str:
    """Underscores, and dots when they stand for spaces (no space in the name), become spaces;
    a dot between a digit and one last digit (12.5, 5.1) stays, "E07.1080p"'s does not."""
    stem = stem.replace("_", " ")
    if " " not in stem and stem.count(".") >= 2:
        stem = re.sub(r"(?<!\d)\.|\.(?!\d(?!\d))", " ", stem)
    return stem


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value

"""Bencode (BEP 3): a strict decoder for untrusted input and the encoder, without dependencies.

The decoder reads .torrent files a user or a tracker hands us, so it is strict where leniency
lets two parsers disagree about the same bytes: integers and string lengths must be canonical
(no leading zeros, no `-0`), dictionary keys must be strings and unique, and nothing may follow
the top-level value. Keys out of order are allowed (old torrent makers wrote them) but reported,
because libtorrent refuses them in v2 info dictionaries. Depth, item count and integer width are
bounded, so hostile input costs little.

`decode_with_spans` also returns where each value of the top-level dictionary lies in the
input: a torrent's info-hash is the hash of the info dictionary's exact bytes, never of a
re-encoding. For the same reason the encoder writes `Raw` bytes verbatim.

The devserver builds its torrents with this module rather than libtorrent, so that it stays a
light, pure-Python dependency of the tests and of `--demo`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_ITEMS",
    "Bencodable",
    "BencodeError",
    "Decoded",
    "Raw",
    "bdecode",
    "bencode",
    "decode_with_spans",
]

MAX_DEPTH = 100
"""Nesting limit (libtorrent's default `max_decode_depth`)."""

MAX_ITEMS = 3_000_000
"""Item limit (libtorrent's default `max_decode_tokens`)."""

_MAX_INT_DIGITS = 20
"""Enough for any 64-bit integer; longer ones are garbage (and slow to convert)."""

_DIGITS = frozenset(b"0123456789")


class BencodeError(ValueError):
    """The input is not valid (strict) bencode; str() says what and where."""


@dataclass
class Decoded:
    """A decoded value and facts about the input it came from."""

    value: Any
    spans: dict[bytes, tuple[int, int]] = field(default_factory=dict)
    """For a top-level dictionary: key -> (start, end) offsets of its value in the input."""
    unsorted_at: list[int] = field(default_factory=list)
    """Offsets of dictionaries whose keys are not in sorted order."""


def bdecode(data: bytes, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> Any:
    """Decode `data` (strings stay `bytes`); `BencodeError` on anything not strictly valid."""
    return decode_with_spans(data, max_depth=max_depth, max_items=max_items).value


def decode_with_spans(
    data: bytes, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS
) -> Decoded:
    """Decode `data` and record the spans of the top-level dictionary's values."""
    decoder = _Decoder(bytes(data), max_depth, max_items)
    if not decoder.data:
        raise BencodeError("empty input")
    value, end = decoder.value(0, 0, top=True)
    if end != len(decoder.data):
        raise BencodeError(f"trailing data at offset {end}")
    return Decoded(value, decoder.spans, decoder.unsorted_at)


class _Decoder:
    def __init__(self, data: bytes, max_depth: int, max_items: int) -> None:
        self.data = data
        self.max_depth = max_depth
        self.max_items = max_items
        self.items = 0
        self.spans: dict[bytes, tuple[int, int]] = {}
        self.unsorted_at: list[int] = []

    def value(self, pos: int, depth: int, *, top: bool = False) -> tuple[Any, int]:
        data = self.data
        if pos >= len(data):
            raise BencodeError("unexpected end of data")
        self.items += 1
        if self.items > self.max_items:
            raise BencodeError("too many items")
        lead = data[pos]
        if lead == 0x69:  # i
            return self.integer(pos)
        if lead in _DIGITS:
            return self.string(pos)
        if depth >= self.max_depth:
            raise BencodeError(f"nested deeper than {self.max_depth} levels")
        if lead == 0x6C:  # l
            items: list[Any] = []
            pos += 1
            while True:
                if pos >= len(data):
                    raise BencodeError("unterminated list")
                if data[pos] == 0x65:  # e
                    return items, pos + 1
                item, pos = self.value(pos, depth + 1)
                items.append(item)
        if lead == 0x64:  # d
            return self.dictionary(pos, depth, top=top)
        raise BencodeError(f"unexpected byte {data[pos : pos + 1]!r} at offset {pos}")

    def dictionary(self, pos: int, depth: int, *, top: bool) -> tuple[dict[bytes, Any], int]:
        data = self.data
        start = pos
        result: dict[bytes, Any] = {}
        previous: bytes | None = None
        pos += 1
        while True:
            if pos >= len(data):
                raise BencodeError("unterminated dictionary")
            if data[pos] == 0x65:  # e
                return result, pos + 1
            if data[pos] not in _DIGITS:
                raise BencodeError(f"dictionary key at offset {pos} is not a string")
            key, pos = self.string(pos)
            if key in result:
                raise BencodeError(f"duplicate dictionary key {key[:40]!r} at offset {pos}")
            if previous is not None and key < previous and start not in self.unsorted_at:
                self.unsorted_at.append(start)
            previous = key
            value_start = pos
            result[key], pos = self.value(pos, depth + 1)
            if top:
                self.spans[key] = (value_start, pos)

    def integer(self, pos: int) -> tuple[int, int]:
        data = self.data
        end = data.find(b"e", pos + 1, pos + 2 + _MAX_INT_DIGITS + 1)
        if end < 0:
            raise BencodeError(f"bad integer at offset {pos}")
        text = data[pos + 1 : end]
        digits = text[1:] if text[:1] == b"-" else text
        if (
            not digits
            or not all(c in _DIGITS for c in digits)
            or (len(digits) > 1 and digits[0] == 0x30)
            or text == b"-0"
            or len(digits) > _MAX_INT_DIGITS
        ):
            raise BencodeError(f"bad integer at offset {pos}")
        return int(text), end + 1

    def string(self, pos: int) -> tuple[bytes, int]:
        data = self.data
        colon = data.find(b":", pos, pos + _MAX_INT_DIGITS + 1)
        if colon < 0:
            raise BencodeError(f"bad string length at offset {pos}")
        digits = data[pos:colon]
        if (
            not digits
            or not all(c in _DIGITS for c in digits)
            or (len(digits) > 1 and digits[0] == 0x30)
        ):
            raise BencodeError(f"bad string length at offset {pos}")
        length = int(digits)
        start = colon + 1
        if start + length > len(data):
            raise BencodeError(f"string at offset {pos} runs past the end of data")
        return data[start : start + length], start + length


class Raw(bytes):
    """Bytes that are already bencoded and are written verbatim (e.g. a torrent's info dict)."""


Bencodable = int | bytes | str | list[Any] | dict[Any, Any]
"""What `bencode` takes: `str` is written as UTF-8, `Raw` as is; nested values likewise."""


def bencode(value: Bencodable) -> bytes:
    """Encode `value`, dictionary keys sorted by their raw bytes as BEP 3 requires.

    `TypeError` for anything bencode cannot say (booleans, floats, None) and for a dictionary
    whose keys collide once encoded (`"a"` and `b"a"`).
    """
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def _encode(value: object, out: list[bytes]) -> None:
    # bool first: it is an int to isinstance, and writing True as i1e would lose the type silently.
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, Raw):
        out.append(bytes(value))
    elif isinstance(value, int):
        out.append(b"i%de" % value)
    elif isinstance(value, (bytes, str)):
        raw = _as_bytes(value)
        out.append(b"%d:" % len(raw))
        out.append(raw)
    elif isinstance(value, list):
        out.append(b"l")
        for item in value:
            _encode(item, out)
        out.append(b"e")
    elif isinstance(value, dict):
        items = {_as_bytes(key): item for key, item in value.items()}
        if len(items) != len(value):
            raise TypeError("dictionary keys collide once encoded as bytes")
        out.append(b"d")
        for key in sorted(items):
            _encode(key, out)
            _encode(items[key], out)
        out.append(b"e")
    else:
        raise TypeError(f"cannot bencode {type(value).__name__}")


def _as_bytes(text: object) -> bytes:
    if isinstance(text, bytes):
        return bytes(text)
    if isinstance(text, str):
        return text.encode("utf-8")
    raise TypeError(f"dictionary key must be str or bytes, not {type(text).__name__}")

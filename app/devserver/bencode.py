"""A small bencoder/decoder for the .torrent files the devserver generates.

The devserver builds torrents itself instead of importing libtorrent so that it stays a light,
pure-Python dependency of the tests and of `--demo`.
"""

from __future__ import annotations

from typing import Any


class Raw(bytes):
    """Bytes that are already bencoded and are written verbatim (e.g. a torrent's info dict)."""


Bencodable = int | bytes | str | list[Any] | dict[Any, Any]


class BencodeError(ValueError):
    """Raised for input that is not valid bencode."""


def bencode(value: Bencodable) -> bytes:
    """Encode `value`; dict keys are sorted by their raw bytes as BEP 3 requires."""
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def _encode(value: Any, out: list[bytes]) -> None:
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, Raw):
        out.append(bytes(value))
    elif isinstance(value, int):
        out.append(b"i%de" % value)
    elif isinstance(value, (bytes, str)):
        raw = value.encode("utf-8") if isinstance(value, str) else value
        out.append(b"%d:" % len(raw))
        out.append(raw)
    elif isinstance(value, list):
        out.append(b"l")
        for item in value:
            _encode(item, out)
        out.append(b"e")
    elif isinstance(value, dict):
        items = sorted(
            ((k.encode("utf-8") if isinstance(k, str) else k), v) for k, v in value.items()
        )
        out.append(b"d")
        for key, item in items:
            _encode(key, out)
            _encode(item, out)
        out.append(b"e")
    else:
        raise TypeError(f"cannot bencode {type(value).__name__}")


def bdecode(data: bytes) -> Any:
    """Decode bencoded `data` (strings stay `bytes`); raises `BencodeError` on bad input."""
    try:
        value, end = _decode(data, 0)
    except (ValueError, IndexError) as exc:
        raise BencodeError(str(exc)) from exc
    if end != len(data):
        raise BencodeError(f"trailing data at offset {end}")
    return value


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    if pos >= len(data):
        raise BencodeError("unexpected end of data")
    lead = data[pos : pos + 1]
    if lead == b"i":
        end = data.index(b"e", pos)
        return int(data[pos + 1 : end]), end + 1
    if lead == b"l":
        items: list[Any] = []
        pos += 1
        while data[pos : pos + 1] != b"e":
            item, pos = _decode(data, pos)
            items.append(item)
        return items, pos + 1
    if lead == b"d":
        result: dict[bytes, Any] = {}
        pos += 1
        while data[pos : pos + 1] != b"e":
            key, pos = _decode(data, pos)
            if not isinstance(key, bytes):
                raise BencodeError("dictionary key is not a string")
            result[key], pos = _decode(data, pos)
        return result, pos + 1
    if lead.isdigit():
        colon = data.index(b":", pos)
        length = int(data[pos:colon])
        start = colon + 1
        if start + length > len(data):
            raise BencodeError("string runs past the end of data")
        return data[start : start + length], start + length
    raise BencodeError(f"unexpected byte {lead!r} at offset {pos}")

"""The one bencode codec: a strict, bounded decoder for hostile input and a canonical encoder.

libtorrent is the reference where it matters: what the encoder writes, libtorrent reads to the
same info-hash (the torrent tests and the devserver tests build every torrent with it).
"""

from __future__ import annotations

import pytest

from app.bencode import BencodeError, Raw, bdecode, bencode, decode_with_spans

# --------------------------------------------------------------------------------------------
# The decoder


def test_decoder_spans_and_strictness() -> None:
    data = b"d1:ai1e4:infod1:xi-3ee1:zl0:ee"
    decoded = decode_with_spans(data)
    assert decoded.value == {b"a": 1, b"info": {b"x": -3}, b"z": [b""]}
    start, end = decoded.spans[b"info"]
    assert data[start:end] == b"d1:xi-3ee"
    assert decode_with_spans(b"d1:bi1e1:ai2ee").unsorted_at == [0]
    assert bdecode(b"i0e") == 0
    for bad in (b"i-e", b"ie", b"i1", b"1:", b"5:ab", b"d1:ae", b"di1ei2ee", b"x", b"le "):
        with pytest.raises(BencodeError):
            bdecode(bad)
    with pytest.raises(BencodeError, match="too many"):
        bdecode(b"l" + b"i1e" * 100 + b"e", max_items=50)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"i01e", "bad integer"),
        (b"i-0e", "bad integer"),
        (b"i" + b"9" * 21 + b"e", "bad integer"),
        (b"01:a", "bad string length"),
        (b"d1:ai1e1:ai2ee", "duplicate"),
        (b"i1ei2e", "trailing"),
        (b"l" * 101 + b"e" * 101, "deeper"),
    ],
)
def test_decoder_refuses_what_lenient_parsers_read_differently(data: bytes, reason: str) -> None:
    with pytest.raises(BencodeError, match=reason):
        bdecode(data)


# --------------------------------------------------------------------------------------------
# The encoder


def test_round_trip_sorts_keys_and_writes_text_as_utf8() -> None:
    value = {"b": [1, -2, b"\x00\xff"], "a": {"x": "тест"}}
    encoded = bencode(value)
    assert encoded == b"d1:ad1:x8:\xd1\x82\xd0\xb5\xd1\x81\xd1\x82e1:bli1ei-2e2:\x00\xffee"
    assert bdecode(encoded) == {b"a": {b"x": "тест".encode()}, b"b": [1, -2, b"\x00\xff"]}


def test_raw_is_written_verbatim_so_an_info_hash_survives() -> None:
    info = b"d4:name1:b4:abcdi1ee"  # keys out of order: a re-encoding would change its hash
    torrent = bencode({"info": Raw(info), "announce": "http://t.example/a"})
    assert torrent == b"d8:announce18:http://t.example/a4:info" + info + b"e"
    decoded = decode_with_spans(torrent)
    start, end = decoded.spans[b"info"]
    assert torrent[start:end] == info


@pytest.mark.parametrize("value", [True, 1.5, None, {"a": 1, b"a": 2}, {1: b"x"}, (1, 2)])
def test_encoder_refuses_what_bencode_cannot_say(value: object) -> None:
    with pytest.raises(TypeError):
        bencode(value)  # type: ignore[arg-type]

"""Torrent input: hostile .torrent files refused before libtorrent sees them, file indices
equal to libtorrent's own (pad files counted), magnets, bare hashes, paths, free space and save
folders. (The strict bencode decoder underneath has its own tests in tests/test_bencode.py.)

Hand-bencoded torrents cover every refused case; libtorrent itself is the reference for what
is accepted (indices, sizes, paths, info-hashes).
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import libtorrent as lt
import pytest

from app.bencode import bdecode, bencode
from app.devserver.seeder import make_torrent
from app.services.torrent_meta import (
    MAX_TORRENT_BYTES,
    TorrentInputError,
    check_free_space,
    clean_text,
    parse_info_hash,
    parse_magnet,
    parse_torrent,
    parse_user_input,
    safe_save_path,
)

PL = 16384
PASSKEY = "0123456789abcdef0123456789abcdef"
ANNOUNCE = f"http://tracker.example/announce?passkey={PASSKEY}"


# --------------------------------------------------------------------------------------------
# Helpers: hand-made torrents and libtorrent's view of them


def v1_multi(files: Sequence[object], name: bytes = b"show", **extra: Any) -> bytes:
    """A v1 multi-file torrent around `files` (hashes are filler: only the layout matters; a
    file entry need not be a dictionary, to test refusals)."""
    total = sum(f.get(b"length", 0) for f in files if isinstance(f, dict))
    info: dict[bytes, Any] = {
        b"name": name,
        b"piece length": PL,
        b"pieces": b"\x01" * 20 * max(1, -(-total // PL)),
        b"files": list(files),
    }
    info.update({k.encode(): v for k, v in extra.items()})
    return bencode({b"announce": ANNOUNCE.encode(), b"info": info})


def v1_single(
    name: bytes, length: int = 5, fields: Mapping[bytes, Any] | None = None, **extra: Any
) -> bytes:
    """A v1 single-file torrent; `fields` adds info keys that are no Python names."""
    info: dict[bytes, Any] = {
        b"name": name,
        b"piece length": PL,
        b"pieces": b"\x01" * 20 * max(1, -(-length // PL)),
        b"length": length,
    }
    info.update({k.encode(): v for k, v in extra.items()})
    info.update(fields or {})
    return bencode({b"announce": ANNOUNCE.encode(), b"info": info})


def f(*path: bytes, length: int = 5, **extra: Any) -> dict[bytes, Any]:
    entry: dict[bytes, Any] = {b"length": length, b"path": list(path)}
    entry.update({k.encode(): v for k, v in extra.items()})
    return entry


def link(*path: bytes, target: Sequence[bytes]) -> dict[bytes, Any]:
    return {b"attr": b"l", b"length": 0, b"path": list(path), b"symlink path": list(target)}


def leaf(length: int) -> dict[bytes, Any]:
    node: dict[bytes, Any] = {b"length": length}
    if length:
        node[b"pieces root"] = b"\x02" * 32
    return {b"": node}


def v2_only(tree: dict[bytes, Any], name: bytes = b"show") -> bytes:
    info = {b"name": name, b"piece length": PL, b"meta version": 2, b"file tree": tree}
    return bencode({b"info": info, b"piece layers": {}})


def lt_files(data: bytes) -> list[tuple[int, str, int]]:
    """(index, path, size) of every non-pad file, as libtorrent's file_storage has them."""
    layout = lt.torrent_info(data).layout()
    return [
        (i, layout.file_path(i), layout.file_size(i))
        for i in range(layout.num_files())
        if not layout.file_flags(i) & lt.file_storage.flag_pad_file
    ]


def lt_info_hash(data: bytes) -> str:
    hashes = lt.torrent_info(data).info_hashes()
    return str(hashes.v1) if hashes.has_v1() else str(hashes.v2)[:40]


def ours(data: bytes) -> list[tuple[int, str, int]]:
    return [(x.index, x.path, x.size) for x in parse_torrent(data).files]


def refused(data: bytes, *fragments: str) -> str:
    with pytest.raises(TorrentInputError) as caught:
        parse_torrent(data)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert PASSKEY not in message
    return message


def create(root: Path, files: Sequence[tuple[str, int]], flags: int, piece_length: int) -> bytes:
    """A torrent of `files` (written under `root`) made by libtorrent with `flags`."""
    rng = random.Random(len(files) * 7 + flags)
    entries = []
    for path, size in files:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(rng.randbytes(size))
        entries.append(lt.create_file_entry(path, size))
    # A list of entries, not a file_storage (deprecated in libtorrent 2.1): the same torrent.
    creator = lt.create_torrent(entries, piece_length, flags=flags)
    lt.set_piece_hashes(creator, str(root))
    return bytes(lt.bencode(creator.generate()))


FLAGS = {
    "hybrid": 0,
    "v1": lt.create_torrent.v1_only,
    "v2": lt.create_torrent.v2_only,
}


# --------------------------------------------------------------------------------------------
# The same files, indices and hashes as libtorrent


@pytest.mark.parametrize("kind", FLAGS)
def test_batch_indices_sizes_and_hash_match_libtorrent(tmp_path: Path, kind: str) -> None:
    files = [
        ("Show/Show - 01.mkv", 40_000),
        ("Show/Show - 02.mkv", 10_000),
        ("Show/extras/empty.txt", 0),
        ("Show/extras/notes.txt", 5),
        ("Show/Show - 03.mkv", 2 * PL),
    ]
    data = create(tmp_path, files, FLAGS[kind], PL)
    spec = parse_torrent(data)
    assert ours(data) == lt_files(data)
    assert spec.info_hash == lt_info_hash(data)
    assert spec.total_size == sum(size for _, size in files)
    assert spec.name == "Show"
    assert spec.torrent == data and spec.magnet is None
    if kind != "v1":
        # 2.x torrents hold pad files: naive positions are wrong from the second file on.
        assert [x.index for x in spec.files] != list(range(len(spec.files)))


@pytest.mark.parametrize("kind", FLAGS)
@pytest.mark.parametrize("size", [5, PL, 3 * PL + 1])
def test_single_file_matches_libtorrent(tmp_path: Path, kind: str, size: int) -> None:
    data = create(tmp_path, [("Movie.mkv", size)], FLAGS[kind], PL)
    spec = parse_torrent(data)
    assert ours(data) == lt_files(data) == [(0, "Movie.mkv", size)]
    assert spec.info_hash == lt_info_hash(data)


def test_many_random_layouts_match_libtorrent(tmp_path: Path) -> None:
    rng = random.Random(4)
    for trial in range(12):
        root = tmp_path / str(trial)
        count = rng.randint(2, 6)
        files = [
            (
                f"Batch/{rng.choice(['', 'a/', 'a/b/', 'c/'])}ep{n:02}.mkv",
                rng.choice([0, 1, PL - 1, PL, PL + 1, rng.randint(1, 5 * PL)]),
            )
            for n in range(count)
        ]
        files[0] = (files[0][0], files[0][1] or 1)
        piece_length = rng.choice([PL, 2 * PL])
        for kind, flags in FLAGS.items():
            data = create(root / kind, files, flags, piece_length)
            assert ours(data) == lt_files(data), (kind, files)
            assert parse_torrent(data).info_hash == lt_info_hash(data)


def test_make_torrent_batch_second_episode_index(tmp_path: Path) -> None:
    """The devserver's torrents (libtorrent defaults) put a pad file after episode 1."""
    episodes = [(f"Ep {n}.mkv", bytes(3 * PL + n)) for n in (1, 2, 3)]
    data = make_torrent(tmp_path, episodes, name="Batch")
    spec = parse_torrent(data)
    assert [x.path for x in spec.files] == ["Batch/Ep 1.mkv", "Batch/Ep 2.mkv", "Batch/Ep 3.mkv"]
    assert spec.files[1].index == 2
    assert ours(data) == lt_files(data)


def test_info_hash_is_sha1_of_the_raw_info_bytes() -> None:
    # Keys out of order: a re-encoding would sort them and hash something else.
    info = b"d6:lengthi5e4:name5:a.mkv12:piece lengthi16384e6:pieces20:" + b"\x01" * 20 + b"e"
    unsorted = info.replace(b"6:lengthi5e4:name5:a.mkv", b"4:name5:a.mkv6:lengthi5e")
    data = b"d4:info" + unsorted + b"e"
    spec = parse_torrent(data)
    assert spec.info_hash == hashlib.sha1(unsorted).hexdigest() == lt_info_hash(data)
    assert spec.info_hash != hashlib.sha1(info).hexdigest()


def test_v1_pad_entries_without_a_path_and_bitcomet_padding_are_counted() -> None:
    data = v1_multi(
        [
            f(b"a.mkv", length=5),
            {b"attr": b"p", b"length": PL - 5},
            f(b"b.mkv", length=PL),
            f(b"_____padding_file_0_", length=3),
            f(b"c.mkv", length=7),
        ]
    )
    assert (
        ours(data)
        == lt_files(data)
        == [
            (0, "show/a.mkv", 5),
            (2, "show/b.mkv", PL),
            (4, "show/c.mkv", 7),
        ]
    )


def test_hybrid_without_tail_pad_follows_the_v1_list() -> None:
    tree = {b"a": leaf(5), b"b": leaf(5)}
    pad = {b"attr": b"p", b"length": PL - 5, b"path": [b".pad", str(PL - 5).encode()]}
    info = {
        b"name": b"t",
        b"piece length": PL,
        b"meta version": 2,
        b"file tree": tree,
        b"files": [f(b"a"), pad, f(b"b")],
        b"pieces": b"\x01" * 40,
    }
    data = bencode({b"info": info, b"piece layers": {}})
    assert ours(data) == lt_files(data) == [(0, "t/a", 5), (2, "t/b", 5)]


def test_v2_single_file_gets_its_tail_pad_and_no_folder() -> None:
    data = v2_only({b"only.mkv": leaf(5)}, name=b"Pack")
    assert ours(data) == lt_files(data) == [(0, "only.mkv", 5)]
    nested = v2_only({b"d": {b"only.mkv": leaf(5)}}, name=b"Pack")
    assert ours(nested) == lt_files(nested) == [(0, "Pack/d/only.mkv", 5)]


def test_name_utf8_and_path_utf8_are_preferred_like_libtorrent() -> None:
    data = v1_multi(
        [{b"length": 5, b"path": [b"\xe0\xf0.mkv"], b"path.utf-8": ["Эпизод.mkv".encode()]}],
        name=b"\xcf\xe0\xea",
        **{"name.utf-8": "Пак".encode()},
    )
    assert ours(data) == lt_files(data) == [(0, "Пак/Эпизод.mkv", 5)]
    assert parse_torrent(data).name == "Пак"


def test_long_names_are_shortened_like_libtorrent() -> None:
    long_with_ext = ("й" * 130 + ".mkv").encode()
    long_without = ("x" * 300).encode()
    data = v1_multi([f(long_with_ext), f(long_without, length=6)])
    assert ours(data) == lt_files(data)
    assert all(
        len(part.encode()) <= 245 for x in parse_torrent(data).files for part in x.path.split("/")
    )


def test_symlinks_inside_the_torrent_are_accepted() -> None:
    data = v1_multi(
        [
            f(b"sub", b"a.mkv", length=20),
            link(b"to-file.mkv", target=[b"sub", b"a.mkv"]),
            link(b"to-dir", target=[b"sub"]),
            link(b"sub", b"sibling.mkv", target=[b"a.mkv"]),  # relative to the link's folder
        ]
    )
    spec = parse_torrent(data)
    assert ours(data) == lt_files(data)
    assert [x.size for x in spec.files] == [20, 0, 0, 0]
    layout = lt.torrent_info(data).layout()
    assert layout.symlink(1) == "show/sub/a.mkv"


def test_trackers_in_tier_order_without_duplicates_or_junk() -> None:
    info = {b"name": b"a", b"piece length": PL, b"pieces": b"\x01" * 20, b"length": 1}
    data = bencode(
        {
            b"announce": b"http://ignored.example/announce",
            b"announce-list": [
                [ANNOUNCE.encode(), b"udp://b.example:80/announce"],
                [b"  ", b"javascript:alert(1)", ANNOUNCE.encode(), 5],
                b"not a tier",
                [b"wss://c.example/announce"],
            ],
            b"info": info,
        }
    )
    assert parse_torrent(data).trackers == (
        ANNOUNCE,
        "udp://b.example:80/announce",
        "wss://c.example/announce",
    )
    assert parse_torrent(v1_single(b"a.mkv")).trackers == (ANNOUNCE,)


def test_display_name_is_cleaned() -> None:
    spec = parse_torrent(v1_single("Show\u200b [1080p]\x7f.mkv".encode()))
    assert spec.name == "Show [1080p].mkv"
    assert clean_text(" a\u202eb\u2028c\x1b[31m ") == "ab c[31m".replace(" c", "c")


# --------------------------------------------------------------------------------------------
# Refused: what libtorrent would silently rewrite


def test_libtorrent_itself_rewrites_dotdot_silently() -> None:
    """Why we check first: libtorrent accepts `..` and quietly renames it."""
    data = v1_multi([f(b"..", b"..", b".bashrc")])
    assert lt_files(data) == [(0, "show/_/_/.bashrc", 5)]
    refused(data, "unsafe file path", "“..”")


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ([b"..", b"etc", b"passwd"], "“..”"),
        ([b"sub", b".."], "“..”"),
        ([b"."], "“.”"),
        ([b"/etc/passwd"], "path separator"),
        ([b"sub/../../x"], "path separator"),
        ([b"..\\..\\x"], "path separator"),
        ([b"", b"a.mkv"], "an empty name"),
        ([b"a", b""], "an empty name"),
        ([b"a\x00b"], "control characters"),
        ([b"a\nb.mkv"], "control characters"),
        (["evil\u202evkm.exe".encode()], "control characters"),
        ([b"\xff\xfe.mkv"], "not valid UTF-8"),
    ],
)
def test_unsafe_v1_paths_are_refused(path: list[bytes], fragment: str) -> None:
    message = refused(v1_multi([f(b"ok.mkv"), f(*path)]), fragment)
    assert "\x00" not in message and "\n" not in message and "\u202e" not in message


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        (b"..", "unsafe name"),
        (b"/etc", "path separator"),
        (b"", "an empty name"),
        (b"a\x1bb", "control characters"),
    ],
)
def test_unsafe_names_are_refused(name: bytes, fragment: str) -> None:
    refused(v1_single(name), fragment)
    refused(v1_multi([f(b"a.mkv")], name=name), fragment)


def test_unsafe_path_utf8_is_refused_even_when_path_is_fine() -> None:
    data = v1_multi([{b"length": 5, b"path": [b"fine.mkv"], b"path.utf-8": [b"..", b"x"]}])
    refused(data, "“..”")


@pytest.mark.parametrize(
    "tree",
    [
        {b"..": {b"x": leaf(5)}},
        {b"a/b": leaf(5)},
        {b"d": {b"..": leaf(5)}},
        {b"a\x01": leaf(5)},
    ],
)
def test_unsafe_v2_file_tree_keys_are_refused(tree: dict[bytes, Any]) -> None:
    refused(v2_only({b"ok": leaf(5), **tree}), "unsafe file path")


@pytest.mark.parametrize(
    "target",
    [
        [b"..", b"..", b"etc", b"passwd"],
        [b"sub", b"..", b"..", b"x"],
        [b"/etc/passwd"],
        [b"missing.mkv"],
        [b""],
    ],
)
def test_symlinks_pointing_outside_are_refused(target: list[bytes]) -> None:
    data = v1_multi([f(b"sub", b"a.mkv"), link(b"evil", target=target)])
    message = refused(data)
    assert "symbolic link" in message or "unsafe" in message


def test_symlink_outside_in_a_v2_tree_is_refused() -> None:
    tree = {
        b"a.mkv": leaf(5),
        b"evil": {b"": {b"attr": b"l", b"symlink path": [b"..", b"..", b"x"]}},
    }
    refused(v2_only(tree), "“..”")
    tree[b"evil"] = {b"": {b"attr": b"l", b"symlink path": [b"elsewhere"]}}
    refused(v2_only(tree), "symbolic link “evil” that points outside")


def test_symlink_without_target_and_single_file_symlinks_are_refused() -> None:
    refused(v1_multi([f(b"a.mkv"), {b"attr": b"l", b"length": 0, b"path": [b"x"]}]), "no target")
    refused(v1_single(b"a.mkv", attr=b"l", fields={b"symlink path": [b"a.mkv"]}), "symbolic link")


@pytest.mark.parametrize(
    "files",
    [
        [f(b"a.mkv"), f(b"a.mkv")],
        [f(b"Ep.mkv"), f(b"ep.MKV")],
        [f(b"sub"), f(b"sub", b"a.mkv")],
        [f(b"sub", b"a.mkv"), f(b"SUB")],
    ],
)
def test_duplicates_and_file_folder_clashes_are_refused(files: list[dict[bytes, Any]]) -> None:
    refused(v1_multi(files), "anitui refuses it")


def test_hybrid_v1_list_without_pad_files_is_refused_like_libtorrent() -> None:
    info = {
        b"name": b"t",
        b"piece length": PL,
        b"meta version": 2,
        b"file tree": {b"a": leaf(5), b"b": leaf(5)},
        b"files": [f(b"a"), f(b"b")],
        b"pieces": b"\x01" * 20,
    }
    data = bencode({b"info": info, b"piece layers": {}})
    with pytest.raises(RuntimeError):
        lt.torrent_info(data)
    refused(data, "do not match")


def test_hybrid_halves_that_disagree_are_refused() -> None:
    info = {
        b"name": b"t",
        b"piece length": PL,
        b"meta version": 2,
        b"file tree": {b"a": leaf(5)},
        b"files": [f(b"b")],
        b"pieces": b"\x01" * 20,
    }
    refused(bencode({b"info": info, b"piece layers": {}}), "do not match")


def _raw_info(info: dict[bytes, Any]) -> bytes:
    return bencode({b"info": info})


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "not a .torrent"),
        (b"<html>hello</html>", "not a .torrent"),
        (b"d4:infoi1ee", "no info dictionary"),
        (b"de", "no info dictionary"),
        (b"l4:infoe", "not a .torrent"),
        (v1_single(b"a.mkv") + b"junk", "trailing data"),
        (v1_single(b"a.mkv")[:-3], "damaged"),
        (b"d4:infod4:name1:ai01ee", "damaged"),
        (b"d4:infod6:lengthi-0e4:name1:aee", "bad integer"),
        (b"d4:infod6:lengthi05e4:name1:aee", "bad integer"),
        (b"d4:infod4:name01:aee", "bad string length"),
        (b"d4:infod4:name1:a4:name1:bee", "duplicate dictionary key"),
        (b"d4:infod4:name1:a6:lengthi" + b"9" * 40 + b"eee", "bad integer"),
        (b"d4:info" + b"l" * 200 + b"e" * 200 + b"e", "nested deeper"),
        (_raw_info({b"name": b"a", b"piece length": PL, b"pieces": b"\x01" * 20}), "no files"),
        (_raw_info({b"name": b"a", b"length": 5, b"pieces": b"\x01" * 20}), "piece length"),
        (
            _raw_info({b"name": b"a", b"length": 5, b"piece length": 0, b"pieces": b"x" * 20}),
            "piece length",
        ),
        (_raw_info({b"name": b"a", b"length": 5, b"piece length": PL}), "piece hashes"),
        (
            _raw_info({b"name": b"a", b"length": 5, b"piece length": PL, b"pieces": b"x" * 40}),
            "piece hashes",
        ),
        (v1_single(b"a.mkv", length=0), "holds no data"),
        (v1_single(b"a.mkv", length=-1), "length"),
        (_raw_info({b"length": 5, b"piece length": PL, b"pieces": b"x" * 20}), "no name"),
        (_raw_info({b"name": 5, b"length": 5, b"piece length": PL, b"pieces": b"x" * 20}), "name"),
        (v1_multi([]), "file list"),
        (v1_multi([b"a.mkv"]), "not a dictionary"),
        (v1_multi([{b"length": 5, b"path": b"a.mkv"}]), "not a list"),
        (v1_multi([{b"length": 5, b"path": [5]}]), "not a list of names"),
        (v1_multi([{b"path": [b"a"]}]), "length"),
        (v1_multi([f(b"a", attr=5)]), "attributes"),
        (v1_single(b"a.mkv", fields={b"meta version": 3}), "newer format"),
        (v1_single(b"a.mkv", fields={b"file tree": {b"a.mkv": leaf(5)}}), "meta version 2"),
        (v2_only({}), "file tree"),
        (v2_only({b"a": 5}), "tree of dictionaries"),
        (v2_only({b"a": {b"": {b"length": 5}}}), "pieces root"),
        (v2_only({b"a": {b"": {b"attr": b"p", b"length": 5}}}), "pad file"),
    ],
)
def test_garbage_is_refused(data: bytes, fragment: str) -> None:
    refused(data, fragment)


def test_unsorted_v2_info_is_refused_like_libtorrent() -> None:
    sorted_info = bencode(
        {b"name": b"t", b"piece length": PL, b"meta version": 2, b"file tree": {b"a": leaf(5)}}
    )
    # Move "name" in front of "meta version": still valid bencode, no longer canonical.
    name = b"4:name1:t"
    unsorted = b"d" + name + sorted_info[1:].replace(name, b"")
    data = b"d4:info" + unsorted + b"12:piece layersdee"
    with pytest.raises(RuntimeError):
        lt.torrent_info(data)
    refused(data, "canonical order")


def test_v2_piece_layers_must_fit(tmp_path: Path) -> None:
    data = create(tmp_path, [("big.mkv", 3 * PL)], FLAGS["v2"], PL)
    assert ours(data) == lt_files(data)
    top = bdecode(data)
    (root,) = top[b"piece layers"]
    for layers in ({}, {root: top[b"piece layers"][root][:-32]}):
        refused(bencode({**top, b"piece layers": layers}), "piece layers")
    refused(bencode({**top, b"piece layers": b"x"}), "piece layers")
    # Without layers (a magnet's metadata as a .torrent) libtorrent fetches them from peers.
    bare = bencode({b"info": top[b"info"]})
    assert ours(bare) == lt_files(bare)


def test_oversized_input_is_refused_before_decoding() -> None:
    refused(b"d" + b"x" * MAX_TORRENT_BYTES, "too large")


def test_errors_never_show_the_tracker() -> None:
    """Every hand-made torrent here carries a passkey announce (`refused` checks each message);
    here also the tracker's host never shows."""
    for data in (v1_multi([f(b"..")]), v1_multi([f(b"a"), f(b"a")]), v1_single(b"a", length=0)):
        assert "tracker.example" not in refused(data)


# --------------------------------------------------------------------------------------------
# Magnets and bare hashes

HEX = "c9e15763f722f23e98a29decdfae341b98d53056"
B32 = base64.b32encode(bytes.fromhex(HEX)).decode()
V2 = "a" * 64


def test_magnet_hex_with_name_and_trackers() -> None:
    uri = (
        f"magnet:?xt=urn:btih:{HEX.upper()}&dn=Show+-+01%20%5B1080p%5D"
        f"&tr={ANNOUNCE.replace('?', '%3F').replace('=', '%3D')}&tr=udp%3A%2F%2Fb.example%3A80"
        "&tr=javascript%3Aalert(1)&x.pe=1.2.3.4:5"
    )
    spec = parse_magnet(uri)
    assert spec.info_hash == HEX
    assert spec.name == "Show - 01 [1080p]"
    assert spec.trackers == (ANNOUNCE, "udp://b.example:80")
    assert spec.torrent is None and spec.files == () and spec.total_size == 0
    assert spec.magnet is not None and "x.pe" not in spec.magnet
    params = lt.parse_magnet_uri(spec.magnet)
    assert str(params.info_hashes.v1) == HEX
    assert params.name == "Show - 01 [1080p]"
    assert list(params.trackers) == [ANNOUNCE, "udp://b.example:80"]


def test_magnet_base32_v2_and_hybrid() -> None:
    assert parse_magnet(f"magnet:?xt=urn:btih:{B32.lower()}").info_hash == HEX
    v2 = parse_magnet(f"magnet:?xt=urn:btmh:1220{V2}&dn=x")
    assert v2.info_hash == V2[:40]
    assert v2.magnet is not None
    assert str(lt.parse_magnet_uri(v2.magnet).info_hashes.v2) == V2
    both = parse_magnet(f"magnet:?xt=urn:btmh:1220{V2}&xt=urn:btih:{HEX}")
    assert both.info_hash == HEX
    assert both.magnet is not None
    hashes = lt.parse_magnet_uri(both.magnet).info_hashes
    assert (str(hashes.v1), str(hashes.v2)) == (HEX, V2)


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("http://example.com", "not a magnet"),
        ("magnet:?dn=x", "no BitTorrent info-hash"),
        ("magnet:?xt=urn:btih:1234", "not valid"),
        ("magnet:?xt=urn:btmh:1111" + V2, "not valid"),
        ("magnet:?xt=urn:btih:" + HEX + "&tr=" + "a" * 70_000, "too long"),
    ],
)
def test_bad_magnets_are_refused(uri: str, fragment: str) -> None:
    with pytest.raises(TorrentInputError, match=fragment):
        parse_magnet(uri)


def test_bare_hashes() -> None:
    assert parse_info_hash(f"  {HEX.upper()} ").info_hash == HEX
    assert parse_info_hash(B32).info_hash == HEX
    assert parse_info_hash(V2).info_hash == V2[:40]
    spec = parse_info_hash(HEX)
    assert spec.magnet == f"magnet:?xt=urn:btih:{HEX}" and spec.trackers == ()
    with pytest.raises(TorrentInputError, match="not an info-hash"):
        parse_info_hash("xyz")


# --------------------------------------------------------------------------------------------
# What the user typed


def test_user_input_magnet_hash_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = v1_single(b"Movie.mkv")
    (tmp_path / "my file.torrent").write_bytes(data)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_user_input(f"magnet:?xt=urn:btih:{HEX}").info_hash == HEX
    assert parse_user_input(HEX).magnet is not None
    for text in (
        str(tmp_path / "my file.torrent"),
        "~/my file.torrent",
        f"'{tmp_path}/my file.torrent'",
        f"file://{tmp_path}/my%20file.torrent",
    ):
        spec = parse_user_input(text)
        assert spec.torrent == data and spec.files[0].path == "Movie.mkv"


def test_user_input_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "evil.torrent").write_bytes(v1_multi([f(b"..", b"x")]))
    big = tmp_path / "big.torrent"
    with big.open("wb") as handle:
        handle.write(b"d")
        handle.truncate(MAX_TORRENT_BYTES + 10)
    cases = {
        "": "Paste a magnet link",
        "   ": "Paste a magnet link",
        str(tmp_path / "missing.torrent"): "No such file",
        str(tmp_path): "is a folder",
        str(tmp_path / "notes.txt"): "is not a .torrent file",
        str(big): "too large",
        str(tmp_path / "evil.torrent"): "unsafe file path",
        "https://example.com/a.torrent": "Web links are not accepted",
        "/dev/null": "not a .torrent file",
    }
    for text, fragment in cases.items():
        with pytest.raises(TorrentInputError, match=fragment):
            parse_user_input(text)


# --------------------------------------------------------------------------------------------
# Free space and save folders


def test_check_free_space(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    check_free_space(tmp_path / "not" / "yet", 1)
    check_free_space(tmp_path, 0)
    with pytest.raises(TorrentInputError) as caught:
        check_free_space(tmp_path / "new", free + 10 * 2**40)
    message = str(caught.value)
    assert message.startswith("Not enough free space: needs ")
    assert " free in “" in message and str(tmp_path / "new") in message


def test_safe_save_path(tmp_path: Path) -> None:
    root = tmp_path / "downloads"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    assert safe_save_path(root, "") == root
    assert safe_save_path(root, "Show") == root / "Show"
    assert safe_save_path(root, "Anime/Show") == root / "Anime" / "Show"
    assert safe_save_path(root, "a\\b") == root / "a" / "b"
    assert safe_save_path(root, "./Show\x1b[2J\u202e") == root / "Show[2J"
    assert safe_save_path(root, str(root / "In")) == root / "In"
    for hostile in ("..", "../x", "a/../../x", "a\\..\\..\\x", "escape", "escape/sub", "/etc"):
        with pytest.raises(TorrentInputError):
            safe_save_path(root, hostile)
    assert safe_save_path(root, str(outside), allow_outside=True) == outside
    assert safe_save_path(root, "escape", allow_outside=True) == outside


def test_safe_save_path_resolves_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    alias = tmp_path / "alias"
    alias.symlink_to(real)
    assert safe_save_path(alias, "x") == real / "x"
    assert os.path.isabs(safe_save_path(Path("relative-root"), "x"))

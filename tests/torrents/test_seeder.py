"""The loopback seeder and `make_torrent`: real libtorrent sessions on 127.0.0.1, TCP only."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import cast

import libtorrent as lt
import pytest

from app.devserver.seeder import Seeder, make_torrent
from tests.torrents.conftest import loopback_pack, payload


def _layout(torrent: bytes) -> list[tuple[str, int, bool]]:
    storage = lt.torrent_info(torrent).layout()
    return [
        (
            storage.file_path(i),
            storage.file_size(i),
            bool(storage.file_flags(i) & lt.file_storage.flag_pad_file),
        )
        for i in range(storage.num_files())
    ]


def _leech(torrent: bytes, save: Path, port: int, timeout: float = 30.0) -> float:
    """Download `torrent` from 127.0.0.1:`port` with a bare session; returns seconds taken."""
    session = lt.session(loopback_pack())
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = str(save)
    params.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = session.add_torrent(params)
    start = time.monotonic()
    while not handle.status().is_seeding:
        assert time.monotonic() - start < timeout, "the download did not finish"
        if not handle.status().num_peers:
            handle.connect_peer(("127.0.0.1", port))
        time.sleep(0.1)
    return time.monotonic() - start


def test_make_torrent_is_a_hybrid_with_pad_files_between_files(tmp_path: Path) -> None:
    files = [("ep01.mkv", payload(40_000, 1)), ("ep02.mkv", payload(30_000, 2))]
    torrent = make_torrent(tmp_path, files, name="Show", trackers=["http://127.0.0.1:9/a"])
    info = lt.torrent_info(torrent)
    assert info.info_hashes().has_v1() and info.info_hashes().has_v2()
    layout = _layout(torrent)
    real = [(path, size) for path, size, pad in layout if not pad]
    assert real == [("Show/ep01.mkv", 40_000), ("Show/ep02.mkv", 30_000)]
    assert layout[1][2], "a pad file follows the first file"
    # libtorrent's stubs type bdecode() as any bencoded value; a .torrent is a dict.
    meta = cast("dict[bytes, object]", lt.bdecode(torrent))
    assert meta[b"announce"] == b"http://127.0.0.1:9/a"
    assert (tmp_path / "Show" / "ep02.mkv").read_bytes() == files[1][1]


def test_single_file_torrent(tmp_path: Path) -> None:
    data = payload(50_000, 3)
    torrent = make_torrent(tmp_path, [("movie.mkv", data)], name="movie.mkv")
    assert [(p, s) for p, s, pad in _layout(torrent) if not pad] == [("movie.mkv", 50_000)]
    assert (tmp_path / "movie.mkv").read_bytes() == data


def test_a_bare_leecher_downloads_from_the_seeder(tmp_path: Path, seeder: Seeder) -> None:
    files = [("a.bin", payload(100_000, 4)), ("b.bin", payload(70_000, 5))]
    torrent = make_torrent(tmp_path / "made", files, name="Pack")
    info_hash = seeder.seed(torrent, [(f"Pack/{p}", d) for p, d in files])
    assert info_hash == str(lt.torrent_info(torrent).info_hashes().v1)
    assert seeder.seed(torrent) == info_hash  # again: a no-op
    _leech(torrent, tmp_path / "leech", seeder.port)
    for path, data in files:
        got = (tmp_path / "leech" / "Pack" / path).read_bytes()
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_the_upload_limit_applies_to_loopback_peers(tmp_path: Path) -> None:
    data = payload(48 * 1024, 6)
    torrent = make_torrent(tmp_path / "made", [("slow.bin", data)], name="slow.bin")
    seeder = Seeder(tmp_path / "seeder", upload_rate_limit=16 * 1024)
    seeder.start()
    try:
        seeder.seed(torrent, [("slow.bin", data)])
        # 48 KiB at 16 KiB/s takes about 3 s; unlimited, well under a second here.
        assert _leech(torrent, tmp_path / "leech", seeder.port) > 1.8
        assert (tmp_path / "leech" / "slow.bin").read_bytes() == data
    finally:
        seeder.close()


def test_close_is_idempotent_and_port_needs_start(tmp_path: Path) -> None:
    seeder = Seeder(tmp_path)
    with pytest.raises(RuntimeError):
        _ = seeder.port
    seeder.start()
    assert seeder.port > 0
    seeder.close()
    seeder.close()

"""`--demo` downloads for real: the demo servers and their seeder (`DemoSeeding`), the queue
over a real engine finding the seeder through the demo's tracker alone (no stand-in dialer), and
the downloaded files played by real libmpv (vo/ao null).

A torrent of each demo source: AniLibria's `.torrent`, nekoBT's `.torrent`, and the Torrent
API's bare info-hash (a trackerless magnet: the demo gives it its tracker through
`[torrents] default_trackers`). A restart is played as the app does it: the queue and the demo
are closed, then a new demo server starts on the same port (`start_demo_server`) with a new
seeder, and a new queue restores the downloads from the same database and resume folder.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest

from app.bootstrap import start_demo_server
from app.devserver import nekobt_data
from app.devserver.demo import service_urls
from app.devserver.demo_seeding import DemoSeeding
from app.devserver.server import DevServer
from app.devserver.torrentapi import TorrentApi
from app.paths import AppPaths
from app.services.downloads import DownloadItem, DownloadQueue
from app.services.events import EventBus
from app.services.player import PlaybackFailed, PlaybackProgressed, PlayerService, PlayerSettings
from app.services.torrent_meta import TorrentSpec, parse_magnet, parse_torrent
from app.services.torrent_search import magnet_for
from app.services.torrent_stream import TorrentStreamServer
from app.store.db import Database
from app.store.history import HistoryStore
from tests.downloads.conftest import Harness, one, until
from tests.player.conftest import Recorder

Source = Literal["anilibria", "nekobt", "torrentapi"]
SOURCES: tuple[Source, ...] = ("anilibria", "nekobt", "torrentapi")

SLOW = 48 * 1024
"""The seeder's upload rate (bytes/s) where a test needs a download to be caught half-way."""
CLIP_SECONDS = 4.0


class Demo:
    """The demo's servers and seeder, as `anitui --demo` runs them (on the port of the last
    run, so the torrents' tracker URL still holds after a restart)."""

    def __init__(self, tmp_path: Path) -> None:
        self.paths = AppPaths.resolve(tmp_path / "data", tmp_path / "cache", tmp_path / "dl")
        self.server: DevServer | None = None
        self.seeding: DemoSeeding | None = None

    def start(self, upload_rate_limit: int = 0) -> DevServer:
        server = self.server = start_demo_server(self.paths)
        self.seeding = DemoSeeding(
            server, self.paths.cache_dir() / "demo-seeds", upload_rate_limit=upload_rate_limit
        )
        self.seeding.start()
        return server

    def stop(self) -> None:
        if self.seeding is not None:
            self.seeding.close()
            self.seeding = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def tracker(self) -> str:
        assert self.server is not None
        return service_urls(self.server)["tracker"]

    def unthrottle(self) -> None:
        assert self.seeding is not None
        self.seeding.seeder.set_upload_rate_limit(0)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    made = Demo(tmp_path)
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture
async def player(bus: EventBus, tmp_path: Path) -> AsyncIterator[PlayerService]:
    """libmpv with no window and no sound, its config dir in `tmp_path`."""
    (tmp_path / "mpv").mkdir()
    db = Database.open(tmp_path / "history.sqlite")
    settings = PlayerSettings(vo="null", ao="null", mpv_config_dir=tmp_path / "mpv")
    service = PlayerService(bus, HistoryStore(db), settings=settings)
    try:
        yield service
    finally:
        await service.shutdown()
        db.close()


async def demo_spec(server: DevServer, source: Source, *, batch: bool = False) -> TorrentSpec:
    """What the app adds for a demo torrent of `source`: AniLibria's and nekoBT's `.torrent`
    (one file, or with `batch` a folder of episodes), the Torrent API's trackerless magnet."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        if source == "anilibria":
            title = server.catalog.title(9001 if batch else 9003)
            assert title is not None
            url = title["torrents"]["list"][0]["url"]
        elif source == "nekobt":
            found = next(t for t in nekobt_data.build().torrents if (len(t.files) > 1) == batch)
            url = f"{service_urls(server)['nekobt_api']}/torrents/{found.id}/download"
        else:
            api = next(a for a in server.extra_apis if isinstance(a, TorrentApi))
            torrent = api.torrents[api.movies["tt9000001"].infohashes[0]]
            magnet = magnet_for(torrent.infohash, torrent.name)
            assert magnet is not None
            return parse_magnet(magnet)
        response = await http.get(url)
        response.raise_for_status()
        return parse_torrent(response.content)


def demo_queue(harness: Harness, demo: Demo) -> DownloadQueue:
    """A queue as `--demo` opens it: torrents that name no tracker get the demo's."""
    return harness.queue(engine={"default_trackers": (demo.tracker,), "seed_ratio": 0.0})


def payload_matches(demo: Demo, queue: DownloadQueue, item: DownloadItem) -> bool:
    """The downloaded files are, byte for byte, what the demo seeds for the torrent."""
    assert demo.seeding is not None
    video = demo.seeding.video_torrent(item.info_hash)
    assert video is not None
    root = queue.save_path(item.id)
    return all(
        (root / path).is_file() and (root / path).read_bytes() == data
        for path, data in video.payload()
    )


async def assert_plays(player: PlayerService, recorder: Recorder, target: str) -> None:
    """libmpv opens `target` as the 4-second demo clip and plays a second of it."""
    mark = recorder.mark()
    assert await player.play_file(target, Path(target).name)
    progressed = await recorder.wait_for(
        PlaybackProgressed, lambda e: e.position >= 1.0, since=mark
    )
    assert progressed.duration == pytest.approx(CLIP_SECONDS, abs=0.2)
    assert not recorder.of(PlaybackFailed, since=mark)
    await player.stop()


@pytest.mark.parametrize("source", SOURCES)
async def test_a_demo_torrent_downloads_from_the_demo_seeder_and_plays(
    source: Source, harness: Harness, demo: Demo, player: PlayerService, bus: EventBus
) -> None:
    recorder = Recorder(bus)
    server = demo.start()
    spec = await demo_spec(server, source)
    queue = demo_queue(harness, demo)
    item = queue.add(spec, source=source)
    await until(lambda: one(queue, item.id).status == "completed", what=f"{source} completed")
    assert payload_matches(demo, queue, item)
    video = queue.video_file(item.id)
    assert video is not None and video.path.endswith(".mkv")
    await assert_plays(player, recorder, str(queue.save_path(item.id) / video.path))


async def test_play_while_downloading_plays_the_demo_video(
    harness: Harness, demo: Demo, player: PlayerService, bus: EventBus
) -> None:
    recorder = Recorder(bus)
    server = demo.start(upload_rate_limit=SLOW)
    queue = demo_queue(harness, demo)
    item = queue.add(await demo_spec(server, "nekobt"), source="nekobt")
    video = queue.video_file(item.id)
    assert video is not None
    streams = TorrentStreamServer()
    try:
        # What P opens: the range server's URL, once the engine holds the torrent.
        url = None
        deadline = time.monotonic() + 10
        while url is None:
            assert time.monotonic() < deadline, "no stream URL"
            url = await asyncio.to_thread(queue.stream_url, streams, item.info_hash, video.index)
            await asyncio.sleep(0.02)
        # The range server's, not the file's: mpv reads what libtorrent has, as it comes.
        assert url.startswith("http://127.0.0.1:")
        await assert_plays(player, recorder, url)
    finally:
        await asyncio.to_thread(streams.close)


@pytest.mark.parametrize("source", SOURCES)
async def test_a_download_cut_by_a_restart_finds_the_seeder_again_and_completes(
    source: Source, harness: Harness, demo: Demo
) -> None:
    server = demo.start(upload_rate_limit=SLOW)
    spec = await demo_spec(server, source)
    first = demo_queue(harness, demo)
    item = first.add(spec, source=source)
    await until(lambda: one(first, item.id).done > 0, what=f"{source} under way")
    await harness.close_queue(first)
    demo.stop()
    cut = harness.store.get(item.id)
    assert cut is not None and cut.status == "downloading" and 0 < cut.done < cut.wanted

    demo.start()
    again = demo_queue(harness, demo)
    assert demo.server is not None and demo.server.port == server.port
    await until(lambda: one(again, item.id).status == "completed", what=f"{source} completed")
    assert payload_matches(demo, again, item)


async def test_a_paused_demo_download_gets_its_seeder_back_when_resumed(
    harness: Harness, demo: Demo
) -> None:
    """Pausing drops the seeder, which libtorrent would not dial again for a minute: the
    seeder dials the download when it announces itself again."""
    server = demo.start(upload_rate_limit=SLOW)
    queue = demo_queue(harness, demo)
    item = queue.add(await demo_spec(server, "anilibria", batch=True), source="anilibria")
    await until(lambda: one(queue, item.id).done > 0, what="under way")
    queue.pause(item.id)
    await until(lambda: one(queue, item.id).peers == 0, what="paused: no peer")
    paused_at = one(queue, item.id).done
    demo.unthrottle()
    queue.resume(item.id)
    await until(lambda: one(queue, item.id).status == "completed", timeout=20, what="completed")
    assert one(queue, item.id).done > paused_at
    assert payload_matches(demo, queue, item)


async def test_files_chosen_after_a_demo_download_finished_arrive_too(
    harness: Harness, demo: Demo
) -> None:
    """The finished download and the seeder part; choosing more files brings them together
    again at once, not a minute later."""
    server = demo.start()
    queue = demo_queue(harness, demo)
    spec = await demo_spec(server, "nekobt", batch=True)
    item = queue.add(spec, source="nekobt", selected=[spec.files[0].index])
    await until(lambda: one(queue, item.id).status == "completed", what="first file")
    queue.set_selected_files(item.id, None)
    await until(lambda: one(queue, item.id).status == "completed", timeout=20, what="all files")
    assert one(queue, item.id).done == spec.total_size
    assert payload_matches(demo, queue, item)


async def test_a_reissued_torrent_and_the_one_it_replaced_are_both_seeded_right(
    harness: Harness, demo: Demo
) -> None:
    """A reissued AniLibria torrent keeps its name and paths with other sizes (a new episode
    came out): seeding it must not write over the files its predecessor is seeded from."""
    server = demo.start()
    queue = demo_queue(harness, demo)
    old_spec = await demo_spec(server, "anilibria", batch=True)
    old = queue.add(old_spec, source="anilibria")
    await until(lambda: one(queue, old.id).status == "completed", what="the old torrent")
    old_video = server.catalog.video_torrent(old_spec.info_hash)
    assert old_video is not None
    server.catalog.reissue_torrent(9001, server.catalog.fresh_timestamp())
    new_spec = await demo_spec(server, "anilibria", batch=True)
    assert new_spec.info_hash != old_spec.info_hash and new_spec.name == old_spec.name
    new = queue.add(new_spec, source="anilibria", folder="new")
    await until(lambda: one(queue, new.id).status == "completed", what="the new torrent")
    # The old torrent again, from scratch: the seeder still serves its own bytes.
    queue.remove(old.id, delete_files=True)
    again = queue.add(old_spec, source="anilibria")
    await until(lambda: one(queue, again.id).status == "completed", what="the old one again")
    assert all((harness.root / path).read_bytes() == data for path, data in old_video.payload())

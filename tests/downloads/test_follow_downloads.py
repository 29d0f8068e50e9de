"""Following a title for real: a new episode pushed by the demo server is queued from the
title's reissued AniLibria torrent, downloaded from the demo seeder into the series folder and
then found on disk by the library — and never queued again, also after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.devserver import nekobt_data
from app.devserver.demo import service_urls
from app.services.catalog import CatalogService
from app.services.downloads import DownloadQueue
from app.services.episode_numbers import episode_from_name
from app.services.events import EventBus
from app.services.follow import FollowDecided, FollowService, NothingMissingError
from app.services.library import LibraryService
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.http import HttpSettings
from app.sources.nekobt.client import NekoBtClient
from app.store.db import Database
from app.store.downloads import DownloadStore
from app.store.follow import FollowStore
from app.store.library import LibraryStore
from tests.downloads.conftest import Harness, one, until
from tests.downloads.test_demo_downloads import Demo, demo_spec

TITLE = 9001
"""A demo title whose torrent is a folder of episodes."""


@dataclass
class Follow:
    catalog: CatalogService
    library: LibraryService
    queue: DownloadQueue
    nekobt: NekoBtClient

    def service(
        self,
        harness: Harness,
        bus: EventBus,
        queue: DownloadQueue,
        sources: tuple[str, ...] = ("anilibria",),
    ) -> FollowService:
        assert harness.db is not None

        async def opened() -> DownloadQueue:
            return queue

        return FollowService(
            FollowStore(harness.db),
            self.catalog,
            self.library,
            self.nekobt,
            opened,
            bus,
            quality="fhd",
            sources=sources,
            delay=0.0,
            clock=harness.clock,
        )


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    made = Demo(tmp_path)
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture
async def follow(harness: Harness, demo: Demo, bus: EventBus) -> AsyncIterator[Follow]:
    server = demo.start()
    settings = HttpSettings(timeout=5.0, connect_timeout=1.0, retries=0, backoff=0.0, jitter=0.0)
    client = V2CompatClient(AniLibertyClient.create(server.aniliberty_api, settings=settings))
    catalog = CatalogService(client)
    nekobt = NekoBtClient.create(service_urls(server)["nekobt_api"], settings=settings)
    harness.db = Database.open(harness.db_path)
    library = LibraryService(
        LibraryStore(harness.db),
        DownloadStore(harness.db),
        catalog,
        bus,
        harness.root,
        download_root=harness.root,
    )
    queue = harness.queue(
        engine={"default_trackers": (demo.tracker,), "seed_ratio": 0.0},
        folder_for=library.download_folder,
    )
    try:
        yield Follow(catalog, library, queue, nekobt)
    finally:
        await client.aclose()
        await nekobt.aclose()


async def test_a_new_episode_of_a_followed_title_is_downloaded_into_its_series_folder(
    harness: Harness,
    demo: Demo,
    follow: Follow,
    bus: EventBus,
) -> None:
    assert demo.server is not None
    decided: list[FollowDecided] = []
    bus.subscribe(FollowDecided, decided.append)
    service = follow.service(harness, bus, follow.queue)
    assert service.toggle(TITLE)
    episode = int(demo.server.live.new_episode(TITLE))
    demo.server.live.update_torrents(TITLE)

    assert await service.episode_released(TITLE, episode) == "queued"
    (item,) = follow.queue.items()
    await until(lambda: one(follow.queue, item.id).status == "completed", what="completed")
    await follow.library.scan()
    series = follow.library.by_title(TITLE)
    assert series is not None and episode in series.episodes_on_disk
    assert [e.entry.outcome for e in decided] == ["found", "queued"]

    # A restart: a new service over the same database never queues it again.
    again = follow.service(harness, bus, follow.queue)
    assert await again.episode_released(TITLE, episode) is None
    assert len(follow.queue.items()) == 1


async def test_an_episode_on_disk_is_skipped_and_said_so(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None
    service = follow.service(harness, bus, follow.queue)
    service.toggle(TITLE)
    series = await follow.library.ensure_series(TITLE)
    (series.folder / "Starlight Courier - 02 [1080p].mkv").write_bytes(b"\0" * 10)
    await follow.library.scan()
    assert await service.episode_released(TITLE, 2) == "present"
    assert follow.queue.items() == ()
    assert [(e.episode, e.outcome) for e in service.history(TITLE)] == [(2, "present")]


async def test_a_title_not_followed_is_left_alone(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None
    service = follow.service(harness, bus, follow.queue)
    episode = int(demo.server.live.new_episode(TITLE))
    assert await service.episode_released(TITLE, episode) is None
    assert service.history(TITLE) == [] and follow.queue.items() == ()


async def test_the_reissued_anilibria_torrent_takes_over_the_old_files(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None
    old_spec = await demo_spec(demo.server, "anilibria", batch=True)
    old = follow.queue.add(old_spec, source="anilibria", title_id=TITLE)
    await until(lambda: one(follow.queue, old.id).status == "completed", what="old completed")
    service = follow.service(harness, bus, follow.queue)
    service.toggle(TITLE)
    episode = int(demo.server.live.new_episode(TITLE))
    demo.server.live.update_torrents(TITLE)

    assert await service.episode_released(TITLE, episode) == "queued"
    (new,) = follow.queue.items()
    assert new.info_hash != old.info_hash and new.folder == old.folder
    # The new torrent gets the old one's files (checked in place by libtorrent) and the new
    # episode; the old download left the queue with its files kept.
    kept = {f.path for f in old_spec.files}
    chosen = {
        f.path
        for f in follow.queue.files(new.id)
        if new.selected is None or f.index in new.selected
    }
    assert kept < chosen and len(chosen - kept) == 1
    assert all((follow.queue.save_path(new.id) / path).is_file() for path in kept)
    await until(lambda: one(follow.queue, new.id).status == "completed", what="new completed")


async def test_without_an_anilibria_torrent_nekobt_gives_the_episode_of_the_same_media(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None
    service = follow.service(harness, bus, follow.queue, sources=("anilibria", "nekobt"))
    service.toggle(TITLE)
    # No AniLibria torrent holds the episode: nekoBT's media "Starlight Courier" of 2019 has it
    # ("Starlight Courier 2" of 2021 is another show).
    title = demo.server.catalog.title(TITLE)
    assert title is not None
    title["torrents"]["list"] = []
    assert await service.episode_released(TITLE, 5) == "queued"
    (item,) = follow.queue.items()
    assert item.source == "nekobt"
    data = nekobt_data.build()
    media = next(m for m in data.media if m["title"] == "Starlight Courier")
    assert harness.db is not None
    followed = FollowStore(harness.db).get(TITLE)
    assert followed is not None and followed.nekobt_media == media["id"]
    torrent = next(t for t in data.torrents if t.infohash == item.info_hash)
    assert torrent.fields["media_id"] == media["id"]
    outcomes = [(e.outcome, e.source) for e in reversed(service.history(TITLE))]
    assert outcomes == [("found", "nekobt"), ("queued", "nekobt")]
    await until(lambda: one(follow.queue, item.id).status == "completed", what="completed")
    await follow.library.scan()
    series = follow.library.by_title(TITLE)
    assert series is not None and series.episodes_on_disk == (5,)


async def test_download_missing_preselects_only_the_episodes_neither_on_disk_nor_queued(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None
    service = follow.service(harness, bus, follow.queue)
    whole = await service.missing_download(TITLE)
    # Nothing on disk nor queued: the whole season.
    assert whole.selected is None and whole.missing == tuple(range(1, 13))

    series = await follow.library.ensure_series(TITLE)
    for episode in (2, 5):
        (series.folder / f"Starlight Courier - {episode:02d} [720p].mkv").write_bytes(b"\0")
    await follow.library.scan()
    plan = await service.missing_download(TITLE)
    named = {f.index: f.path for f in plan.spec.files}
    assert plan.missing == (1, 3, 4, 6, 7, 8, 9, 10, 11, 12)
    assert plan.selected is not None
    assert sorted(episode_from_name(named[i]) or 0 for i in plan.selected) == list(plan.missing)
    assert plan.queued_id is None

    # Queued: those episodes are not offered again, and the same torrent's download grows.
    follow.queue.stop_queue()
    queued = follow.queue.add(
        plan.spec, source="anilibria", title_id=TITLE, selected=plan.selected[:3]
    )
    again = await service.missing_download(TITLE)
    assert again.queued_id == queued.id
    assert again.missing == plan.missing[3:]


async def test_download_missing_with_everything_on_disk_says_so(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    series = await follow.library.ensure_series(TITLE)
    for episode in range(1, 13):
        (series.folder / f"Starlight Courier - {episode:02d}.mkv").write_bytes(b"\0")
    await follow.library.scan()
    with pytest.raises(NothingMissingError):
        await follow.service(harness, bus, follow.queue).missing_download(TITLE)


async def test_at_start_up_the_episodes_out_since_the_follow_are_queued_once(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None and harness.db is not None
    before = (await follow.catalog.title(TITLE)).value
    # Followed when the title was last updated; anitui is closed while an episode comes out.
    FollowStore(harness.db).follow(TITLE, at=float(before.updated or 0))
    episode = int(demo.server.live.new_episode(TITLE))
    demo.server.live.update_torrents(TITLE)

    service = follow.service(harness, bus, follow.queue)
    await service.catch_up()
    assert [(e.episode, e.outcome) for e in service.history(TITLE)] == [
        (episode, "queued"),
        (episode, "found"),
    ]
    (item,) = follow.queue.items()
    await service.catch_up()  # the next start-up: nothing new
    assert follow.queue.items() == (one(follow.queue, item.id),)
    assert len(service.history(TITLE)) == 2


async def test_the_delay_is_waited_before_deciding(
    harness: Harness, demo: Demo, follow: Follow, bus: EventBus
) -> None:
    assert demo.server is not None and harness.db is not None
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        assert follow.queue.items() == ()  # nothing decided before the wait is over

    async def opened() -> DownloadQueue:
        return follow.queue

    service = FollowService(
        FollowStore(harness.db),
        follow.catalog,
        follow.library,
        None,
        opened,
        bus,
        quality="hd",
        sources=("anilibria",),
        delay=600.0,
        clock=harness.clock,
        sleep=sleep,
    )
    service.toggle(TITLE)
    episode = int(demo.server.live.new_episode(TITLE))
    demo.server.live.update_torrents(TITLE)
    assert await service.episode_released(TITLE, episode) == "queued"
    assert waited == [600.0]

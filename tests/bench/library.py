"""`make bench`, the local library: scanning 300 series / 6,000 files, and the Library screen
painting them, against a plain walk.

A tree of `SERIES` folders with `FILES_PER_SERIES` empty video files each (SubsPlease-style
names, a few in a season subfolder) is made in a temp dir. Timed: a cold scan
(`LibraryService.scan()` into a fresh database: walk, episode numbers, SQLite), a warm
rescan with nothing changed, and the real app (headless, 120×40) from the `L` key reaching it to
the first frame of the Library screen with every series of the scanned tree; each against a
plain `os.scandir` + `stat` walk of the same tree in the same run. Medians of `RUNS`. The
catalog is never asked: a scan reads no API, and the tree's series match no title.

`python -m tests.bench.library` prints the figures alone.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.services.catalog import CatalogService
from app.services.events import EventBus
from app.services.library import LibraryService
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.store.db import Database
from app.store.downloads import DownloadStore
from app.store.library import LibraryStore

SERIES = 300
FILES_PER_SERIES = 20
RUNS = 5
GOALS = {"cold_scan_s": 1.5, "warm_rescan_s": 0.2, "screen_paint_s": 0.3}
NO_SERVER = "http://127.0.0.1:9"
"""Nothing listens there: the app's other screens fail fast and ask nothing of the bench."""


def make_tree(root: Path) -> None:
    for n in range(SERIES):
        folder = root / f"Show Number {n} ({2000 + n % 25})"
        season = folder / "Season 2"
        season.mkdir(parents=True)
        for episode in range(1, FILES_PER_SERIES + 1):
            where = season if episode > FILES_PER_SERIES - 3 else folder
            name = f"[SubsPlease] Show Number {n} - {episode:02d} (1080p) [ABCD{n:04d}].mkv"
            (where / name).touch()


def plain_walk(root: Path) -> int:
    """The baseline: every folder listed and every entry stat'ed, nothing else."""
    count = 0
    pending = [str(root)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                entry.stat()
                count += 1
                if entry.is_dir():
                    pending.append(entry.path)
    return count


async def scans(root: Path, data: Path) -> tuple[float, float]:
    """(cold, warm) seconds of one library over a fresh database."""
    client = V2CompatClient(AniLibertyClient.create("http://127.0.0.1:9/api/v1"))
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    db = Database.open(data / "anitui.db")
    try:
        library = LibraryService(
            LibraryStore(db),
            DownloadStore(db),
            CatalogService(client),
            bus,
            root,
            download_root=root,
        )
        started = time.perf_counter()
        cold = await library.scan()
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = await library.scan()
        warm_s = time.perf_counter() - started
        assert cold.series == SERIES and warm.unchanged == SERIES
        return cold_s, warm_s
    finally:
        bus.close()
        db.close()
        await client.aclose()


async def screen_paint(root: Path, home: Path) -> float:
    """Seconds from the `L` key reaching the app to the first frame of the Library screen
    listing every series of `root` (scanned by the app before the key, as at start-up)."""
    from textual import events

    from app.bootstrap import make_app
    from app.cli import parse_settings
    from app.screens.library import LibraryScreen
    from app.widgets.title_table import KeyTable

    settings = parse_settings(
        [
            *("--anilibria-api", f"{NO_SERVER}/api/v1", "--anilibria-site", NO_SERVER),
            *("--data-dir", str(home / "data"), "--cache-dir", str(home / "cache")),
            *("--download-dir", str(root), "--lang", "en"),
            *("--library-rescan-interval", "0", "--live-subscribe", "off"),
        ]
    )
    app = make_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.library.scan()
        await pilot.pause(0.2)
        frames = asyncio.Event()
        hand_over = app._display

        def display(screen: Any, renderable: Any) -> None:
            hand_over(screen, renderable)
            if isinstance(screen, LibraryScreen):
                frames.set()

        app._display = display  # type: ignore[method-assign]
        # Straight to the driver: Pilot's own waits for idle cost more than the keypress.
        started = time.perf_counter()
        app._driver.send_message(events.Key("L", "L"))  # type: ignore[union-attr]
        while not (
            isinstance(app.screen, LibraryScreen)
            and app.screen.query(KeyTable)
            and app.screen.query_one(KeyTable).row_count == SERIES
        ):
            await asyncio.sleep(0)
        frames.clear()
        await frames.wait()
        painted = time.perf_counter() - started
        app._display = hand_over  # type: ignore[method-assign]
    return painted


def run_all() -> dict[str, float]:
    colds: list[float] = []
    warms: list[float] = []
    walks: list[float] = []
    paints: list[float] = []
    with tempfile.TemporaryDirectory(prefix="anitui-bench-library-") as temp:
        root = Path(temp) / "library"
        make_tree(root)
        for run in range(RUNS):
            started = time.perf_counter()
            plain_walk(root)
            walks.append(time.perf_counter() - started)
            data = Path(temp) / f"data-{run}"
            cold, warm = asyncio.run(scans(root, data))
            colds.append(cold)
            warms.append(warm)
            paints.append(asyncio.run(screen_paint(root, Path(temp) / f"app-{run}")))
    walk = statistics.median(walks)
    return {
        "cold_scan_s": statistics.median(colds),
        "warm_rescan_s": statistics.median(warms),
        "screen_paint_s": statistics.median(paints),
        "plain_walk_s": walk,
        "cold_ratio": statistics.median(colds) / walk,
        "warm_ratio": statistics.median(warms) / walk,
        "paint_ratio": statistics.median(paints) / walk,
    }


def table_rows(results: dict[str, float]) -> list[tuple[str, str, str]]:
    """(what, figure, goal) rows for the bench's report."""
    walk = results["plain_walk_s"]
    rows = []
    for name, what in (
        ("cold_scan_s", "cold scan"),
        ("warm_rescan_s", "warm rescan, nothing changed"),
        ("screen_paint_s", "Library screen painted after the key"),
    ):
        value = results[name]
        goal = GOALS[name]
        verdict = "met" if value <= goal else "MISSED"
        rows.append(
            (
                f"{what}, {SERIES} series / {SERIES * FILES_PER_SERIES} files",
                f"{value * 1000:.0f} ms; a plain scandir + stat walk: {walk * 1000:.0f} ms"
                f" ({value / walk:.2f}×)",
                f"goal ≤ {goal} s: {verdict}",
            )
        )
    return rows


if __name__ == "__main__":
    for what, figure, aim in table_rows(run_all()):
        print(f"{what}: {figure}  ({aim})")

"""`make bench`: anitui's speed and memory, as ratios against a baseline measured in the same run.

The local API server runs in a separate process. Cold starts are fresh processes on a
pseudo-terminal, timed until their content appears on the terminal; the baseline is a bare
Textual app that paints a header, a label and a footer, and a second one, `SCHEDULE_CLONE`, shows
what Textual itself costs for the Schedule's first frame. In-process figures drive the real app
headlessly with Textual's Pilot. Updates' 3,000 titles alternate with their baseline, a bare
Textual app whose one DataTable fetches the same pages from the same server; the list figures
are medians of `LIST_RUNS` fresh processes, shown with their spread.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.bench import downloads, library

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
START_RUNS = 9
"""Cold starts of each side: a start takes ~0.3-0.5 s, and on this machine a single one may take
twice its median, so five a side left the ratio of medians at the mercy of one or two."""
TITLE_RUNS = 5
"""Fresh processes opening Title screens, for each of the two figures."""
LIST_RUNS = 5
"""Fresh processes for each in-process list figure (Updates, Search results): the median and
the spread are shown."""
PLAY_RUNS = 7
BENCH_TITLE = 9001

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Label

class Bare(App):
    def compose(self):
        yield Header()
        yield Label("bare-app-painted")
        yield Footer()

Bare().run()
"""

SCHEDULE_CLONE = """
import json, sys
from rich.text import Text
from textual.app import App
from textual.widget import Widget
from textual.widgets import DataTable, Static

ROWS = json.loads(sys.argv[1])

class ScheduleClone(App):
    CSS = "#room { height: 2; } DataTable { height: 1fr; }"

    def compose(self):
        yield Static("Schedule  Updates  Search  Torrents  Downloads  Library  Feed  Favorites")
        yield Static("")
        yield Widget(id="room")
        yield DataTable(cursor_type="row")

    def on_mount(self):
        table = self.query_one(DataTable)
        for name in ("Name", "English name", "Episodes", "Status", "Updated", "Watched"):
            table.add_column(name)
        table.add_rows([[Text(cell) for cell in row] for row in ROWS])
        table.focus()

ScheduleClone().run()
"""
"""The Schedule's first frame without anitui: Textual's widgets of that frame (a top bar, a
status line, the tabs' room and a DataTable of today's titles, given in argv), no data read,
no models, no services. The cold start's second baseline: what Textual itself costs for the
frame anitui paints."""

SERVER = """
import json, signal, sys, threading
from app.devserver.catalog import Catalog
from app.devserver.server import DevServer
bulk = int(sys.argv[1])
server = DevServer(catalog=Catalog.bulk(bulk) if bulk else None)
server.start()
print(json.dumps({"anilibria_api": server.anilibria_api, "anilibria_site": server.anilibria_site}),
      flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
"""


@contextmanager
def api_server(bulk: int = 0) -> Iterator[dict[str, str]]:
    """The devserver in its own process (demo catalog, or `bulk` generated titles)."""
    process = subprocess.Popen(
        [PYTHON, "-c", SERVER, str(bulk)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=10)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def time_to_text(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawn until `marker` shows on a 120x40 pty, and RSS (MiB) 2 s later."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        while elapsed is None:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise RuntimeError(f"{argv[-1]!r} never showed {marker!r}")
            chunk = os.read(master, 65536)
            seen = seen[-4096:] + chunk
            if marker in seen:
                elapsed = time.perf_counter() - start
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # keep draining so the app never blocks on output
            if select.select([master], [], [], 0.1)[0]:
                os.read(master, 65536)
        memory = rss_mib(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        os.close(master)
    return elapsed, memory


def todays_titles(server: dict[str, str]) -> list[dict[str, Any]]:
    """Today's scheduled titles, as the server lists them."""
    import httpx

    today = time.localtime().tm_wday
    days = httpx.get(server["anilibria_api"] + "/getSchedule", params={"days": today}).json()
    return list(days[0]["list"])


def todays_first_title(server: dict[str, str]) -> str:
    return str(todays_titles(server)[0]["names"]["en"])[:12]


def schedule_clone_rows(server: dict[str, str]) -> list[list[str]]:
    """The rows the Schedule shows today, as text for `SCHEDULE_CLONE`'s table."""
    return [
        [
            str(title["names"]["ru"]),
            str(title["names"]["en"]),
            str(title.get("type", {}).get("episodes") or "?"),
            str(title.get("status", {}).get("string") or ""),
            "01.12",
            "",
        ]
        for title in todays_titles(server)
    ]


def cold_start_env() -> dict[str, str]:
    """The environment of a cold start: a 120x40 terminal, and compiled bytecode for both sides
    as an installed program has it (pip compiles what it installs). Without this, a checkout
    run with PYTHONDONTWRITEBYTECODE compiles all of anitui's source on every start while the
    bare app reads Textual's installed bytecode: ~0.2 s charged to anitui that no user pays."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Out of the source tree; the first (untimed) start of each side writes it.
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="anitui-bench-pycache-")
    return env


def cold_start(server: dict[str, str]) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="anitui-bench-"))
    env = cold_start_env()
    app_argv = [
        PYTHON,
        "-m",
        "app",
        "--anilibria-api",
        server["anilibria_api"],
        "--anilibria-site",
        server["anilibria_site"],
        "--data-dir",
        str(home / "data"),
        "--cache-dir",
        str(home / "cache"),
        "--lang",
        "en",
    ]
    # The first title of today's schedule: painted only once data (from the cache) is on screen.
    marker = todays_first_title(server).encode()
    clone_argv = [PYTHON, "-c", SCHEDULE_CLONE, json.dumps(schedule_clone_rows(server))]
    # Untimed: the bytecode, the cache with today's schedule and the OS's file cache, for all.
    time_to_text(app_argv, marker, env)
    time_to_text([PYTHON, "-c", BARE_APP], b"bare-app-painted", env)
    time_to_text(clone_argv, marker, env)
    bare, clone, app = [], [], []
    bare_rss, app_rss = [], []
    for _ in range(START_RUNS):
        seconds, memory = time_to_text([PYTHON, "-c", BARE_APP], b"bare-app-painted", env)
        bare.append(seconds)
        bare_rss.append(memory)
        clone.append(time_to_text(clone_argv, marker, env)[0])
        seconds, memory = time_to_text(app_argv, marker, env)
        app.append(seconds)
        app_rss.append(memory)
    return {
        "bare_start_s": statistics.median(bare),
        "app_start_s": statistics.median(app),
        "start_ratio": statistics.median(app) / statistics.median(bare),
        "start_ratio_min": min(app) / max(bare),
        "start_ratio_max": max(app) / min(bare),
        # Textual's own cost of the Schedule's first frame, and what anitui adds to it.
        "clone_start_s": statistics.median(clone),
        "clone_ratio": statistics.median(clone) / statistics.median(bare),
        "start_vs_clone": statistics.median(app) / statistics.median(clone),
        "bare_rss_mib": statistics.median(bare_rss),
        "app_rss_mib": statistics.median(app_rss),
        "rss_ratio": statistics.median(app_rss) / statistics.median(bare_rss),
    }


def bench_settings(server: dict[str, str], *flags: str) -> Any:
    """Settings for an in-process measurement: `server`'s APIs, fresh data and cache dirs, and
    any further command-line `flags`."""
    from app.cli import parse_settings

    home = Path(tempfile.mkdtemp(prefix="anitui-bench-"))
    return parse_settings(
        [
            "--anilibria-api",
            server["anilibria_api"],
            "--anilibria-site",
            server["anilibria_site"],
            "--data-dir",
            str(home / "d"),
            "--cache-dir",
            str(home / "c"),
            "--lang",
            "en",
            *flags,
        ]
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def search_latency(server: dict[str, str]) -> dict[str, float]:
    """Keystroke -> results on screen, minus the debounce, over queries that change the set."""
    from textual.widgets import Input

    from app.bootstrap import make_app
    from app.widgets.title_table import KeyTable

    debounce = 0.3
    app = make_app(bench_settings(server, "--ui-search-debounce", str(debounce)))
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause(0.3)
        screen = app.screen
        table = screen.query_one(KeyTable)
        query = screen.query_one("#search-query", Input)
        words = [
            "Starlight",
            "Dragon",
            "Comet",
            "Library",
            "Garden",
            "Runner",
            "Thunder",
            "Chess",
            "Fox",
            "Tram",
        ] * 2
        for word in words:
            query.value = ""  # an empty query clears the results
            await pilot.pause(debounce + 0.2)
            assert table.row_count == 0
            await pilot.press(*word[:-1])
            start = time.perf_counter()
            await pilot.press(word[-1])
            while table.row_count == 0:
                await asyncio.sleep(0.002)
                if time.perf_counter() - start > 10:
                    raise RuntimeError(f"no results for {word!r}")
            latencies.append(time.perf_counter() - start - debounce)
    return {"search_p95_ms": percentile(latencies, 0.95) * 1000}


SEARCH_MATCHES = 1000
"""Search results per answer in `search_results`: a page of this many titles."""
SEARCH_BULK = 8000
"""Titles in the catalog `search_results` searches: each of its words matches ~1,000."""


async def search_results(server: dict[str, str]) -> dict[str, float]:
    """An answer of 1,000 matching titles (`[ui] page_size` 1000) → the frame that shows them:
    from the moment the HTTP answer is in (parsing included) to the frame handed to the
    terminal once the table has laid its rows out; the median of 6 queries."""
    import httpx
    from textual.widgets import Input

    from app.bootstrap import make_app
    from app.widgets.title_table import KeyTable

    app: Any = make_app(
        bench_settings(
            server, "--ui-page-size", str(SEARCH_MATCHES), "--ui-search-debounce", "0.05"
        )
    )
    answered: list[float] = []
    send = httpx.AsyncClient.send

    async def timed_send(client: httpx.AsyncClient, request: httpx.Request, **kw: Any) -> Any:
        response = await send(client, request, **kw)
        if request.url.path.endswith("/searchTitles"):
            answered.append(time.perf_counter())
        return response

    setattr(httpx.AsyncClient, "send", timed_send)  # noqa: B010 (a method, wrapped)
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause(0.3)
        table = app.screen.query_one(KeyTable)
        query = app.screen.query_one("#search-query", Input)
        frames: list[float] = []
        hand_over = app._display

        def display(screen: Any, renderable: Any) -> None:
            hand_over(screen, renderable)
            if table.virtual_size.height > SEARCH_MATCHES:  # rows laid out (and the header)
                frames.append(time.perf_counter())

        app._display = display
        for word in ["Garden", "Academy"] * 3:
            query.value = ""  # an empty query clears the results
            await wait_until(lambda: table.row_count == 0)
            answered.clear()
            frames.clear()
            query.value = word
            await wait_until(lambda: bool(answered) and bool(frames))
            if table.row_count != SEARCH_MATCHES:
                raise RuntimeError(f"{word!r}: {table.row_count} rows, not {SEARCH_MATCHES}")
            latencies.append(frames[0] - answered[-1])
        app._display = hand_over
    setattr(httpx.AsyncClient, "send", send)  # noqa: B010
    return {"search_1000_ms": statistics.median(latencies) * 1000}


async def wait_until(predicate: Any, timeout: float = 30) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.002)


async def repaint_latency(app: Any, table: Any, keys: str) -> list[float]:
    """Seconds from a key event reaching the app to the next frame showing the moved cursor.

    Pilot's own waits (for CPU idle) cost more than a keypress does, so the key is sent to the
    driver directly and the frame is observed where the app hands it to the terminal.
    """
    from textual import events

    frames = asyncio.Event()
    hand_over = app._display

    def display(screen: Any, renderable: Any) -> None:
        hand_over(screen, renderable)
        frames.set()

    app._display = display
    latencies: list[float] = []
    for key in keys:
        row = table.cursor_row
        start = time.perf_counter()
        app._driver.send_message(events.Key(key, key))
        while table.cursor_row == row:
            await asyncio.sleep(0)
        frames.clear()
        await frames.wait()
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(0.01)
    app._display = hand_over
    return latencies


def schedule_loading(app: Any) -> bool:
    """Whether the Schedule's load (the cache, then the network's copy) is still running."""
    return any(worker.group == "schedule" and not worker.is_finished for worker in app.workers)


async def long_list(server: dict[str, str]) -> dict[str, float]:
    """Updates paging through 3,000 titles (wall and CPU time: other work on the machine moves
    the first), RSS after, and j/k repaint latency on that list."""
    from app.bootstrap import make_app
    from app.screens.updates import UpdatesScreen
    from app.widgets.title_table import KeyTable

    app = make_app(bench_settings(server))
    async with app.run_test(size=(120, 40)) as pilot:
        # The Schedule's own network copy, parsed and drawn, is part of its start, not of
        # Updates: on a loaded machine it was still arriving 0.5 s in, inside the window.
        await wait_until(lambda: not schedule_loading(app))
        await pilot.pause(0.5)
        start, start_cpu = time.perf_counter(), time.process_time()
        await pilot.press("2")
        while not isinstance(app.screen, UpdatesScreen) or not app.screen.query(KeyTable):
            await asyncio.sleep(0.005)
        table = app.screen.query_one(KeyTable)
        # The user holds G: each time the end is reached, jump to the new end.
        while table.row_count < 3000:
            if table.row_count and table.cursor_row < table.row_count - 1:
                table.action_scroll_bottom()
            await asyncio.sleep(0.005)
            if time.perf_counter() - start > 60:
                raise RuntimeError(f"only {table.row_count} rows after 60 s")
        loaded, loaded_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        await pilot.pause(0.2)
        rss = rss_mib(os.getpid())
        table.move_cursor(row=1500)
        await pilot.pause(0.1)
        repaint = await repaint_latency(app, table, "jk" * 25)
    return {
        "updates_3000_s": loaded,
        "updates_3000_cpu_s": loaded_cpu,
        "updates_rss_mib": rss,
        "cursor_p95_ms": percentile(repaint, 0.95) * 1000,
    }


UPDATES_PAGES = (50, 200, 800, 1000, 1000)
"""The pages Updates asks for while the user holds G (`[ui] page_size` 50, growing fourfold)."""


async def bare_long_list(server: dict[str, str]) -> dict[str, float]:
    """The baseline of `long_list`: a bare Textual app with one DataTable fetching the same
    pages of getUpdates with httpx (the next request out before the rows go in, as Updates
    does), plain-text cells, the cursor sent to the end after each page, until 3,000 rows."""
    import httpx
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row", zebra_stripes=True)

    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot, httpx.AsyncClient() as client:
        table = app.query_one(DataTable)
        table.add_columns(" ", "Name", "English name", "Episodes", "Updated")
        await pilot.pause(0.5)

        def page(after: int, limit: int) -> Any:
            params: dict[str, str | int] = {
                "after": after,
                "limit": limit,
                "filter": "id,names,type,updated",
            }
            return asyncio.ensure_future(
                client.get(server["anilibria_api"] + "/getUpdates", params=params)
            )

        start, start_cpu = time.perf_counter(), time.process_time()
        after = 0
        next_page = page(after, UPDATES_PAGES[0])
        for number, limit in enumerate(UPDATES_PAGES):
            titles = (await next_page).json()
            after += limit
            if number + 1 < len(UPDATES_PAGES):
                next_page = page(after, UPDATES_PAGES[number + 1])
            table.add_rows(
                [
                    Text(""),
                    Text(title["names"]["ru"]),
                    Text(title["names"]["en"]),
                    Text(f"? / {title['type']['series']}"),
                    Text(time.strftime("%Y-%m-%d", time.gmtime(title["updated"]))),
                ]
                for title in titles
            )
            await asyncio.sleep(0)
            table.action_scroll_bottom()
        while table.virtual_size.height <= 3000:  # laid out
            await asyncio.sleep(0.005)
        await pilot.pause()
        return {
            "bare_updates_3000_s": time.perf_counter() - start,
            "bare_updates_3000_cpu_s": time.process_time() - start_cpu,
        }


async def play_latency(server: dict[str, str]) -> dict[str, float]:
    """From the play keypress on a Title screen to the first decoded frame (time-pos > 0).

    The frame is taken where the app learns of it, the player service's first progress event,
    as the baseline reads mpv's time-pos: the Now-playing bar that then appears is the UI's
    frame, not the video's, and it waits for the loop's next paint (~30 ms)."""
    from textual import events

    from app.bootstrap import make_app
    from app.messages import TitleOpened
    from app.screens.title import TitleScreen
    from app.services.player import PlaybackProgressed
    from app.widgets.title_table import KeyTable

    app = make_app(
        bench_settings(
            server, "--player-vo", "null", "--player-ao", "null", "--player-mpv-config", "false"
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(TitleOpened(BENCH_TITLE))
        while not isinstance(app.screen, TitleScreen) or app.screen.title_data is None:
            await asyncio.sleep(0.005)
        episodes = app.screen.query_one("#title-episodes", KeyTable)
        while episodes.row_count == 0:
            await asyncio.sleep(0.005)
        await pilot.pause(0.5)  # as a user would: read the page before pressing Enter
        first_frame: asyncio.Future[float] = asyncio.get_running_loop().create_future()

        def progressed(event: PlaybackProgressed) -> None:
            if event.position > 0 and not first_frame.done():
                first_frame.set_result(time.perf_counter())

        app.runtime.bus.subscribe(PlaybackProgressed, progressed)
        start = time.perf_counter()
        # Straight to the driver: Pilot's own waits for idle cost more than the keypress.
        assert app._driver is not None
        app._driver.send_message(events.Key("enter", "\r"))
        elapsed = await asyncio.wait_for(first_frame, 30) - start
        while app.now_playing is None:  # the UI has it too before the stop key
            await asyncio.sleep(0.002)
        await pilot.press("x")
    return {"play_s": elapsed}


TITLE_OPENS = 20
"""Title screens opened per process, each title fetched into the cache beforehand."""
READING_PAUSE = 1.0
"""Seconds on the Schedule between a Title screen closing and the next Enter, as a reader
choosing the next title spends at least: the app's full garbage collections wait for such a
pause (`IdleCollector`)."""


async def title_open_latency(
    server: dict[str, str], pause: float = READING_PAUSE
) -> dict[str, float]:
    """Enter on a Schedule row -> the Title screen's first frame listing the episodes, the title
    read from the cache (p95), `pause` seconds after the previous one closed; and -> the first
    frame with the episodes where they stay once the screen has settled (the body's scroll bar
    and the rest of the screen joined).

    Each frame is timed as Textual hands it to the terminal: a task woken by it would run only
    after the app's follow-up work already queued (tens of ms), which no user waits for."""
    from textual import events
    from textual.geometry import Region

    from app.bootstrap import make_app
    from app.screens.schedule import ScheduleScreen
    from app.screens.title import TitleScreen
    from app.widgets.title_table import KeyTable

    app = make_app(bench_settings(server))
    first_frames: list[float] = []
    settled_frames: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        schedule = app.screen
        assert isinstance(schedule, ScheduleScreen)
        table = schedule.query_one(KeyTable)
        while table.row_count == 0:
            await asyncio.sleep(0.005)
        frames: list[tuple[float, Region]] = []
        """This open's frames listing the episodes: when, and where the list was."""
        painted = asyncio.Event()
        hand_over = app._display

        def display(screen: Any, renderable: Any) -> None:
            hand_over(screen, renderable)
            # A frame painted inside a batch of updates never reaches the terminal.
            if isinstance(screen, TitleScreen) and not app._batch_count:
                episodes = screen.query_one("#title-episodes", KeyTable)
                if episodes.row_count:
                    frames.append((time.perf_counter(), episodes.region))
                    painted.set()

        app._display = display  # type: ignore[method-assign]
        # Into the cache first, as a title opened once before is there (and its poster).
        for _key, title in schedule.row_titles.items():
            fetched = await app.runtime.catalog.title(title.id)
            posters = fetched.value.posters
            if posters is not None and posters.medium.url:
                await app.runtime.catalog.poster(posters.medium.url)
        for attempt in range(TITLE_OPENS):
            table.move_cursor(row=attempt % table.row_count)
            await pilot.pause()  # the Schedule back and settled
            await asyncio.sleep(pause)
            painted.clear()
            frames.clear()
            start = time.perf_counter()
            assert app._driver is not None
            app._driver.send_message(events.Key("enter", "\r"))
            await asyncio.wait_for(painted.wait(), 30)
            opened = app.screen
            assert isinstance(opened, TitleScreen)
            await asyncio.wait_for(opened.rest_joined.wait(), 30)
            await pilot.pause()
            stays = opened.query_one("#title-episodes", KeyTable).region
            first_frames.append(frames[0][0] - start)
            settled_frames.append(next(at for at, region in frames if region == stays) - start)
            await pilot.press("escape")
            while app.screen is not schedule:
                await asyncio.sleep(0.005)
    return {
        "title_open_p95_ms": percentile(first_frames, 0.95) * 1000,
        "title_settled_p95_ms": percentile(settled_frames, 0.95) * 1000,
    }


async def rushed_title_open_latency(server: dict[str, str]) -> dict[str, float]:
    """The same with no pause between the opens: the full collections fall inside them."""
    figures = await title_open_latency(server, pause=0)
    return {f"rushed_{name}": value for name, value in figures.items()}


def mpv_cli_latency(url: str) -> float:
    """The baseline: `mpv --vo=null --ao=null URL` as a process, time-pos read over its IPC."""
    import socket

    ipc = Path(tempfile.mkdtemp(prefix="anitui-mpv-")) / "ipc"
    start = time.perf_counter()
    process = subprocess.Popen(
        ["mpv", "--no-config", "--vo=null", "--ao=null", f"--input-ipc-server={ipc}", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if time.perf_counter() - start > 30:
                raise RuntimeError("mpv never started")
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(str(ipc))
                    sock.sendall(b'{"command": ["get_property", "time-pos"]}\n')
                    reply = json.loads(sock.recv(4096).split(b"\n")[0])
            except (OSError, ValueError):
                time.sleep(0.002)
                continue
            if isinstance(reply.get("data"), (int, float)) and reply["data"] > 0:
                return time.perf_counter() - start
            time.sleep(0.002)
    finally:
        process.terminate()
        process.wait(timeout=10)


def playback(server: dict[str, str]) -> dict[str, float]:
    import httpx

    title = httpx.get(
        server["anilibria_api"] + "/getTitle",
        params={"id": BENCH_TITLE, "playlist_type": "array"},
    ).json()
    player = title["player"]
    url = "http://" + player["host"] + player["playlist"][0]["hls"]["fhd"]
    # In pairs, one right after the other: the machine's load then weighs on both alike.
    cli, app = [], []
    for _ in range(PLAY_RUNS):
        cli.append(mpv_cli_latency(url))
        app.append(in_fresh_process("playback", server)["play_s"])
    ratios = [a / c for a, c in zip(app, cli, strict=True)]
    return {
        "mpv_play_s": statistics.median(cli),
        "app_play_s": statistics.median(app),
        "play_ratio": statistics.median(app) / statistics.median(cli),
        "play_ratio_min": min(ratios),
        "play_ratio_max": max(ratios),
    }


def in_fresh_process(part: str, server: dict[str, str]) -> dict[str, float]:
    """Run one in-process measurement in a new interpreter, as a user's fresh start would."""
    output = subprocess.run(
        [PYTHON, "-m", "tests.bench", "--part", part, json.dumps(server)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    return dict(json.loads(output.splitlines()[-1]))


def title_opens(server: dict[str, str]) -> dict[str, float]:
    """The p95 of each of `TITLE_RUNS` fresh processes, with and without a reader's pause
    between the opens, alternating: their medians and spreads."""
    p95s: dict[str, list[float]] = {}
    for _ in range(TITLE_RUNS):
        for part in ("title_open", "rushed_title_open"):
            for name, value in in_fresh_process(part, server).items():
                p95s.setdefault(name, []).append(value)
    figures: dict[str, float] = {}
    for name, values in p95s.items():
        stem = name.removesuffix("_ms")
        figures |= {
            name: statistics.median(values),
            f"{stem}_min_ms": min(values),
            f"{stem}_max_ms": max(values),
        }
    return figures


PARTS = {
    "search": search_latency,
    "search_results": search_results,
    "long_list": long_list,
    "bare_long_list": bare_long_list,
    "playback": play_latency,
    "title_open": title_open_latency,
    "rushed_title_open": rushed_title_open_latency,
}


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--part":
        print(json.dumps(asyncio.run(PARTS[sys.argv[2]](json.loads(sys.argv[3])))))
        return 0
    results: dict[str, float] = {}
    with api_server() as server:
        results.update(cold_start(server))
        results.update(in_fresh_process("search", server))
        results.update(playback(server))
        results.update(title_opens(server))
    spreads: dict[str, tuple[float, float]] = {}

    def medians(runs: list[dict[str, float]]) -> None:
        for name in runs[0]:
            values = [run[name] for run in runs]
            results[name] = statistics.median(values)
            spreads[name] = (min(values), max(values))

    with api_server(bulk=3000) as server:
        # Alternating with the baseline, so both see the same load on a shared machine.
        runs, bare_runs = [], []
        for _ in range(LIST_RUNS):
            bare_runs.append(in_fresh_process("bare_long_list", server))
            runs.append(in_fresh_process("long_list", server))
    medians(runs)
    medians(bare_runs)
    results["updates_ratio"] = results["updates_3000_s"] / results["bare_updates_3000_s"]
    with api_server(bulk=SEARCH_BULK) as server:
        medians([in_fresh_process("search_results", server) for _ in range(LIST_RUNS)])
    goals = {
        "start_ratio": ("<=", 1.5),
        "app_rss_mib": ("<=", 60),
        "search_p95_ms": ("<=", 150),
        "updates_3000_s": ("<=", 1.0),
        "updates_rss_mib": ("<=", 200),
        "cursor_p95_ms": ("<=", 50),
        "search_1000_ms": ("<=", 150),
        "play_ratio": ("<=", 1.1),
        "play_ratio_max": ("<=", 1.1),
        "title_open_p95_ms": ("<=", 100),
        "title_settled_p95_ms": ("<=", 100),
    }
    for name, value in results.items():
        goal = goals.get(name)
        verdict = ""
        if goal:
            verdict = "  goal ≤ {}: {}".format(goal[1], "met" if value <= goal[1] else "MISSED")
        spread = spreads.get(name)
        if spread:
            verdict = f"  ({spread[0]:.3f}–{spread[1]:.3f})" + verdict
        print(f"{name:20} {value:10.3f}{verdict}")
    print("\ndownloads (TCP on loopback, a local seeder in its own process):")
    for what, figure, aim in downloads.table_rows(downloads.run_all()):
        print(f"  {what}: {figure}" + (f"  ({aim})" if aim else ""))
    print("\nlibrary (a scan of a generated tree, in this process):")
    for what, figure, aim in library.table_rows(library.run_all()):
        print(f"  {what}: {figure}  ({aim})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

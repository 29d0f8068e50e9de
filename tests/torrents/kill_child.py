"""Run by test_resume_kill.py in a subprocess: download one torrent through TorrentEngine from a
loopback seeder, printing every status as a JSON line, until the test kills it (SIGKILL).

usage: kill_child.py TORRENT_FILE SAVE_DIR RESUME_DIR SEEDER_PORT RESUME_INTERVAL
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.services.events import EventBus
from app.services.torrent_meta import parse_torrent
from app.services.torrents import (
    EngineSettings,
    TorrentEngine,
    TorrentStatusesUpdated,
)


async def main(torrent: Path, save: Path, resume_dir: Path, port: int, interval: float) -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())

    def report(event: TorrentStatusesUpdated) -> None:
        for status in event.statuses:
            line = {"state": status.state, "done": status.done, "wanted": status.wanted}
            print(json.dumps(line), flush=True)

    bus.subscribe(TorrentStatusesUpdated, report)
    spec = parse_torrent(torrent.read_bytes())
    engine = TorrentEngine(
        bus,
        resume_dir,
        EngineSettings(
            listen_interfaces="127.0.0.1:0",
            dht=False,
            lsd=False,
            upnp=False,
            natpmp=False,
            utp=False,
            resume_interval=interval,
            status_interval=0.1,
        ),
    )
    engine.start()
    engine.add(spec, save)
    while True:  # until killed
        status = engine.status(spec.info_hash)
        if status is None or status.peers == 0:
            engine.connect_peer(spec.info_hash, "127.0.0.1", port)
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    torrent, save, resume_dir, port, interval = sys.argv[1:6]
    asyncio.run(main(Path(torrent), Path(save), Path(resume_dir), int(port), float(interval)))

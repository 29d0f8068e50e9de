"""`python -m app.devserver [--host H] [--port N]`: serve the demo catalog until SIGINT/SIGTERM.

Serves every API the project implements (AniLibria v2, AniLiberty v1, nekoBT, the Torrent API)
on one port and prints one JSON line with the URLs to give the app (`base_url`,
`anilibria_api`, `anilibria_site`, `anilibria_ws`, `aniliberty_api`, `aniliberty_site`,
`nekobt_api`, `torrent_api`, and `tracker`, the demo torrents' tracker) once the port listens,
so a parent process can read it and connect.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from app.devserver.demo import demo_server, service_urls


def main(argv: list[str] | None = None) -> int:
    """Run the server in the foreground; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m app.devserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    args = parser.parse_args(argv)

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    with demo_server(args.host, args.port) as server:
        sys.stdout.write(json.dumps(service_urls(server)) + "\n")
        sys.stdout.flush()
        # wait() with a timeout keeps the main thread responsive to signals.
        while not stopping.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

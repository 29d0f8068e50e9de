"""notify-send is called with flattened, escaped text, and only where a desktop exists.

No notification daemon can run on the CI machine, so a stand-in `notify-send` script records
its arguments: the only substitute in these tests.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from app.services.desktop_notify import DesktopNotifier


def stand_in(tmp_path: Path, exit_code: int = 0) -> tuple[dict[str, str], Path]:
    record = tmp_path / "calls.jsonl"
    script = tmp_path / "bin" / "notify-send"
    script.parent.mkdir()
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        f"with open({str(record)!r}, 'a') as f: f.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"sys.exit({exit_code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": str(script.parent), "DISPLAY": ":0"}, record


async def test_sends_one_line_with_the_body_escaped(tmp_path: Path) -> None:
    environ, record = stand_in(tmp_path)
    notifier = DesktopNotifier(enabled=True, environ=environ)
    assert await notifier.send("Frieren\x1b[31m\nS2", "<b>episode</b> 12 & more")
    (call,) = [json.loads(line) for line in record.read_text().splitlines()]
    assert call[:2] == ["--app-name=anitui", "--"]
    summary, body = call[2:]
    assert "\x1b" not in summary and "\n" not in summary and summary.startswith("Frieren")
    assert body == "&lt;b&gt;episode&lt;/b&gt; 12 &amp; more"


async def test_nothing_without_a_desktop_or_when_turned_off(tmp_path: Path) -> None:
    environ, record = stand_in(tmp_path)
    headless = {"PATH": environ["PATH"]}
    assert not await DesktopNotifier(enabled=True, environ=headless).send("x", "y")
    assert not await DesktopNotifier(enabled=False, environ=environ).send("x", "y")
    assert not record.exists()


async def test_a_failing_notify_send_is_reported_not_raised(tmp_path: Path) -> None:
    environ, record = stand_in(tmp_path, exit_code=1)
    assert not await DesktopNotifier(enabled=True, environ=environ).send("x", "y")
    assert record.exists()


async def test_missing_notify_send_is_unavailable(tmp_path: Path) -> None:
    notifier = DesktopNotifier(enabled=True, environ={"PATH": str(tmp_path), "DISPLAY": ":0"})
    assert not notifier.available
    assert not await notifier.send("x", "y")

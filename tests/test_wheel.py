"""A plain (non-editable) wheel install gives a working app: styles and assets ship inside."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = textwrap.dedent(
    """
    import asyncio, sys, time
    import app
    assert "site-packages" in app.__file__, app.__file__
    from app.cli import parse_settings
    from app.bootstrap import make_app
    from app.widgets.title_table import KeyTable

    async def main():
        settings = parse_settings(["--demo", "--data-dir", sys.argv[1], "--cache-dir", sys.argv[2]])
        application = make_app(settings)
        async with application.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 30
            table = application.screen.query_one(KeyTable)
            while table.row_count == 0 and time.monotonic() < deadline:
                await pilot.pause(0.05)
            # app.tcss makes the table fill the screen: proof the stylesheet shipped and loaded.
            assert str(table.styles.height) == "1fr", table.styles.height
            top_bar = application.screen.query_one("#top-bar").render()
            print("ROWS", table.row_count, "TOPBAR", top_bar)

    asyncio.run(main())
    """
)


@pytest.mark.slow
def test_wheel_installs_and_runs_from_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next(dist.glob("anitui-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "app/_data/styles/app.tcss" in names
    assert "app/_data/assets/demo/catalog.json" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies come from this environment (a path line in a .pth adds it without running
    # its .pth files, so the editable install of the source tree stays out of sight).
    Path(target, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, str(wheel)],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(python), "-c", PROBE, str(tmp_path / "data"), str(tmp_path / "cache")],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = int(result.stdout.split("ROWS")[1].split()[0])
    assert rows > 0
    assert "DEMO" in result.stdout
    assert (venv / "bin").is_dir()

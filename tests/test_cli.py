"""Start-up failures: one line on stderr naming the path and what to do, exit 2, nothing lost."""

from __future__ import annotations

import builtins
import gc
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_config_and_no_log_left(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No user config or key is read, and the log handler a start adds goes away after."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    for name in [n for n in os.environ if n.startswith("ANITUI_")]:
        monkeypatch.delenv(name)
    yield
    root = logging.getLogger("anitui")
    for handler in list(root.handlers):
        handler.close()
        root.removeHandler(handler)


def start(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    """Run anitui in-process with `flags` (data and cache under tmp_path unless given) and
    return its one line on stderr, after checking that it refused to start."""
    defaults = {"--data-dir": tmp_path / "data", "--cache-dir": tmp_path / "cache"}
    argv = list(flags)
    for flag, path in defaults.items():
        if flag not in argv:
            argv += [flag, str(path)]
    assert main(argv) == 2
    # Off while the app starts (README, Performance), the collector is on again after.
    assert gc.isenabled()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("anitui: "), err
    assert "Traceback" not in err
    return err.strip()


def test_a_data_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("mine")
    line = start(tmp_path, capsys)
    assert line == (
        f"anitui: {blocker}: a file is where anitui needs a folder; move it away or choose"
        " another folder with --data-dir"
    )
    assert blocker.read_text() == "mine"


def test_a_cache_folder_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Even root cannot make a folder inside a regular file.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine")
    line = start(tmp_path, capsys, "--cache-dir", str(blocker / "cache"))
    assert line.startswith(f"anitui: {blocker}: a file is where anitui needs a folder")
    assert line.endswith("--cache-dir")
    assert blocker.read_text() == "mine"


def test_a_log_file_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cache" / "anitui.log").mkdir(parents=True)
    line = start(tmp_path, capsys)
    assert line == (
        f"anitui: {tmp_path / 'cache' / 'anitui.log'}: a folder is where anitui needs a file;"
        " move it away or choose another folder with --cache-dir"
    )


def refuse(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Deny opening any file called `name`, as in a folder another user (root) owns: CI runs
    as root, which no mode bit stops. The lock opens with `os.open`, the log with `open`."""
    real_os_open, real_open = os.open, builtins.open

    def deny(path: Any) -> None:
        if isinstance(path, (str, bytes, os.PathLike)) and Path(os.fsdecode(path)).name == name:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))

    def denying_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        deny(path)
        return real_os_open(path, *args, **kwargs)

    def denying_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        deny(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denying_os_open)
    monkeypatch.setattr(builtins, "open", denying_open)


@pytest.mark.parametrize(
    ("name", "folder", "flag"),
    [("anitui.lock", "data", "--data-dir"), ("anitui.log", "cache", "--cache-dir")],
)
def test_a_folder_left_to_root_by_sudo(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    folder: str,
    flag: str,
) -> None:
    refuse(monkeypatch, name)
    line = start(tmp_path, capsys)
    assert line == (
        f"anitui: {tmp_path / folder / name}: permission denied; make it yours again"
        f' (sudo chown -R "$USER" {tmp_path / folder}) or choose another folder with {flag}'
    )


def test_a_secrets_file_that_is_not_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = tmp_path / "data" / "secrets.json"
    secrets.parent.mkdir()
    secrets.write_bytes(b"\x80\x81 not utf-8")
    secrets.chmod(0o600)
    line = start(tmp_path, capsys)
    assert line.startswith(f"anitui: {secrets}: not text (not UTF-8); delete it or move it")
    assert secrets.read_bytes() == b"\x80\x81 not utf-8"


def test_no_traceback_reaches_the_terminal(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(blocker), "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config-home")},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"anitui: {blocker}: a file is where anitui needs a folder; move it away or choose"
        " another folder with --data-dir"
    ]
    assert result.stdout == "" and blocker.read_text() == "mine"

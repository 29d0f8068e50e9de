"""Command line: flags -> Settings -> `app.bootstrap.make_app(settings).run()`."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.config import LANGUAGES, ConfigError, Settings, config_keys, load_settings
from app.paths import AppPaths, default_config_file


def build_parser() -> argparse.ArgumentParser:
    """The flags: the stable ones of CONVENTIONS.md plus one per config key."""
    parser = argparse.ArgumentParser(
        prog="anitui",
        description="A keyboard-driven terminal app for anime fans (AniLibria browsing).",
    )
    parser.add_argument("--version", action="version", version=f"anitui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="use the bundled local API server and demo catalog"
    )
    parser.add_argument("--config", dest="config_file", type=Path, help="config file to read")
    for key in config_keys():
        kwargs: dict[str, Any] = {"dest": key.dotted, "default": None, "help": key.doc}
        # A list's choices are checked item by item when the comma-separated value is read.
        if key.choices and key.type != tuple[str, ...]:
            kwargs["choices"] = key.choices
        if key.dotted == "lang":
            kwargs["choices"] = LANGUAGES
        parser.add_argument(key.flag, **kwargs)
    return parser


def parse_settings(argv: Sequence[str] | None = None) -> Settings:
    """Settings from argv, the environment and the config file; ConfigError when they are bad."""
    namespace = build_parser().parse_args(argv)
    return load_settings(vars(namespace), default_config_file=default_config_file())


def configure_logging(log_file: Path) -> None:
    """Log to a file: the terminal belongs to the UI. Known secrets are masked on the way."""
    from app.sources.http import RedactingFilter

    handler = logging.FileHandler(log_file, encoding="utf-8")
    # On the handler, not a logger: it then sees every record that reaches the file.
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("anitui")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run anitui; returns the process exit code (2: it could not start, said why on stderr)."""
    # Start-up makes a few hundred thousand objects that live as long as the app (modules,
    # classes, styles): collecting as they come costs ~30 ms of CPU before the first frame and
    # frees nothing. The shell turns the collector back on once that frame is painted.
    gc.disable()
    try:
        return run_app(argv)
    finally:
        gc.enable()


def run_app(argv: Sequence[str] | None) -> int:
    """`main` with the collector as the caller left it."""
    try:
        settings = parse_settings(argv)
    except ConfigError as error:
        print(f"anitui: {error}", file=sys.stderr)
        return 2

    from app.services.secrets import SecretsError
    from app.store.db import StoreError
    from app.widgets.poster import GRAPHIC_RENDERERS, resolve_renderer

    paths = AppPaths.resolve(
        settings.data_dir, settings.cache_dir, settings.download_dir, demo=settings.demo
    )
    try:
        configure_logging(paths.log_file)
        if resolve_renderer(settings.ui.poster_renderer, os.environ) in GRAPHIC_RENDERERS:
            # textual-image asks the terminal for its cell size at import: only possible before
            # Textual takes the terminal over.
            import textual_image.widget  # noqa: F401
        from app.bootstrap import make_app

        app = make_app(settings)
    except (StoreError, SecretsError) as error:
        print(f"anitui: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        # A folder anitui cannot use (often left behind by one `sudo anitui`): one line that
        # says what to do beats a traceback, and nothing is deleted to make room.
        print(f"anitui: {folder_problem(error, paths)}", file=sys.stderr)
        return 2
    from app.services.stderr_log import StderrToLog

    stderr = StderrToLog(paths.log_file)
    try:
        app.run()
    finally:
        stderr.close()
    return 0


def folder_problem(error: OSError, paths: AppPaths) -> str:
    """What went wrong with the path in `error`, and what to do about it, in one line."""
    if error.filename is None:
        return f"cannot start: {error.strerror or error}"
    path = Path(os.fsdecode(error.filename))
    root, flag = next(
        (
            (root, flag)
            for root, flag in (
                (paths.data, "--data-dir"),
                (paths.cache, "--cache-dir"),
                (paths.downloads, "--download-dir"),
            )
            if path.is_relative_to(root)
        ),
        (path, "--data-dir / --cache-dir"),
    )
    elsewhere = f"or choose another folder with {flag}"
    if isinstance(error, PermissionError):
        return (
            f"{path}: permission denied; make it yours again"
            f' (sudo chown -R "$USER" {root}) {elsewhere}'
        )
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return (
            f"{_file_in_the_way(path)}: a file is where anitui needs a folder;"
            f" move it away {elsewhere}"
        )
    if isinstance(error, IsADirectoryError):
        return f"{path}: a folder is where anitui needs a file; move it away {elsewhere}"
    return f"{path}: {error.strerror or error}; {elsewhere}"


def _file_in_the_way(path: Path) -> Path:
    """The nearest of `path` and its parents that exists and is not a folder (else `path`)."""
    for candidate in (path, *path.parents):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return path

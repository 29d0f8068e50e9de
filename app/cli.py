"""Command line: flags -> Settings -> `app.bootstrap.make_app(settings).run()`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.config import LANGUAGES, ConfigError, Settings, config_keys, load_settings
from app.paths import default_config_file


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
        if key.choices:
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
    """Run anitui; returns the process exit code."""
    try:
        settings = parse_settings(argv)
    except ConfigError as error:
        print(f"anitui: {error}", file=sys.stderr)
        return 2

    from app.paths import AppPaths
    from app.widgets.poster import GRAPHIC_RENDERERS, resolve_renderer

    paths = AppPaths.resolve(
        settings.data_dir, settings.cache_dir, settings.download_dir, demo=settings.demo
    )
    configure_logging(paths.log_file)
    if resolve_renderer(settings.ui.poster_renderer, os.environ) in GRAPHIC_RENDERERS:
        # textual-image asks the terminal for its cell size at import: only possible before
        # Textual takes the terminal over.
        import textual_image.widget  # noqa: F401

    from app.bootstrap import make_app
    from app.store.db import StoreError

    try:
        app = make_app(settings)
    except StoreError as error:
        print(f"anitui: {error}", file=sys.stderr)
        return 2
    app.run()
    return 0

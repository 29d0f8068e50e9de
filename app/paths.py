"""Where anitui keeps things: platformdirs locations, created on first use, and its bundled data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "anitui"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    """A data folder: inside the wheel under app/_data, or at the top of a source checkout."""
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


STYLES_DIR = _bundled("styles")
ASSETS_DIR = _bundled("assets")


def default_config_file() -> Path:
    """The config file read when no --config is given (it need not exist)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass(frozen=True)
class AppPaths:
    """The directories of one run; each is created when first asked for."""

    data: Path
    cache: Path
    downloads: Path

    @classmethod
    def resolve(
        cls,
        data_dir: Path | None,
        cache_dir: Path | None,
        download_dir: Path | None,
        *,
        demo: bool = False,
    ) -> AppPaths:
        """Explicit directories win; otherwise platformdirs. Demo mode keeps its own state apart."""
        data = data_dir or Path(platformdirs.user_data_dir(APP_NAME))
        cache = cache_dir or Path(platformdirs.user_cache_dir(APP_NAME))
        downloads = download_dir or Path(platformdirs.user_downloads_dir()) / APP_NAME
        if demo:
            data = data if data_dir else data / "demo"
            cache = cache if cache_dir else cache / "demo"
            # The demo's torrents hold invented bytes: keep them out of the real downloads.
            downloads = download_dir or data / "downloads"
        return cls(data=data, cache=cache, downloads=downloads)

    def data_dir(self) -> Path:
        self.data.mkdir(parents=True, exist_ok=True)
        return self.data

    def cache_dir(self) -> Path:
        self.cache.mkdir(parents=True, exist_ok=True)
        return self.cache

    @property
    def database(self) -> Path:
        return self.data_dir() / "anitui.sqlite"

    @property
    def http_cache(self) -> Path:
        return self.cache_dir() / "http-cache.sqlite"

    @property
    def log_file(self) -> Path:
        return self.cache_dir() / "anitui.log"

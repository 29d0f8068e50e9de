"""Fixtures of the source tests: recorded sleeps, a fixed clock, fast settings, a cache file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sources.cache import HttpCache
from app.sources.http import HttpSettings

NOW = 1_795_435_200.0  # a fixed "now" for fetched_at and HTTP-date Retry-After


class Sleeps(list[float]):
    """An injected `sleep` that records the requested delays instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """The delays the code under test asked to wait, in order."""
    return Sleeps()


def clock() -> float:
    """The fixed clock."""
    return NOW


@pytest.fixture
def fast() -> HttpSettings:
    """Short timeouts, exact (jitter-free) backoff delays of 0.5, 1, 2 s."""
    return HttpSettings(timeout=2.0, connect_timeout=1.0, retries=3, backoff=0.5, jitter=0.0)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[HttpCache]:
    """A response cache in the test's temp dir, closed afterwards."""
    http_cache = HttpCache(tmp_path / "cache" / "http.sqlite")
    yield http_cache
    http_cache.close()

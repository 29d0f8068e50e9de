"""Fixtures of the devserver tests: an AniLiberty v1 server of the test's own and its client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.devserver.server import DevServer


@pytest.fixture
def v1_server() -> Iterator[DevServer]:
    """A bare DevServer (AniLibria v2 and AniLiberty v1 only) for tests that change its state."""
    with DevServer() as made:
        yield made


@pytest.fixture
def v1_client(v1_server: DevServer) -> Iterator[httpx.Client]:
    """A client of `v1_server`'s v1 API."""
    with httpx.Client(base_url=v1_server.aniliberty_api, timeout=5) as client:
        yield client

"""The composition root: demo mode runs on a copy of the settings, pointed at servers it starts."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.bootstrap import (
    DEMO_FOLLOWED,
    DEMO_POLL_INTERVAL,
    LocalDemo,
    demo_settings,
    open_runtime,
    start_demo_server,
)
from app.config import DEFAULT_ANILIBRIA_MIRRORS, Settings, load_settings
from app.devserver import nekobt, torrentapi
from app.paths import AppPaths
from app.services.runtime import Runtime
from app.store.favorites import FavoritesStore


def demo_flags(home: Path) -> Settings:
    return load_settings(
        {
            "demo": True,
            "data_dir": str(home / "data"),
            "cache_dir": str(home / "cache"),
            "download_dir": str(home / "downloads"),
        },
        environ={},
        default_config_file=home / "no-config.toml",
    )


def test_demo_settings_are_a_new_object_and_the_given_ones_stay(tmp_path: Path) -> None:
    settings = demo_flags(tmp_path)
    before = dataclasses.asdict(settings)
    urls = {
        "anilibria_api": "http://127.0.0.1:1/v2",
        "anilibria_site": "http://127.0.0.1:1",
        "anilibria_ws": "ws://127.0.0.1:1/v2/ws/",
        "aniliberty_api": "http://127.0.0.1:1/api/v1",
        "aniliberty_site": "http://127.0.0.1:1",
        "nekobt_api": "http://127.0.0.1:1/nekobt/api/v1",
        "torrent_api": "http://127.0.0.1:1/torrentapi",
        "tracker": "http://127.0.0.1:1/announce",
    }
    demo = demo_settings(settings, urls)
    assert demo is not settings and demo.anilibria is not settings.anilibria
    assert dataclasses.asdict(settings) == before
    # The demo speaks today's AniLibria, API v1, polled every few seconds.
    assert (demo.anilibria.api, demo.anilibria.site) == (
        urls["aniliberty_api"],
        urls["aniliberty_site"],
    )
    assert demo.anilibria.speaks_v1 and demo.live.poll_interval == DEMO_POLL_INTERVAL
    assert (demo.nekobt.api, demo.torrent_api.url) == (urls["nekobt_api"], urls["torrent_api"])
    # The Torrent API's torrents are bare info-hashes: the demo's tracker is theirs.
    assert demo.torrents.default_trackers == (urls["tracker"],)
    assert settings.torrents.default_trackers == ()
    assert demo.data_dir == settings.data_dir and demo.explicit == settings.explicit
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.anilibria.api = "http://elsewhere/v2"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, list(DEFAULT_ANILIBRIA_MIRRORS)),
        ({"anilibria.api": "https://own.example/api/v1"}, []),
        ({"anilibria.mirrors": ["https://a.example/api/v1"]}, ["https://a.example/api/v1"]),
        (
            {
                "anilibria.api": "https://own.example/api/v1",
                "anilibria.mirrors": ["https://own.example/api/v1", "https://b.example/api/v1"],
            },
            ["https://b.example/api/v1"],
        ),
        ({"demo": True, "anilibria.mirrors": ["https://a.example/api/v1"]}, []),
    ],
)
def test_mirrors_stand_in_for_the_default_api_or_where_the_user_names_them(
    tmp_path: Path, flags: dict[str, object], expected: list[str]
) -> None:
    settings = load_settings(flags, environ={}, default_config_file=tmp_path / "none.toml")
    assert Runtime.mirrors_for(settings) == expected


async def test_demo_runtime_runs_on_the_servers_it_started(tmp_path: Path) -> None:
    settings = demo_flags(tmp_path)
    before = dataclasses.asdict(settings)
    runtime = open_runtime(settings)
    try:
        assert runtime.demo is not None
        assert runtime.settings is not settings
        assert dataclasses.asdict(settings) == before
        api = urlsplit(runtime.settings.anilibria.api)
        assert api.hostname == "127.0.0.1"
        assert runtime.settings.nekobt.api.startswith(f"http://127.0.0.1:{api.port}/")
        assert runtime.api_keys_found == (nekobt.DEMO_API_KEY, torrentapi.DEMO_KEY)
        assert Runtime.mirrors_for(runtime.settings) == []
    finally:
        await runtime.aclose()
    # Stopped with the runtime, so the next demo run gets the same port (its torrents' tracker).
    paths = AppPaths.resolve(tmp_path / "data", tmp_path / "cache", tmp_path / "downloads")
    again = start_demo_server(paths)
    try:
        assert again.port == api.port
    finally:
        again.stop()


async def test_the_runtime_tells_the_demo_its_favorites_and_when_to_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = open_runtime(demo_flags(tmp_path))
    demo = runtime.demo
    assert isinstance(demo, LocalDemo)
    started_with: list[frozenset[int]] = []
    monkeypatch.setattr(demo.server.live, "demo_started_with", started_with.append)
    try:
        runtime.favorites.add(9002)
        assert runtime.live is not None  # made on first use
        # Not the title the new demo library follows: its new episodes are the show.
        assert runtime.favorites.contains(DEMO_FOLLOWED)
        assert started_with == [{9002}]
        assert demo.server.seed_on_demand is None
        assert await runtime.downloads() is not None
        assert demo.server.seed_on_demand is not None
        assert demo.seeds.is_dir()
    finally:
        await runtime.aclose()
    assert demo.server.seed_on_demand is None
    assert not demo.seeds.exists()


async def test_a_demo_restart_starts_logged_out_not_expired(tmp_path: Path) -> None:
    from app.screens.login import DEMO_LOGIN
    from app.services.favorites import AccountState, SyncStatus

    runtime = open_runtime(demo_flags(tmp_path))
    try:
        await runtime.favorites.login(*DEMO_LOGIN)
        assert runtime.favorites.account is AccountState.LOGGED_IN
    finally:
        await runtime.aclose()
    # The next run's demo server never issued that session: it is not presented again.
    again = open_runtime(demo_flags(tmp_path))
    try:
        assert again.favorites.account is AccountState.LOGGED_OUT
        assert (await again.favorites.sync()).status is SyncStatus.LOCAL
    finally:
        await again.aclose()


async def test_a_secrets_file_others_can_read_is_made_private_and_told(tmp_path: Path) -> None:
    settings = load_settings(
        {"data_dir": str(tmp_path / "data"), "cache_dir": str(tmp_path / "cache")},
        environ={},
        default_config_file=tmp_path / "no-config.toml",
    )
    secrets = tmp_path / "data" / "secrets.json"
    secrets.parent.mkdir()
    secrets.write_text('{"nekobt.api_key": "k-loose-123"}')
    secrets.chmod(0o644)
    runtime = Runtime.open(settings)
    try:
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        (notice,) = runtime.notices
        assert notice.severity == "warning" and notice.values == {"file": str(secrets)}
        assert "readable by other users" in notice.message
        assert runtime.api_keys_found[0] == "k-loose-123"
    finally:
        await runtime.aclose()


async def test_the_favorite_ids_are_read_without_making_the_favorites_service(
    tmp_path: Path,
) -> None:
    # The first frame stars favorites; the service's module loads after it (README, Performance).
    settings = load_settings(
        {"data_dir": str(tmp_path / "data"), "cache_dir": str(tmp_path / "cache")},
        environ={},
        default_config_file=tmp_path / "no-config.toml",
    )
    runtime = Runtime.open(settings)
    try:
        FavoritesStore(runtime.db).add(9001, at=1.0)
        FavoritesStore(runtime.db).add(9002, at=2.0)
        assert runtime.favorite_ids() == {9001, 9002}
        assert "favorites" not in vars(runtime)
        runtime.favorites.remove(9002)
        assert runtime.favorite_ids() == runtime.favorites.ids() == {9001}
    finally:
        await runtime.aclose()


def test_the_demo_keeps_api_v2_when_asked(tmp_path: Path) -> None:
    settings = load_settings(
        {"demo": True, "anilibria.api_version": "v2", "data_dir": str(tmp_path)},
        environ={},
        default_config_file=tmp_path / "none.toml",
    )
    urls = {
        "anilibria_api": "http://127.0.0.1:1/v2",
        "anilibria_site": "http://127.0.0.1:1",
        "anilibria_ws": "ws://127.0.0.1:1/v2/ws/",
        "aniliberty_api": "http://127.0.0.1:1/api/v1",
        "aniliberty_site": "http://127.0.0.1:1",
        "nekobt_api": "http://127.0.0.1:1/nekobt/api/v1",
        "torrent_api": "http://127.0.0.1:1/torrentapi",
        "tracker": "http://127.0.0.1:1/announce",
    }
    demo = demo_settings(settings, urls)
    assert (demo.anilibria.api, demo.anilibria.ws) == (urls["anilibria_api"], urls["anilibria_ws"])
    assert not demo.anilibria.speaks_v1
    assert demo.live.poll_interval == settings.live.poll_interval

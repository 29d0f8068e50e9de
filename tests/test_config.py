"""Settings: the source order, the naming rule, and clear messages for broken config."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import build_parser, parse_settings
from app.config import ConfigError, config_keys, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_any_source(tmp_path: Path) -> None:
    settings = load_settings({}, environ={}, default_config_file=tmp_path / "missing.toml")
    # AniLibria's v2 is switched off upstream: out of the box anitui speaks AniLiberty v1.
    assert settings.anilibria.api == "https://anilibria.top/api/v1"
    assert settings.anilibria.speaks_v1
    assert settings.http.timeout == 10.0
    assert settings.explicit == frozenset()


@pytest.mark.parametrize(
    ("api", "version", "v1"),
    [
        ("https://anilibria.top/api/v1", "auto", True),
        ("http://127.0.0.1:8080/api/v1/", "auto", True),
        ("https://api.anilibria.tv/v2", "auto", False),
        ("https://api.anilibria.tv/v3/", "auto", False),
        ("http://mirror.example/anything", "auto", True),
        # An explicit version wins over what the URL looks like.
        ("https://api.anilibria.tv/v2", "v1", True),
        ("https://anilibria.top/api/v1", "v2", False),
    ],
)
def test_the_api_version_is_read_from_the_url_unless_set(
    tmp_path: Path, api: str, version: str, v1: bool
) -> None:
    settings = load_settings(
        {"anilibria.api": api, "anilibria.api_version": version},
        environ={},
        default_config_file=tmp_path / "missing.toml",
    )
    assert settings.anilibria.speaks_v1 is v1


def test_an_unknown_api_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="api_version"):
        load_settings(
            {"anilibria.api_version": "v9"},
            environ={},
            default_config_file=tmp_path / "missing.toml",
        )


def test_file_then_env_then_flag(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('lang = "ru"\n[anilibria]\napi = "http://file/v2"\n[http]\nretries = 1\n')
    env = {"ANITUI_ANILIBRIA__API": "http://env/v2", "ANITUI_HTTP__RETRIES": "2"}
    settings = load_settings(
        {"config_file": config, "anilibria.api": "http://flag/v2"}, environ=env
    )
    assert settings.anilibria.api == "http://flag/v2"
    assert settings.http.retries == 2
    assert settings.lang == "ru"
    assert settings.is_explicit("anilibria.api")
    assert not settings.is_explicit("anilibria.site")


def test_naming_rule_links_file_env_and_flag() -> None:
    keys = {k.dotted: k for k in config_keys()}
    api = keys["anilibria.api"]
    assert (api.toml, api.env, api.flag) == (
        "[anilibria] api",
        "ANITUI_ANILIBRIA__API",
        "--anilibria-api",
    )
    assert keys["lang"].flag == "--lang"
    assert keys["nekobt.api"].flag == "--nekobt-api"
    assert keys["torrent_api.url"].flag == "--torrent-api"
    assert keys["torrent_api.url"].env == "ANITUI_TORRENT_API__URL"
    assert keys["data_dir"].flag == "--data-dir"


def test_stable_flags_exist() -> None:
    flags = set(build_parser()._option_string_actions)
    for flag in (
        "--demo",
        "--anilibria-api",
        "--anilibria-site",
        "--anilibria-ws",
        "--config",
        "--data-dir",
        "--cache-dir",
        "--download-dir",
        "--lang",
        "--nekobt-api",
        "--torrent-api",
        "--version",
    ):
        assert flag in flags


def test_list_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {},
        environ={"ANITUI_ANILIBRIA__MIRRORS": "http://a/v2, http://b/v2"},
        default_config_file=tmp_path / "none.toml",
    )
    assert settings.anilibria.mirrors == ("http://a/v2", "http://b/v2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[http]\ntimeout = 'soon'\n",
            r"config\.toml, line 2: \[http\] timeout: expected a number",
        ),
        (
            "\n\n[ui]\nposter_renderer = 'ascii'\n",
            r"line 4: \[ui\] poster_renderer: expected one of",
        ),
        ("[anilibria]\napy = 'x'\n", r"line 2: unknown key 'anilibria\.apy'"),
        ("lang = \n", r"not valid TOML: .*line 1"),
    ],
)
def test_broken_config_names_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_settings({"config_file": config}, environ={})
    assert config.read_text() == text  # never rewritten


def test_bad_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="environment ANITUI_HTTP__RETRIES"):
        load_settings(
            {}, environ={"ANITUI_HTTP__RETRIES": "many"}, default_config_file=tmp_path / "x.toml"
        )


def test_cli_exits_non_zero_on_broken_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[http]\nretries = 'x'\n")
    result = subprocess.run(
        [sys.executable, "-m", "app", "--config", str(config), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert str(config) in result.stderr and "line 2" in result.stderr and "retries" in result.stderr


def test_parse_settings_reads_flags() -> None:
    settings = parse_settings(["--lang", "ru", "--anilibria-api", "http://127.0.0.1:1/v2"])
    assert settings.lang == "ru"
    assert settings.anilibria.api == "http://127.0.0.1:1/v2"


def test_readme_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"## Configuration(.*?)## Architecture", readme, re.S)
    assert table is not None
    for key in config_keys():
        assert f"`{key.toml}`" in table.group(1), key.toml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[ui]\npage_size = 0\n", r"line 2: \[ui\] page_size: expected 1 or more, got 0"),
        ("[http]\ntimeout = -1.5\n", r"line 2: \[http\] timeout: expected more than 0"),
        ("[http]\nretries = -1\n", r"line 2: \[http\] retries: expected 0 or more, got -1"),
        ("[downloads]\n\nmax_active = -3\n", r"line 3: \[downloads\] max_active: expected 1"),
        ("[live]\npoll_interval = 0\n", r"line 2: \[live\] poll_interval: expected more than 0"),
        (
            "[library]\nnfo_concurrency = 11\n",
            r"line 2: \[library\] nfo_concurrency: expected 1 to 10, got 11",
        ),
        (
            "[player]\nwatched_threshold = 5\n",
            r"line 2: \[player\] watched_threshold: expected more than 0 and at most 1, got 5",
        ),
    ],
)
def test_out_of_range_config_names_file_line_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=f"{re.escape(str(config))}, {expected}"):
        load_settings({"config_file": config}, environ={})
    assert config.read_text() == text


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("ANITUI_UI__PAGE_SIZE", "0", "1 or more"),
        ("ANITUI_DOWNLOADS__MAX_ACTIVE", "-3", "1 or more"),
        ("ANITUI_HTTP__TIMEOUT", "nan", "more than 0"),
    ],
)
def test_out_of_range_environment_value_is_named(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError, match=rf"environment {variable}: .*expected {expected}"):
        load_settings({}, environ={variable: value}, default_config_file=tmp_path / "x")


def test_out_of_range_flag_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"flag --player-watched-threshold: .*got '1.5'"):
        load_settings(
            {"player.watched_threshold": "1.5"}, environ={}, default_config_file=tmp_path / "x"
        )


def test_limits_are_kept_not_just_refused(tmp_path: Path) -> None:
    settings = load_settings(
        {"player.watched_threshold": "1", "http.retries": "0", "ui.page_size": "1"},
        environ={},
        default_config_file=tmp_path / "x",
    )
    assert (settings.player.watched_threshold, settings.http.retries) == (1.0, 0)
    assert settings.ui.page_size == 1


def test_every_numeric_key_has_a_range_the_readme_states() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in readme.splitlines() if line[:3] == "| `"}
    for key in config_keys():
        if key.type in (int, float):
            assert key.range is not None, key.toml
            assert f"Range: {key.range}." in rows[f"`{key.toml}`"], key.toml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[follow]\nsources = ['nekobt', 'rutracker']\n", r"line 2: \[follow\] sources: expected"),
        ("[follow]\nsources = ['nekobt', 'nekobt']\n", r"\[follow\] sources: expected a list of"),
        ("[follow]\ndelay = -1\n", r"line 2: \[follow\] delay: expected 0 or more"),
        ("[follow]\nquality = '4k'\n", r"line 2: \[follow\] quality: expected one of"),
    ],
)
def test_follow_rules_are_refused_at_start(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_settings({"config_file": config}, environ={})


def test_follow_sources_keep_their_order_from_each_place(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[follow]\nsources = ['nekobt', 'anilibria']\n")
    assert load_settings({"config_file": config}, environ={}).follow.sources == (
        "nekobt",
        "anilibria",
    )
    from_env = load_settings(
        {}, environ={"ANITUI_FOLLOW__SOURCES": "nekobt"}, default_config_file=tmp_path / "x"
    )
    assert from_env.follow.sources == ("nekobt",)
    with pytest.raises(ConfigError, match=r"flag --follow-sources"):
        load_settings({"follow.sources": "anilibria,tracker"}, environ={}, default_config_file=None)
    assert parse_settings(["--follow-sources", "nekobt,anilibria"]).follow.sources == (
        "nekobt",
        "anilibria",
    )

"""Secrets: environment first, a 0600 file otherwise, masked wherever they could leak."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from app.cli import configure_logging
from app.services.secrets import SecretsError, SecretStore, UnusableSecretsError
from app.sources.redaction import redact


def test_file_is_private_and_round_trips(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "data", environ={})
    assert store.get("nekobt.api_key") is None
    store.set("nekobt.api_key", "k-123456789")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert SecretStore(tmp_path / "data", environ={}).get("nekobt.api_key") == "k-123456789"
    store.set("nekobt.api_key", None)
    assert store.get("nekobt.api_key") is None
    assert list((tmp_path / "data").iterdir()) == [store.path]  # no temporary files left


def test_environment_wins(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, environ={"ANITUI_TORRENT_API__KEY": "from-env-key-1"})
    store.set("torrent_api.key", "from-file-key-1")
    assert store.get("torrent_api.key") == "from-env-key-1"


def test_known_secret_is_masked_in_the_log_file(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, environ={})
    store.set("anilibria.session", "sess-abcdef123456")
    assert "sess-abcdef123456" not in redact("GET /x?whatever=sess-abcdef123456")
    log_file = tmp_path / "anitui.log"
    configure_logging(log_file)
    try:
        logging.getLogger("anitui.anything").warning("value %s", "sess-abcdef123456")
    finally:
        root = logging.getLogger("anitui")
        for handler in list(root.handlers):
            handler.close()
            root.removeHandler(handler)
    text = log_file.read_text()
    assert "value" in text and "sess-abcdef123456" not in text


def test_broken_file_names_the_file_not_the_values(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, environ={})
    store.path.write_text('{"nekobt.api_key": "k-9" ')
    with pytest.raises(SecretsError) as caught:
        store.get("nekobt.api_key")
    assert str(store.path) in str(caught.value) and "k-9" not in str(caught.value)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data dir should be")
    with pytest.raises((SecretsError, OSError)):
        SecretStore(blocker, environ={}).set("nekobt.api_key", "k-1")


def test_a_file_that_is_not_text_cannot_be_used(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, environ={})
    store.path.write_bytes(b'{"nekobt.api_key": "\xff\xfe"}')
    with pytest.raises(UnusableSecretsError, match="not text") as caught:
        store.get("nekobt.api_key")
    assert str(store.path) in str(caught.value)


def test_a_file_others_can_read_is_made_private(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, environ={})
    assert store.make_private() is False  # no file yet
    store.set("nekobt.api_key", "k-1234567")
    assert store.make_private() is False
    store.path.chmod(0o640)
    assert store.make_private() is True
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_forgetting_a_secret_that_is_not_there_writes_nothing(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "data", environ={})
    store.set("anilibria.session", None)
    assert not store.path.exists()

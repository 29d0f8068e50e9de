"""Secrets (API keys, session ids): the environment first, else a 0600 file in the data dir.

Never taken from a command-line flag (it would show in `ps` and shell history). Every value
read or written here is registered with the HTTP layer's redaction point, so it is masked in
logs, exception texts and cache keys from the moment anitui knows it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from app.services.errors import ExplainedError
from app.sources.redaction import register_secret

SECRETS_FILE = "secrets.json"

ENV_NAMES: Mapping[str, str] = {
    "anilibria.session": "ANITUI_ANILIBRIA__SESSION",
    "nekobt.api_key": "ANITUI_NEKOBT__API_KEY",
    "torrent_api.key": "ANITUI_TORRENT_API__KEY",
}
"""The secrets anitui knows, by dotted name, and the environment variable that overrides each."""


class SecretsError(ExplainedError):
    """The secrets file could not be read or written; the message names the file, not values."""


class SecretStore:
    """Reads and writes the secrets of one data dir."""

    def __init__(self, data_dir: Path, environ: Mapping[str, str] | None = None) -> None:
        self.path = data_dir / SECRETS_FILE
        self._environ = os.environ if environ is None else environ

    def get(self, name: str) -> str | None:
        """The secret `name` ("nekobt.api_key", ...): its environment variable, else the file."""
        env_name = ENV_NAMES.get(name)
        value = self._environ.get(env_name) if env_name else None
        if not value:
            value = self._read().get(name)
        if value:
            register_secret(value)
        return value or None

    def set(self, name: str, value: str | None) -> None:
        """Store (or with None, forget) `name` in the file, atomically and readable by us only."""
        secrets = self._read()
        if value:
            register_secret(value)
            secrets[name] = value
        else:
            secrets.pop(name, None)
        self._write(secrets)

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretsError(
                "{file}: cannot be read ({reason})", file=str(self.path), reason=exc.strerror
            ) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise SecretsError(
                "{file}: not valid JSON; fix or delete it", file=str(self.path)
            ) from None
        if not isinstance(data, dict):
            raise SecretsError(
                "{file}: expected a JSON object; fix or delete it", file=str(self.path)
            )
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def _write(self, secrets: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file 0600 from the start: the secret is never world-readable,
        # not even for the moment before a chmod.
        handle, temporary = tempfile.mkstemp(prefix=".secrets-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(secrets, file, indent=2, sort_keys=True)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise SecretsError(
                "{file}: cannot be written ({reason})", file=str(self.path), reason=exc.strerror
            ) from None

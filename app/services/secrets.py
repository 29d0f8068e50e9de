"""Secrets (API keys, session ids): the environment first, else a 0600 file in the data dir.

Never taken from a command-line flag (it would show in `ps` and shell history). Every value
read or written here is registered with the HTTP layer's redaction point, so it is masked in
logs, exception texts and cache keys from the moment anitui knows it.
"""

from __future__ import annotations

import json
import os
import stat
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


class UnusableSecretsError(SecretsError):
    """The file cannot be read as text, or cannot be made private: start-up stops rather than
    run beside it (and overwrite it at the next login). A file that is text but not the JSON
    object anitui writes is only reported: a hand edit gone wrong, fixed without leaving."""


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
        elif secrets.pop(name, None) is None:
            return
        self._write(secrets)

    def make_private(self) -> bool:
        """Make the file readable by its owner only (0600); True if others could read it."""
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
            if not mode & 0o077:
                return False
            self.path.chmod(0o600)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise UnusableSecretsError(
                "{file}: readable by others and cannot be made private ({reason}); make it"
                " yours with mode 0600 or delete it",
                file=str(self.path),
                reason=exc.strerror,
            ) from None
        return True

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise UnusableSecretsError(
                "{file}: cannot be read ({reason})", file=str(self.path), reason=exc.strerror
            ) from None
        except UnicodeDecodeError:
            raise UnusableSecretsError(
                "{file}: not text (not UTF-8); delete it or move it away, then set your keys"
                " and log in again",
                file=str(self.path),
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

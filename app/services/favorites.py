"""Favorites, local first, synced both ways with the AniLibria account when one is logged in.

Without an account favorites are a local list (`app/store/favorites.py`). After a login the
session id (API v1: the bearer token) lives in the 0600 secrets file (`SecretStore`, name
`anilibria.session`) and is registered with the HTTP layer's redaction point; it is never
logged, shown or cached. Other services that act for the account read it from `session` and
report a refusal of it with `session_refused`.

Logging in: with a login and a password (`login`), or on API v1 by code (`request_login_code`,
then `log_in_with_code` until the user confirmed the code on the site): no password enters the
terminal. The code is asked for this install's stable `device_id`, kept in the database.
Logging out forgets the session here first, then ends it on the server (API v1).

Sync (`sync()`; `keep_synced()` runs it on an interval):

1. Push: every pending change is sent in the order it was made (addFavorite / delFavorite, both
   idempotent). A confirmed change becomes `synced`; a change made meanwhile is left pending.
2. Pull: getFavorites, then the local list is reconciled with it.

The conflict rule, in one sentence each:

- **A local pending change wins** for its title: the server's list never undoes a change the
  account has not confirmed yet (it is pushed first, and the pull leaves pending rows alone).
- **Otherwise the server's list is the truth**: titles it lists are favorites here, synced
  titles it no longer lists are removed here (removed on another device).
- **A login merges:** right after a login every local favorite is queued as an add, so the first
  sync is a union of the local list and the account's — favorites made without an account (or
  while logged out) are never lost. A removal made elsewhere while this device was logged out
  is therefore undone by logging in here; that is the price of never losing a local favorite.

Failures: the API unreachable, a 5xx, a rate limit or a malformed answer → status `OFFLINE`,
everything stays queued for the next sync. HTTP 401 / 403 or an error body with code 401 / 403
(`AuthError`) → status `EXPIRED`: the dead session id is forgotten, nothing local is touched and
the pending changes wait for the next login; the expiry is published once per session. A title
the server does not know (404; v1: 422) is kept locally, reported in `SyncResult.rejected` and
retried next time.

Events (plain, on the bus): `FavoritesChanged` when the list changes, `AccountChanged` on
login / logout / expiry, `FavoritesSyncChanged` after every sync attempt.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import enum
import errno
import json
import logging
import math
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.plaintext import one_line
from app.services.errors import ExplainedError
from app.services.events import EventBus, FavoritesEvent
from app.services.secrets import SecretsError, SecretStore
from app.sources.account import LoginCode
from app.sources.catalog_api import CatalogApi
from app.sources.errors import (
    AuthError,
    BadRequestError,
    NotFoundError,
    SourceError,
    UnknownParametersError,
)
from app.store.db import Database
from app.store.favorites import FavoriteRow, FavoritesStore, RemoteFavorite, SyncState
from app.store.kv import KeyValueStore

__all__ = [
    "EXPORT_FORMAT",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ENTRIES",
    "SESSION_SECRET",
    "AccountChanged",
    "AccountState",
    "FavoriteRow",
    "FavoritesChanged",
    "FavoritesImportError",
    "FavoritesService",
    "FavoritesSyncChanged",
    "ImportResult",
    "SyncResult",
    "SyncState",
    "SyncStatus",
]

log = logging.getLogger("anitui.favorites")

SESSION_SECRET = "anilibria.session"
"""The secret name of the AniLibria session id in `SecretStore`."""
EXPORT_FORMAT = "anitui-favorites"
"""The `format` field of an exported file; `version` is 1."""
MAX_IMPORT_BYTES = 4 * 1024 * 1024
"""An import file larger than this is refused unread."""
MAX_IMPORT_ENTRIES = 20_000
"""An import with more favorites than this is refused."""
_MAX_NAME = 500
_MAX_TITLE_ID = 2**31 - 1
_LOGIN_KEY = "account.login"
_DEVICE_KEY = "account.device_id"
_EXPIRED_MESSAGE = "Session expired: log in again; your favorites and queued changes are kept"


class AccountState(enum.Enum):
    """Whether an AniLibria account is usable."""

    LOGGED_OUT = "logged_out"
    LOGGED_IN = "logged_in"
    EXPIRED = "expired"
    """The server refused the session: log in again; nothing local was lost."""


class SyncStatus(enum.Enum):
    """How the last sync attempt ended."""

    LOCAL = "local"
    """No account: favorites are local only (pending adds wait for a login)."""
    SYNCED = "synced"
    OFFLINE = "offline"
    """The API did not answer usefully; changes stay queued."""
    EXPIRED = "expired"
    """The session is dead; changes stay queued for the next login."""


@dataclass(frozen=True)
class FavoritesChanged(FavoritesEvent):
    """The favorites list changed (locally or by a sync); `ids` is the new set."""

    ids: frozenset[int]


@dataclass(frozen=True)
class AccountChanged(FavoritesEvent):
    """Logged in, logged out, or the session expired. `login` is the name given at login."""

    state: AccountState
    login: str | None
    message: str


@dataclass(frozen=True)
class FavoritesSyncChanged(FavoritesEvent):
    """A sync attempt ended; `pending` changes are still queued; `message` is user-safe."""

    status: SyncStatus
    pending: int
    message: str


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one `sync()` did."""

    status: SyncStatus
    pushed: int = 0
    """Pending changes the server confirmed."""
    pending: int = 0
    """Changes still queued afterwards."""
    added: frozenset[int] = frozenset()
    """Titles that arrived from the account's list."""
    removed: frozenset[int] = frozenset()
    """Titles removed here because the account no longer lists them."""
    rejected: tuple[int, ...] = ()
    """Titles the server refused to add (unknown title): kept locally, retried later."""
    message: str = ""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: `added` new favorites, `already` ones that were favorites."""

    added: int
    already: int


class FavoritesImportError(ExplainedError, ValueError):
    """An import file was refused; the message says why, in words for the user (the UI
    explains it)."""


class FavoritesService:
    """Local-first favorites with optional two-way sync to the AniLibria account."""

    def __init__(
        self,
        db: Database,
        client: CatalogApi,
        secrets: SecretStore,
        bus: EventBus | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Favorites in `db`, synced through `client` with the session id kept in `secrets`."""
        self._store = FavoritesStore(db)
        self._kv = KeyValueStore(db)
        self._client = client
        self._secrets = secrets
        self._bus = bus
        self._clock = clock
        self._sync_lock = asyncio.Lock()
        # A session the server refused: never sent again, even if the environment still has it.
        self._dead_session: str | None = None
        self._expired = False
        self.last_sync: SyncResult | None = None
        """The result of the last `sync()`, None before the first."""

    # -- the local list ------------------------------------------------------------------------

    def list(self) -> list[FavoriteRow]:
        """The favorites, oldest first (a queued removal is already left out)."""
        return self._store.visible()

    def ids(self) -> frozenset[int]:
        """The favorite title ids (to mark lists, to subscribe to live updates)."""
        return self._store.ids()

    def contains(self, title_id: int) -> bool:
        """Whether `title_id` is a favorite."""
        return self._store.contains(title_id)

    def favorite(self, title_id: int) -> FavoriteRow | None:
        """The favorite `title_id` (its stored names), None when it is not one."""
        return self._store.get(title_id) if self._store.contains(title_id) else None

    def pending(self) -> builtins.list[FavoriteRow]:
        """Changes not yet confirmed by the account, oldest first."""
        return self._store.pending()

    def add(self, title_id: int, *, name_ru: str | None = None, name_en: str | None = None) -> bool:
        """Make `title_id` a favorite now (queued for the account); False if it already was."""
        changed = self._store.add(
            title_id, at=self._clock(), name_ru=_name(name_ru), name_en=_name(name_en)
        )
        if changed:
            self._changed()
        return changed

    def remove(self, title_id: int) -> bool:
        """Stop `title_id` being a favorite now (queued for the account); False if it was not."""
        changed = self._store.remove(title_id, at=self._clock())
        if changed:
            self._changed()
        return changed

    def toggle(
        self, title_id: int, *, name_ru: str | None = None, name_en: str | None = None
    ) -> bool:
        """Add or remove `title_id`; True if it is a favorite afterwards."""
        if self._store.contains(title_id):
            self.remove(title_id)
            return False
        self.add(title_id, name_ru=name_ru, name_en=name_en)
        return True

    # -- the account ---------------------------------------------------------------------------

    @property
    def account(self) -> AccountState:
        """Logged in (a usable session id is known), logged out, or expired."""
        if self._session() is not None:
            return AccountState.LOGGED_IN
        return AccountState.EXPIRED if self._expired else AccountState.LOGGED_OUT

    @property
    def login_name(self) -> str | None:
        """The login or e-mail the account was logged in with (not a secret), if any."""
        return self._kv.get(_LOGIN_KEY) or None

    @property
    def session(self) -> str | None:
        """The account's session (API v1: its bearer token) while logged in, else None.

        For the services that act for the account beside favorites; a secret: never log or
        show it. When the server refuses it (`AuthError`), call `session_refused`.
        """
        return self._session()

    @property
    def device_id(self) -> str:
        """This install's stable id, which login codes are asked for (made once, kept in the
        database: not a secret)."""
        device = self._kv.get(_DEVICE_KEY)
        if not device:
            device = f"anitui-{uuid.uuid4()}"
            self._kv.set(_DEVICE_KEY, device)
        return device

    async def login(self, mail: str, passwd: str) -> SyncResult:
        """Log in, keep the session id in the secrets file and sync (a merge, see the module).

        The password is sent once and kept nowhere. Raises `LoginFailedError` (its `message` is
        the server's own text) or another `SourceError` when the site cannot be reached; then
        nothing changes.
        """
        session = await self._client.login(mail=mail, passwd=passwd)
        return await self._logged_in(session, mail)

    async def request_login_code(self) -> LoginCode:
        """A code for the user to confirm on the site (`LoginCode.page`), for this device.

        Raises `SourceError` (`ApiV1OnlyError` on API v2, which has no login by code).
        """
        return await self._client.request_login_code(device_id=self.device_id)

    async def log_in_with_code(self, code: LoginCode) -> SyncResult | None:
        """Log in and sync once the user confirmed `code` on the site; None while not yet.

        Ask again every few seconds until `code.deadline(...)`: after it the server no longer
        knows the code. Raises `SourceError` when the API fails and `SecretsError` when the
        session cannot be kept; then nothing changes.
        """
        session = await self._client.login_with_code(code=code)
        if session is None:
            return None
        try:
            name = await self._client.account_name(session=session)
        except SourceError as exc:
            # The login holds without its name; only the greeting cannot say it.
            log.info("favorites: the account's name could not be read: %s", exc)
            name = ""
        return await self._logged_in(session, name)

    async def _logged_in(self, session: str, name: str) -> SyncResult:
        self._secrets.set(SESSION_SECRET, session)
        self._dead_session = None
        self._expired = False
        self._kv.set(_LOGIN_KEY, name)
        self._store.requeue_all(at=self._clock())
        self._publish(AccountChanged(AccountState.LOGGED_IN, name or None, "Logged in"))
        return await self.sync()

    async def logout(self) -> None:
        """Forget the session (the favorites and their queued changes stay), then end it on
        the server. A server that cannot be told is logged, not raised: the session is never
        sent again from here either way."""
        session = self._secrets.get(SESSION_SECRET)
        live = session is not None and session != self._dead_session
        self._secrets.set(SESSION_SECRET, None)
        if session is not None:
            # The environment may still carry it: never use it again in this run.
            self._dead_session = session
        self._expired = False
        self._kv.set(_LOGIN_KEY, "")
        self._publish(AccountChanged(AccountState.LOGGED_OUT, None, "Logged out"))
        if live and session is not None:
            try:
                await self._client.logout(session=session)
            except SourceError as exc:
                log.info("favorites: the server was not told of the logout: %s", exc)

    def session_refused(self, session: str) -> None:
        """The server refused `session` (401 / 403), to this service or another one: the
        account is expired, the session forgotten, nothing local touched. Published once per
        session however many services meet the refusal."""
        if session == self._dead_session:
            return
        self._dead_session = session
        self._expired = True
        if self._secrets.get(SESSION_SECRET) == session:
            # A newer login may have replaced it meanwhile: that one stays.
            self._secrets.set(SESSION_SECRET, None)
        log.info("favorites: the AniLibria session expired")
        self._publish(AccountChanged(AccountState.EXPIRED, self.login_name, _EXPIRED_MESSAGE))

    # -- sync ------------------------------------------------------------------------------

    async def sync(self) -> SyncResult:
        """Push the queued changes, then pull the account's list (see the module's rules).

        Never raises for API failures: the status says what happened. Concurrent calls run
        one after the other.
        """
        async with self._sync_lock:
            result = await self._sync()
        self.last_sync = result
        self._publish(FavoritesSyncChanged(result.status, result.pending, result.message))
        return result

    async def keep_synced(
        self,
        interval: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Sync every `interval` seconds while logged in, until cancelled.

        Queued offline changes are applied as soon as the API answers again, and changes made
        on other devices arrive within one interval.
        """
        while True:
            if self.account is AccountState.LOGGED_IN:
                await self.sync()
            await sleep(interval)

    async def _sync(self) -> SyncResult:
        session = self._session()
        if session is None:
            pending = len(self._store.pending())
            status = SyncStatus.EXPIRED if self._expired else SyncStatus.LOCAL
            message = (
                "Session expired: log in again to sync favorites"
                if self._expired
                else "Favorites are kept on this device (no account)"
            )
            return SyncResult(status, pending=pending, message=message)
        pushed = 0
        rejected: list[int] = []
        try:
            for queued in self._store.pending():
                # Re-read: the user may have changed it while an earlier request was out.
                row = self._store.get(queued.title_id)
                if row is None or (row.state, row.changed_at) != (queued.state, queued.changed_at):
                    continue
                if row.state is SyncState.PENDING_ADD:
                    self._store.mark_remote(row.title_id)
                    try:
                        await self._client.add_favorite(session=session, title_id=row.title_id)
                    except (NotFoundError, BadRequestError, UnknownParametersError):
                        rejected.append(row.title_id)
                        continue
                else:
                    # A title the server does not know is not there to remove: done.
                    with contextlib.suppress(
                        NotFoundError, BadRequestError, UnknownParametersError
                    ):
                        await self._client.del_favorite(session=session, title_id=row.title_id)
                if self._store.confirm(row):
                    pushed += 1
            titles = await self._client.get_favorites(session=session, filter=("id", "names"))
        except AuthError:
            return self._session_expired(session, pushed)
        except SourceError as exc:
            log.info("favorites: sync postponed: %s", exc)
            return SyncResult(
                SyncStatus.OFFLINE,
                pushed=pushed,
                pending=len(self._store.pending()),
                rejected=tuple(rejected),
                message=f"Favorites not synced, will retry: {exc}",
            )
        server = [
            RemoteFavorite(t.id, _name(t.names.ru), _name(t.names.en)) for t in titles if t.id > 0
        ]
        before = self._store.ids()
        added, removed = self._store.reconcile(server, at=self._clock())
        if added or removed or self._store.ids() != before:
            self._changed()
        pending = len(self._store.pending())
        return SyncResult(
            SyncStatus.SYNCED,
            pushed=pushed,
            pending=pending,
            added=added,
            removed=removed,
            rejected=tuple(rejected),
            message="Favorites synced",
        )

    def _session_expired(self, session: str, pushed: int) -> SyncResult:
        self.session_refused(session)
        return SyncResult(
            SyncStatus.EXPIRED,
            pushed=pushed,
            pending=len(self._store.pending()),
            message=_EXPIRED_MESSAGE,
        )

    def _session(self) -> str | None:
        try:
            session = self._secrets.get(SESSION_SECRET)
        except SecretsError:
            # No session can be read from a broken file; start-up told the user, and a login
            # says it again, so asking whether we are logged in must not fail too.
            return None
        if session is None or session == self._dead_session:
            return None
        return session

    # -- export / import ---------------------------------------------------------------------

    def export_json(self) -> str:
        """The favorites as the JSON text of an export file."""
        document = {
            "format": EXPORT_FORMAT,
            "version": 1,
            "exported_at": self._clock(),
            "favorites": [
                {
                    "id": row.title_id,
                    "names": {"ru": row.name_ru, "en": row.name_en},
                    "added_at": row.added_at,
                }
                for row in self._store.visible()
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    def export_to(self, path: Path) -> int:
        """Write the export file at `path` atomically; the number of favorites written.

        Raises `OSError` when the file cannot be written (the old file, if any, is intact).
        """
        text = self.export_json()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            # A file stands where the folder should be: say that, not "File exists".
            raise NotADirectoryError(
                errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent)
            ) from None
        handle, temporary = tempfile.mkstemp(prefix=".favorites-", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return len(self._store.ids())

    def import_from(self, path: Path) -> ImportResult:
        """Merge the export file at `path` into the favorites (each entry like `add()`).

        Raises `FavoritesImportError` with a clear message, changing nothing, when the file
        cannot be read, is too large or is not a valid export.
        """
        try:
            with path.open("rb") as file:
                data = file.read(MAX_IMPORT_BYTES + 1)
        except OSError as exc:
            raise FavoritesImportError(
                "{file}: cannot be read ({reason})", file=path.name, reason=exc.strerror
            ) from None
        if len(data) > MAX_IMPORT_BYTES:
            raise FavoritesImportError(
                "{file}: larger than {limit} MiB; not an export",
                file=path.name,
                limit=MAX_IMPORT_BYTES // (1024 * 1024),
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FavoritesImportError("{file}: not UTF-8 text", file=path.name) from None
        return self.import_json(text)

    def import_json(self, text: str) -> ImportResult:
        """Merge an export file's text; see `import_from`."""
        entries = _parse_export(text)
        added = already = 0
        for title_id, name_ru, name_en in entries:
            if self._store.add(title_id, at=self._clock(), name_ru=name_ru, name_en=name_en):
                added += 1
            else:
                already += 1
        if added:
            self._changed()
        return ImportResult(added, already)

    # -- events --------------------------------------------------------------------------------

    def _changed(self) -> None:
        self._publish(FavoritesChanged(self._store.ids()))

    def _publish(self, event: FavoritesEvent) -> None:
        if self._bus is not None:
            self._bus.publish(event)


def _name(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = one_line(value)[:_MAX_NAME]
    return text or None


def _reject_constant(name: str) -> Any:
    raise FavoritesImportError("not a valid export: {name} is not allowed", name=name)


def _parse_export(text: str) -> list[tuple[int, str | None, str | None]]:
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except FavoritesImportError:
        raise
    except RecursionError:
        raise FavoritesImportError("not a valid export: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise FavoritesImportError(
            "not JSON: {reason} at line {line}", reason=exc.msg, line=exc.lineno
        ) from None
    except ValueError:  # e.g. an integer with more digits than Python converts
        raise FavoritesImportError("not a valid export: a number is out of range") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise FavoritesImportError(
            'not an anitui favorites export (no "format": "{format}")', format=EXPORT_FORMAT
        )
    if document.get("version") != 1:
        raise FavoritesImportError("unsupported export version (this anitui reads version 1)")
    favorites = document.get("favorites")
    if not isinstance(favorites, list):
        raise FavoritesImportError('not a valid export: "favorites" must be a list')
    if len(favorites) > MAX_IMPORT_ENTRIES:
        raise FavoritesImportError(
            "too many favorites (more than {count})", count=MAX_IMPORT_ENTRIES
        )
    entries: list[tuple[int, str | None, str | None]] = []
    for index, entry in enumerate(favorites, start=1):
        if not isinstance(entry, dict):
            raise FavoritesImportError("favorite #{index}: must be an object", index=index)
        title_id = entry.get("id")
        if (
            not isinstance(title_id, int)
            or isinstance(title_id, bool)
            or not 0 < title_id <= _MAX_TITLE_ID
        ):
            raise FavoritesImportError(
                "favorite #{index}: id must be a positive whole number", index=index
            )
        names = entry.get("names", {})
        if names is None:
            names = {}
        if not isinstance(names, dict):
            raise FavoritesImportError("favorite #{index}: names must be an object", index=index)
        for key in ("ru", "en"):
            value = names.get(key)
            if value is not None and not isinstance(value, str):
                raise FavoritesImportError(
                    "favorite #{index}: names.{key} must be text", index=index, key=key
                )
        added_at = entry.get("added_at")
        if added_at is not None and (
            isinstance(added_at, bool)
            or not isinstance(added_at, (int, float))
            or not math.isfinite(added_at)
        ):
            raise FavoritesImportError("favorite #{index}: added_at must be a number", index=index)
        entries.append((title_id, _name(names.get("ru")), _name(names.get("en"))))
    return entries

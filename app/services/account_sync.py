"""What the account library's services share (collections, watch progress): the account's token
read in one place, how a sync attempt ended, and the loop that repeats it.

The token is the one the favorites service keeps after a login (`SecretStore`, name
`SESSION_SECRET`); these services only read it. When the server refuses it they report
`EXPIRED` and say so through `AccountToken.refused`: the favorites service owns the session,
forgets it and tells the user, once whichever service met the refusal first.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.services.events import LibraryEvent
from app.services.favorites import SESSION_SECRET
from app.services.secrets import SecretsError, SecretStore

__all__ = ["AccountToken", "LibrarySync", "LibrarySynced", "repeat_while_logged_in"]


class AccountToken:
    """The account's token as the favorites service stored it; None while logged out."""

    def __init__(self, secrets: SecretStore, refused: Callable[[str], None]) -> None:
        """Read the token from `secrets`; `refused(token)` is told when the server refuses it."""
        self._secrets = secrets
        self.refused = refused

    def get(self) -> str | None:
        """The token, or None (logged out, or a secrets file that cannot be read: start-up
        told the user about that one)."""
        try:
            return self._secrets.get(SESSION_SECRET)
        except SecretsError:
            return None


class LibrarySync(enum.Enum):
    """How the last sync attempt of a library service ended."""

    LOCAL = "local"
    """No account: kept on this device, changes wait for a login."""
    V1_ONLY = "v1_only"
    """API v2 has no such thing: kept on this device (synced on API v1 only)."""
    SYNCED = "synced"
    OFFLINE = "offline"
    """The API did not answer usefully; changes wait for the next sync."""
    EXPIRED = "expired"
    """The account refused the token; changes wait for the next login."""


@dataclass(frozen=True)
class LibrarySynced(LibraryEvent):
    """A sync attempt of `what` ("collections" or "progress") ended; `titles` are the titles
    whose collection or history it changed here."""

    what: str
    status: LibrarySync
    titles: frozenset[int] = frozenset()


async def repeat_while_logged_in(
    sync: Callable[[], Awaitable[object]],
    token: AccountToken,
    interval: float,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Run `sync` every `interval` seconds while an account is logged in, until cancelled."""
    while True:
        if token.get() is not None:
            await sync()
        await sleep(interval)

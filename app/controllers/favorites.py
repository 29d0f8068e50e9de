"""Favorites and the AniLibria account: toggling, syncing, logging in and out, export and
import; the favorites service's events reach the screens through the shell's signal."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.controllers.base import Controller
from app.i18n import t, tn
from app.plaintext import one_line
from app.services.events import FavoritesEvent
from app.sources.anilibria.models import Title

FAVORITES_FILE = "~/anitui-favorites.json"
"""Where favorites are exported to and imported from unless the user names another file."""


class FavoritesController(Controller):
    """The favorites use-cases; syncs with the account whenever one is logged in."""

    def on_event(self, event: FavoritesEvent) -> None:
        from app.services.favorites import AccountChanged, AccountState, FavoritesChanged

        if isinstance(event, FavoritesChanged):
            self.shell.favorites_changed.publish(frozenset(event.ids))
        elif isinstance(event, AccountChanged) and event.state is AccountState.EXPIRED:
            self.tell(
                t("The AniLibria session has expired: log in again (ctrl+p). Nothing is lost."),
                severity="warning",
                timeout=10,
            )

    def keep_synced(self) -> None:
        """After the first paint: a logged-in account's favorites catch up, then every
        `[live] sync_interval` (or only after changes when it is 0)."""
        interval = self.runtime.settings.live.sync_interval
        if interval > 0:
            self.run(self.runtime.favorites.keep_synced(interval), "favorites-keep-synced")
        else:
            self.sync()

    def toggle(self, title: Title) -> None:
        """Add `title` to the favorites, or remove it; synced when an account is logged in."""
        added = self.runtime.favorites.toggle(
            title.id, name_ru=title.names.ru, name_en=title.names.en
        )
        name = one_line(title.names.ru or title.display_name)
        message = "Added to favorites: {name}" if added else "Removed from favorites: {name}"
        self.tell(t(message, name=name), timeout=3)
        self.sync()

    def sync(self) -> None:
        """Sync with the account in the background (nothing to do without one)."""
        from app.services.favorites import AccountState

        favorites = self.runtime.favorites
        if favorites.account is AccountState.LOGGED_IN:
            self.run(favorites.sync(), "favorites-sync")

    def log_in(self) -> None:
        from app.screens.login import LoginScreen

        def logged_in(done: bool | None) -> None:
            if done:
                name = self.runtime.favorites.login_name
                if name:
                    self.tell(t("Logged in as {name}; favorites synced.", name=name))
                else:
                    self.tell(t("Logged in; favorites synced."))

        settings = self.runtime.settings
        screen = LoginScreen(demo=settings.demo, by_code=settings.anilibria.speaks_v1)
        self.app.push_screen(screen, logged_in)

    def log_out(self) -> None:
        """Forget the session here at once, then end it on the server (API v1)."""

        async def log_out() -> None:
            await self.runtime.favorites.logout()
            self.tell(t("Logged out; your favorites stay here."))

        self.run(log_out(), "favorites-logout")

    def export_file(self) -> None:
        """Write the favorites to a JSON file the user names (nothing is locked in)."""
        from app.screens.prompt import PromptScreen

        favorites = self.runtime.favorites

        async def export(text: str) -> str:
            path = Path(text).expanduser()
            count = await asyncio.to_thread(favorites.export_to, path)
            return tn(
                "{count} favorite exported to {path}",
                "{count} favorites exported to {path}",
                count,
                path=str(path),
            )

        self.app.push_screen(
            PromptScreen(t("Export favorites to the file:"), export, value=FAVORITES_FILE),
            self.tell_result,
        )

    def import_file(self) -> None:
        """Merge the favorites of an export file into this list (and the account's)."""
        from app.screens.prompt import PromptScreen

        favorites = self.runtime.favorites

        async def merge(text: str) -> str:
            result = await asyncio.to_thread(favorites.import_from, Path(text).expanduser())
            self.sync()
            return t(
                "{added} favorites imported, {already} were already there",
                added=str(result.added),
                already=str(result.already),
            )

        self.app.push_screen(
            PromptScreen(t("Import favorites from the file:"), merge, value=FAVORITES_FILE),
            self.tell_result,
        )

    def tell_result(self, message: str | None) -> None:
        """Notify a prompt's result, if there is one."""
        if message:
            self.tell(message)

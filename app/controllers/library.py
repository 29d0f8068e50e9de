"""The account's library: collections and watch progress, synced with the account on API v1
after a login, every `[live] sync_interval` and when playback stops; their services' events
reach the screens through the shell's signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.controllers.base import Controller
from app.i18n import t
from app.plaintext import one_line
from app.services.events import FavoritesEvent, LibraryEvent, PlayerEvent

if TYPE_CHECKING:
    from app.sources.anilibria.models import Title


class LibraryController(Controller):
    """Collections and watch progress use-cases."""

    def keep_synced(self) -> None:
        """After the first paint: catch up with a logged-in account, then every
        `[live] sync_interval` (or only after changes when it is 0)."""
        from app.services.account_sync import repeat_while_logged_in

        runtime = self.runtime
        interval = runtime.settings.live.sync_interval
        if interval <= 0:
            self.sync()
            return
        for name, service in (
            ("collections", runtime.collections),
            ("progress", runtime.progress_sync),
        ):
            self.run(
                repeat_while_logged_in(service.sync, runtime.account_token, interval),
                f"{name}-keep-synced",
            )

    def sync(self) -> None:
        """Sync collections and watch progress now (nothing to do without an account)."""
        self.sync_collections()
        self.sync_progress()

    def sync_collections(self) -> None:
        if self.runtime.account_token.get() is not None:
            self.run(self.runtime.collections.sync(), "collections-sync")

    def sync_progress(self) -> None:
        if self.runtime.account_token.get() is not None:
            self.run(self.runtime.progress_sync.sync(), "progress-sync")

    def put(self, title: Title, collection: str | None) -> None:
        """Put `title` in `collection` (None: in none), then sync it."""
        # The collections service and the account modules behind it load on first use.
        from app.services.collections import collection_name

        collections = self.runtime.collections
        collections.put(title.id, collection, name_ru=title.names.ru, name_en=title.names.en)
        name = one_line(title.names.ru or title.display_name)
        if collection is None:
            message = t("{name}: in no collection", name=name)
        else:
            message = t("{name}: {collection}", name=name, collection=collection_name(collection))
        if not collections.syncable:
            message += " · " + t("synced on API v1 only")
        self.tell(message, timeout=3)
        self.sync_collections()

    def on_account_event(self, event: FavoritesEvent) -> None:
        """A login: queue every local collection (the first sync merges), then sync."""
        from app.services.favorites import AccountChanged, AccountState

        if isinstance(event, AccountChanged) and event.state is AccountState.LOGGED_IN:
            self.runtime.collections.logged_in()
            self.sync()

    def on_player_event(self, event: PlayerEvent) -> None:
        """Playback stopped: the position reached goes to the account."""
        from app.services.player import PlaybackStopped

        if isinstance(event, PlaybackStopped):
            self.sync_progress()

    def on_event(self, event: LibraryEvent) -> None:
        from app.services.account_sync import LibrarySynced
        from app.services.collections import CollectionsChanged

        shell = self.shell
        if isinstance(event, CollectionsChanged):
            shell.collections_changed.publish(event.titles)
        elif isinstance(event, LibrarySynced):
            if event.what == "progress":
                for title_id in sorted(event.titles):
                    shell.history_changed.publish(title_id)
            else:
                # Also when nothing moved: the screens show how the sync went.
                shell.collections_changed.publish(event.titles)

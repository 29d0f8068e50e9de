"""The command palette's entries: every main screen of the navigation table, then the app's
commands that have no key of their own (or whose key is easy to forget)."""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import SystemCommand

from app.controllers.base import Controller
from app.controllers.favorites import FavoritesController
from app.controllers.playback import PlaybackController
from app.controllers.titles import TitlesController
from app.i18n import t


class PaletteController(Controller):
    """Builds the palette's commands, in the UI language of the moment."""

    def commands(
        self,
        favorites: FavoritesController,
        playback: PlaybackController,
        titles: TitlesController,
    ) -> Iterator[SystemCommand]:
        from app.services.favorites import AccountState

        app = self.app
        for entry in self.shell.navigation:
            label = t(entry.label)
            yield SystemCommand(
                label,
                t("Open the {name} screen (key {key})", name=label, key=entry.key)
                if entry.key
                else t("Open the {name} screen", name=label),
                lambda mode=entry.mode: app.run_action(f"open_mode('{mode}')"),
            )
        if self.runtime.favorites.account is AccountState.LOGGED_IN:
            yield SystemCommand(
                t("Log out of AniLibria"),
                t("Forget the AniLibria session; your favorites stay here"),
                favorites.log_out,
            )
        else:
            yield SystemCommand(
                t("Log in to AniLibria"),
                t("Sync your favorites with your account"),
                favorites.log_in,
            )
        yield SystemCommand(
            t("Export favorites"), t("Save your favorites as a JSON file"), favorites.export_file
        )
        yield SystemCommand(
            t("Import favorites"),
            t("Add the favorites of an exported JSON file"),
            favorites.import_file,
        )
        yield SystemCommand(
            t("nekoBT account"),
            t("Check the nekoBT API key; your notifications and tracker peers"),
            self.open_nekobt_account,
        )
        yield SystemCommand(
            t("AniLibria stats"),
            t("Popular genres, years, seed stats and the torrent RSS link"),
            self.open_stats,
        )
        yield SystemCommand(
            t("Random title"), t("Open a title chosen by chance"), titles.open_random
        )
        yield SystemCommand(
            t("Open a title by code or URL…"),
            t("Its code, or its page's address on the AniLibria site"),
            titles.open_by_code,
        )
        yield SystemCommand(
            t("Help"), t("Every key of the screen you are on"), lambda: app.run_action("help")
        )
        yield SystemCommand(
            t("Switch language"),
            t("English / Russian"),
            lambda: app.run_action("switch_language"),
        )
        yield SystemCommand(
            t("Playback without a display"),
            t("Ask each time, or always play one way (over SSH)"),
            playback.choose_no_display,
        )
        yield SystemCommand(
            t("Quit anitui"), t("Close the app (downloads resume next time)"), app.exit
        )

    def open_nekobt_account(self) -> None:
        from app.screens.nekobt_account import NekoBtAccountScreen

        self.app.push_screen(NekoBtAccountScreen())

    def open_stats(self) -> None:
        from app.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())

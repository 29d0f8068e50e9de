"""Switching the interface language while running, without losing the screen stack."""

from __future__ import annotations

from textual.screen import ModalScreen

from app import i18n
from app.controllers.base import Controller
from app.i18n import t
from app.screens.base import AniScreen
from app.widgets.localized import localize_bindings


class LanguageController(Controller):
    """Toggles English / Russian for the whole interface."""

    async def switch(self) -> None:
        app = self.app
        i18n.set_language("ru" if i18n.language() == "en" else "en")
        localize_bindings(app)
        if isinstance(app.screen, ModalScreen):
            app.pop_screen()
        # Other modes are rebuilt when next opened; the visible stack is redrawn in place.
        for entry in self.shell.navigation:
            if entry.mode != app.current_mode:
                await app.remove_mode(entry.mode)
                app.add_mode(entry.mode, entry.factory)
        for screen in app.screen_stack:
            if isinstance(screen, AniScreen):
                await screen.relocalize()
        app.refresh_bindings()
        self.tell(t("Language: {lang}", lang=i18n.language()))

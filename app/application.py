"""The Textual app: modes for the main screens, global keys, the command palette, errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from app import i18n
from app.config import Settings
from app.i18n import t
from app.paths import STYLES_DIR
from app.screens.schedule import ScheduleScreen
from app.services.runtime import Runtime
from app.widgets.localized import localize_bindings


class AniApp(App[None]):
    """anitui. Build it with `make_app`, which opens the runtime it needs."""

    TITLE = "anitui"
    CSS_PATH: ClassVar = [
        STYLES_DIR / "app.tcss",
        STYLES_DIR / "schedule.tcss",
        STYLES_DIR / "title.tcss",
        STYLES_DIR / "updates.tcss",
        STYLES_DIR / "search.tcss",
        STYLES_DIR / "help.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True
    DEFAULT_MODE = "schedule"
    MODES: ClassVar = {
        "schedule": ScheduleScreen,
        "updates": lambda: _updates_screen(),
        "search": lambda: _search_screen(),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "go_back", "Back", show=False),
        Binding("1", "open_mode('schedule')", "Schedule"),
        Binding("2", "open_mode('updates')", "Updates"),
        Binding("3", "open_mode('search')", "Search"),
        Binding("R", "random_title", "Random"),
        Binding("ctrl+r", "refresh", "Refresh"),
    ]

    def __init__(self, runtime: Runtime, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.runtime = runtime
        self.clock = clock
        localize_bindings(self)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def on_mount(self) -> None:
        self.runtime.bus.attach_loop(asyncio.get_running_loop())
        for notice in self.runtime.notices:
            self.notify(
                t(notice.message, **notice.values),
                severity=notice.severity,  # type: ignore[arg-type]
                markup=False,
                timeout=10,
            )

    async def on_unmount(self) -> None:
        await self.runtime.aclose()

    # actions -------------------------------------------------------------------------------

    def action_open_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_go_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        from app.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_refresh(self) -> None:
        refresh = getattr(self.screen, "action_refresh_screen", None)
        if refresh is not None:
            refresh()

    def action_random_title(self) -> None:
        self.run_worker(
            self._open_random_title(), group="random", exclusive=True, exit_on_error=False
        )

    async def _open_random_title(self) -> None:
        from app.screens.title import TitleScreen

        title = await self.runtime.catalog.random_title()
        self.push_screen(TitleScreen(title.id))

    def open_title(self, title_id: int) -> None:
        """Push the Title screen for `title_id` on the current mode's stack."""
        from app.screens.title import TitleScreen

        self.push_screen(TitleScreen(title_id))

    async def action_switch_language(self) -> None:
        """Toggle English / Russian for the whole interface, without losing the screen stack."""
        from app.screens.base import AniScreen

        i18n.set_language("ru" if i18n.language() == "en" else "en")
        if self._merged_bindings is not None:
            self._bindings = self._merged_bindings.copy()
        localize_bindings(self)
        if isinstance(self.screen, ModalScreen):
            self.pop_screen()
        # Other modes are rebuilt when next opened; the visible stack is redrawn in place.
        for mode in self.MODES:
            if mode != self.current_mode:
                await self.remove_mode(mode)
                self.add_mode(mode, self.MODES[mode])
        for screen in self.screen_stack:
            if isinstance(screen, AniScreen):
                await screen.relocalize()
        self.refresh_bindings()
        self.notify(t("Language: {lang}", lang=i18n.language()), markup=False)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand(t("Schedule"), t("Schedule"), lambda: self.action_open_mode("schedule"))
        yield SystemCommand(t("Updates"), t("Updates"), lambda: self.action_open_mode("updates"))
        yield SystemCommand(t("Search"), t("Search"), lambda: self.action_open_mode("search"))
        yield SystemCommand(t("Random title"), t("Random title"), self.action_random_title)
        yield SystemCommand(t("Help"), t("Help"), self.action_help)
        yield SystemCommand(
            t("Switch language"), t("English / Russian"), self.action_switch_language
        )
        yield SystemCommand(t("Quit"), t("Quit"), self.exit)

    # errors --------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported; screens handle what they expect."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from app.widgets.status_line import describe_error

            self.notify(describe_error(event.worker.error), severity="error", markup=False)


def _updates_screen() -> Screen[None]:
    # Screens other than the first are imported when first opened: faster first paint.
    from app.screens.updates import UpdatesScreen

    return UpdatesScreen()


def _search_screen() -> Screen[None]:
    from app.screens.search import SearchScreen

    return SearchScreen()


def make_app(
    settings: Settings, *, runtime: Runtime | None = None, clock: Callable[[], float] = time.time
) -> AniApp:
    """The real app for `settings`; tests and --demo use it with temp dirs and local servers."""
    import os

    i18n.set_language(i18n.resolve_language(settings.lang, os.environ))
    return AniApp(runtime or Runtime.open(settings), clock=clock)

"""Opening a title the user did not pick from a list: one chosen by chance, or one named by its
code or its page's address on the AniLibria site."""

from __future__ import annotations

from app.controllers.base import Controller
from app.i18n import t
from app.messages import TitleOpened


class TitlesController(Controller):
    """Finds a title and opens it through the same request a list's Enter posts."""

    def open_random(self) -> None:
        self.run(self._open_random(), group="random", exclusive=True)

    async def _open_random(self) -> None:
        title = await self.runtime.catalog.random_title()
        self.app.post_message(TitleOpened(title.id))

    def open_by_code(self) -> None:
        """Ask for a title's code or page URL and open that title."""
        # Imported on use: the shell imports the controllers before its first paint.
        from app.screens.prompt import PromptScreen
        from app.sources.errors import SourceError
        from app.widgets.status_line import describe_error

        async def find(text: str) -> int:
            try:
                return (await self.runtime.catalog.title_by_code(text)).id
            except SourceError as error:
                # The prompt stays open with the API's answer (no such title, offline).
                raise ValueError(describe_error(error)) from None

        def open_found(title_id: int | None) -> None:
            if title_id is not None:
                self.app.post_message(TitleOpened(title_id))

        self.app.push_screen(
            PromptScreen(
                t("Open the title with the code or URL:"),
                find,
                placeholder=t("code, …/release/code.html or …/anime/releases/release/code"),
            ),
            open_found,
        )

"""The user's titles follow a change of AniLibria API (see `app.services.carry_over`): run once
after the first paint, the missing ones told."""

from __future__ import annotations

import logging

from app.controllers.base import Controller
from app.i18n import tn
from app.plaintext import one_line
from app.sources.errors import SourceError

log = logging.getLogger("anitui.carry_over")

NAMES_TOLD = 5
"""Titles named in the notice; the History and Favorites screens mark every one."""


class CarryOverController(Controller):
    """Carries the data over in a worker and tells what could not be found."""

    def start(self) -> None:
        self.run(self.carry_over(), "carry-over")

    async def carry_over(self) -> None:
        try:
            carried = await self.runtime.carry_over.run()
        except SourceError as error:
            # Offline or refused: nothing changed, the next run tries again.
            log.warning("carrying the titles over failed: %s", error)
            return
        if carried is None:
            return
        shell = self.shell
        shell.favorites_changed.publish(self.runtime.favorites.ids())
        for title in carried.missing:
            shell.history_changed.publish(title.title_id)
        if not carried.missing:
            return
        names = [one_line(t.name or f"#{t.title_id}") for t in carried.missing]
        if len(names) > NAMES_TOLD:
            names = [*names[:NAMES_TOLD], "…"]
        self.tell(
            tn(
                "{count} of your titles is not on {api}; it is kept as it was: {names}",
                "{count} of your titles are not on {api}; they are kept as they were: {names}",
                len(carried.missing),
                api=carried.api,
                names=", ".join(names),
            ),
            severity="warning",
            timeout=20,
        )

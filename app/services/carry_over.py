"""Carrying the user's titles over when the AniLibria API in use changes (API v2 to
AniLiberty API v1, or back): favorites, history and downloads are stored by title id, and the
same title may have another id on the other API.

Once, on the first run under an API other than the one the data was made under, every title the
data refers to is looked up on the API in use by id, else by its code (v2's `code` is v1's
`alias`, remembered as titles are read): found under another id, its data moves to that id;
not found at all, it is kept as it is and listed as missing. A failed lookup (offline) changes
nothing and is tried again on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from app.sources.anilibria.models import Title
from app.sources.catalog_api import CatalogApi
from app.store.carry_over import CarryOverStore, UserTitle
from app.store.db import StoreError

log = logging.getLogger("anitui.carry_over")

LOOKUP_BATCH = 50
"""Titles asked for per request (ids and codes go in the URL)."""
LOOKUP_FIELDS = ("id", "code", "names")


@dataclass(frozen=True)
class CarriedOver:
    """What one carry-over did: the API the data now refers to, how many titles moved to
    another id, and the titles that API does not have (kept, listed)."""

    api: str
    moved: int
    missing: tuple[UserTitle, ...]


class CarryOverService:
    """Keeps the user's titles pointing at the API in use (see the module)."""

    def __init__(self, store: CarryOverStore, client: CatalogApi) -> None:
        self.store = store
        self.client = client

    def remember_codes(self, titles: Iterable[Title]) -> None:
        """Remember the codes of titles read from the API, for a later carry-over."""
        try:
            self.store.remember_codes({title.id: title.code for title in titles if title.code})
        except StoreError as error:
            # Bookkeeping for a later run: the screen that read the titles shows them anyway.
            log.warning("could not remember the titles' codes: %s", error)

    async def run(self) -> CarriedOver | None:
        """Carry the data over if it was made under another API; None when it was not (or
        there was nothing to carry). Raises `SourceError` when the lookup failed."""
        api = self.client.api_name
        made_under = self.store.made_under()
        if made_under == api:
            return None
        titles = self.store.user_titles()
        if made_under is None or not titles:
            self.store.carried_over(api, ())
            return None
        found = await self._lookup(titles)
        ids = {title.id for title in found}
        by_code = {title.code: title.id for title in found if title.code}
        moved = 0
        missing: list[UserTitle] = []
        for title in titles:
            if title.title_id in ids:
                continue
            new_id = by_code.get(title.code) if title.code else None
            if new_id is None:
                missing.append(title)
            else:
                self.store.move(title.title_id, new_id)
                moved += 1
        self.store.carried_over(api, missing)
        log.info(
            "carried %d titles over to %s: %d under another id, %d missing",
            len(titles),
            api,
            moved,
            len(missing),
        )
        return CarriedOver(api, moved, tuple(missing))

    async def _lookup(self, titles: list[UserTitle]) -> list[Title]:
        found: list[Title] = []
        for start in range(0, len(titles), LOOKUP_BATCH):
            batch = titles[start : start + LOOKUP_BATCH]
            fetched = await self.client.get_titles(
                id_list=[t.title_id for t in batch],
                code_list=[t.code for t in batch if t.code] or None,
                filter=LOOKUP_FIELDS,
            )
            found.extend(fetched.value)
        return found

    def missing(self) -> dict[int, str]:
        """The user's titles the API in use does not have: id -> that API's name."""
        return self.store.missing()

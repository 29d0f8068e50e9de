"""What a catalog search asks for, in words both AniLibria APIs share.

Each API offers its own filters (`CatalogApi.search_filters`, in the order to show them) and
the values each takes (`search_filter_options`): v2 filters by one year, season, genre name and
team member; v1 by type, season, genre id, a range of years, age rating, publish and production
status, and sorts. A `SearchQuery` holds, per filter, the values chosen — each API reads the
ones it offers and refuses a filter it does not.

Values are the API's own (a v1 genre is its id, a v2 genre its name), except seasons, which are
numbered alike (1 winter … 4 autumn) so the screen can name them in the UI's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from app.sources.anilibria.models import Title


class FilterKey(StrEnum):
    """A filter a catalog search may offer."""

    YEAR = "year"
    YEAR_FROM = "year-from"
    YEAR_TO = "year-to"
    SEASON = "season"
    GENRE = "genre"
    TEAM = "team"
    TYPE = "type"
    AGE_RATING = "age-rating"
    PUBLISH_STATUS = "publish-status"
    PRODUCTION_STATUS = "production-status"
    SORTING = "sorting"


SEASON_CODES = ("1", "2", "3", "4")
"""The `FilterKey.SEASON` values of every API: winter, spring, summer, autumn."""


class FilterOption(NamedTuple):
    """One value a filter takes: `value` is what the API reads, `label` API text to show as it
    is, `group` what kind of value it is where a filter mixes kinds (a team member's role)."""

    value: str
    label: str
    group: str = ""


class SearchQuery(NamedTuple):
    """A search: the text and, per filter, the values chosen (empty parts are not sent)."""

    text: str = ""
    filters: Mapping[FilterKey, tuple[str, ...]] = MappingProxyType({})
    """Every query made without filters shares this empty mapping: read-only, so that none
    can change the others'."""

    def chosen(self, key: FilterKey) -> tuple[str, ...]:
        """The values chosen for `key` (none: the filter is not applied)."""
        return self.filters.get(key, ())

    @property
    def is_empty(self) -> bool:
        return not (self.text.strip() or any(self.filters.values()))


class SearchPage(NamedTuple):
    """Some of a search's matches, from the `after`th on."""

    titles: tuple[Title, ...]
    total: int | None
    """How many titles match in all (v1's `meta.pagination.total`); None where the API does
    not say (v2's searchTitles)."""

"""A search query is a record of the sources: immutable, also where it was left empty."""

from __future__ import annotations

import pytest

from app.sources.search_filters import FilterKey, SearchQuery


def test_queries_made_without_filters_cannot_change_each_other() -> None:
    # They share one empty mapping (a NamedTuple's default is one object, not a factory's).
    first, second = SearchQuery("a"), SearchQuery("b")
    with pytest.raises(TypeError):
        first.filters[FilterKey.YEAR] = ("2024",)  # type: ignore[index]  # the write under test
    assert second.chosen(FilterKey.YEAR) == () and second.is_empty is False
    assert SearchQuery("a") == SearchQuery("a", {})

"""Torrent filters to JSON and back: every field survives, other versions' JSON still loads,
and anything that is not filters is refused whole."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from app.services import torrent_search
from app.services.torrent_search import Source, TorrentFilters

EVERY_FIELD_SET = TorrentFilters(
    sources=frozenset({Source.NEKOBT, Source.ANILIBRIA}),
    sort_by="seeders_asc",
    levels=(-1, 3),
    languages=("ru", "en"),
    language_field="audio",
    video_codecs=(2,),
    video_types=(9, 13),
    hardsub=False,
    mtl=True,
    otl=False,
    media="s12",
    episodes=(1, 2, 5),
    episode_match_any=True,
    group="[b]frost[/b]",
    group_primary=False,
    group_secondary=True,
    group_childs=False,
    group_parents=True,
    uploader="123",
    uploader_name="[b]ryoka[/b]",
    uploader_uploads=False,
    uploader_contributions=True,
    after=1_700_000_000.0,
    before=1_700_086_400.5,
)


def test_every_field_survives_the_round_trip() -> None:
    # Every field differs from its default: one lost on the way would show.
    defaults = TorrentFilters()
    assert all(
        getattr(EVERY_FIELD_SET, f.name) != getattr(defaults, f.name)
        for f in fields(TorrentFilters)
    )
    assert TorrentFilters.from_json(EVERY_FIELD_SET.to_json()) == EVERY_FIELD_SET
    assert TorrentFilters.from_json(TorrentFilters().to_json()) == TorrentFilters()


def test_every_field_has_a_reader() -> None:
    assert set(torrent_search._FILTER_READERS) == {f.name for f in fields(TorrentFilters)}


def test_unknown_keys_are_ignored_and_missing_ones_keep_their_defaults() -> None:
    text = json.dumps({"mtl": True, "resolution": "1080p", "group": "frost"})
    assert TorrentFilters.from_json(text) == TorrentFilters(mtl=True, group="frost")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[1, 2]",
        "null",
        "[" * 100_000,
        '{"mtl": "yes"}',
        '{"levels": [1, true]}',
        '{"levels": "1,2"}',
        '{"episodes": [1.5]}',
        '{"sort_by": "sideways"}',
        '{"language_field": null}',
        '{"sources": []}',
        '{"sources": ["piratebay"]}',
        '{"after": "yesterday"}',
        '{"after": NaN}',
        '{"before": true}',
        '{"group": 7}',
        '{"languages": ["ru", null]}',
    ],
)
def test_garbage_is_refused_whole(text: str) -> None:
    with pytest.raises(ValueError, match="saved filter"):
        TorrentFilters.from_json(text)

"""Torrent filters to JSON and back: every field survives, other versions' JSON still loads,
and anything that is not filters is refused whole."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import get_args

import pytest

from app.services import torrent_search
from app.services.torrent_search import LanguageField, Source, TorrentFilters

EVERY_FIELD_SET = TorrentFilters(
    sources=frozenset({Source.NEKOBT, Source.ANILIBRIA}),
    sort_by="seeders_asc",
    levels=(-1, 3),
    audio_languages=("ja", "en"),
    sub_languages=("en",),
    fansub_languages=("ru", "es-419"),
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


TODAYS_SHAPE = (
    '{"after": null, "before": null, "episode_match_any": false, "episodes": [], "group": "", '
    '"group_childs": true, "group_parents": false, "group_primary": true, '
    '"group_secondary": false, "hardsub": false, "language_field": "%s", '
    '"languages": ["ja", "en"], "levels": [], "media": "", "mtl": null, "otl": null, '
    '"sort_by": null, "sources": ["nekobt"], "uploader": "", "uploader_contributions": false, '
    '"uploader_name": "", "uploader_uploads": true, "video_codecs": [], "video_types": []}'
)
"""Filters as the version that filtered one language field at a time saved them."""


@pytest.mark.parametrize("field", ["audio", "sub", "fansub"])
def test_filters_of_one_language_field_come_back_as_that_fields_languages(
    field: LanguageField,
) -> None:
    read = TorrentFilters.from_json(TODAYS_SHAPE % field)
    assert {other: read.languages(other) for other in get_args(LanguageField)} == {
        other: ("ja", "en") if other == field else () for other in get_args(LanguageField)
    }
    assert replace(
        read, audio_languages=(), sub_languages=(), fansub_languages=()
    ) == TorrentFilters(sources=frozenset({Source.NEKOBT}), hardsub=False)


def test_languages_without_their_field_were_fansubs() -> None:
    # The field was saved beside its languages from the start; a hand-written file may lack it.
    assert TorrentFilters.from_json('{"languages": ["ru"]}') == TorrentFilters(
        fansub_languages=("ru",)
    )


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
        '{"languages": ["ru"], "language_field": "video"}',
        '{"fansub_languages": "ru"}',
    ],
)
def test_garbage_is_refused_whole(text: str) -> None:
    with pytest.raises(ValueError, match="saved filter"):
        TorrentFilters.from_json(text)

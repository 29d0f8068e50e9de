"""Export / import of favorites as a JSON file: the round trip, the merge, hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.services.favorites import (
    EXPORT_FORMAT,
    MAX_IMPORT_BYTES,
    FavoritesChanged,
    FavoritesImportError,
    SyncStatus,
)
from app.store.db import Database
from tests.favorites.conftest import DEMO, Rig


def _document(*entries: object) -> str:
    return json.dumps({"format": EXPORT_FORMAT, "version": 1, "favorites": list(entries)})


async def test_export_import_round_trip_and_merge(
    rig: Rig, title_ids: list[int], tmp_path: Path
) -> None:
    a, b, c = title_ids[:3]
    rig.service.add(a, name_ru="Первый", name_en="First")
    rig.service.add(b, name_en="[b]Second[/b]")
    rig.service.add(c)
    rig.service.remove(c)
    target = tmp_path / "out" / "favorites.json"
    assert rig.service.export_to(target) == 2
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["format"] == EXPORT_FORMAT and document["version"] == 1
    assert [f["id"] for f in document["favorites"]] == [a, b]
    assert document["favorites"][0]["names"] == {"ru": "Первый", "en": "First"}

    # Into another data dir: everything comes back, names included.
    other_db = Database.open(tmp_path / "other" / "anitui.db")
    try:
        from app.services.favorites import FavoritesService

        other = FavoritesService(other_db, rig.client, rig.secrets)
        other.add(c)
        result = other.import_from(target)
        assert (result.added, result.already) == (2, 0)
        assert other.ids() == {a, b, c}
        names = {row.title_id: (row.name_ru, row.name_en) for row in other.list()}
        assert names[a] == ("Первый", "First") and names[b] == (None, "[b]Second[/b]")
        again = other.import_from(target)
        assert (again.added, again.already) == (0, 2)
    finally:
        other_db.close()


def test_export_under_a_file_says_it_is_not_a_folder(rig: Rig, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    with pytest.raises(NotADirectoryError) as raised:
        rig.service.export_to(blocker / "favorites.json")
    assert raised.value.filename == str(blocker)
    assert blocker.read_text() == "mine"


async def test_imported_favorites_are_pushed_after_login(rig: Rig, title_ids: list[int]) -> None:
    a, b = title_ids[:2]
    rig.service.import_json(_document({"id": a}, {"id": b, "names": None}))
    await rig.settle()
    assert [e for e in rig.events if isinstance(e, FavoritesChanged)][-1].ids == {a, b}
    result = await rig.service.login(*DEMO)
    assert result.status is SyncStatus.SYNCED
    assert sorted(rig.server_favorites()) == sorted([a, b])


HOSTILE = [
    ("not json at all", "not JSON"),
    ("[1, 2, 3]", "not an anitui favorites export"),
    (json.dumps({"format": "something-else", "favorites": []}), "not an anitui favorites export"),
    (json.dumps({"format": EXPORT_FORMAT, "version": 99, "favorites": []}), "unsupported"),
    (json.dumps({"format": EXPORT_FORMAT, "version": 1, "favorites": {}}), "must be a list"),
    (_document("42"), "favorite #1: must be an object"),
    (_document({"id": 1}, {"id": "2"}), "favorite #2: id must be a positive whole number"),
    (_document({"id": True}), "id must be a positive whole number"),
    (_document({"id": -5}), "id must be a positive whole number"),
    (_document({"id": 2**40}), "id must be a positive whole number"),
    (_document({"id": 1.5}), "id must be a positive whole number"),
    (_document({"id": 1, "names": ["x"]}), "names must be an object"),
    (_document({"id": 1, "names": {"ru": {"$": 1}}}), "names.ru must be text"),
    (_document({"id": 1, "added_at": "yesterday"}), "added_at must be a number"),
    (_document({"id": 1}).replace('"id": 1', '"id": 1, "added_at": NaN'), "NaN is not allowed"),
    (_document({"id": 1}).replace('"id": 1', '"id": Infinity'), "Infinity is not allowed"),
    ("[" * 100_000 + "]" * 100_000, "not"),
    (_document({"id": 1}).replace('"id": 1', '"id": ' + "9" * 5000), "out of range"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE)
async def test_hostile_imports_are_refused_and_change_nothing(
    rig: Rig, title_ids: list[int], text: str, message: str
) -> None:
    rig.service.add(title_ids[0])
    with pytest.raises(FavoritesImportError) as caught:
        rig.service.import_json(text)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200  # a clear message, not an echo of the input
    assert rig.service.ids() == {title_ids[0]}


async def test_hostile_files_are_refused(rig: Rig, tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (MAX_IMPORT_BYTES + 1))
    with pytest.raises(FavoritesImportError, match="larger than"):
        rig.service.import_from(huge)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FavoritesImportError, match="not UTF-8"):
        rig.service.import_from(binary)
    with pytest.raises(FavoritesImportError, match="cannot be read"):
        rig.service.import_from(tmp_path / "missing.json")
    with pytest.raises(FavoritesImportError, match="cannot be read"):
        rig.service.import_from(tmp_path)  # a directory
    assert rig.service.ids() == frozenset()


async def test_imported_names_lose_control_sequences(rig: Rig) -> None:
    rig.service.import_json(
        _document({"id": 7, "names": {"ru": "\x1b[31mRed\x1b[0m\nline", "en": "x" * 10_000}})
    )
    (row,) = rig.service.list()
    assert row.name_ru == "Red line"
    assert row.name_en is not None and len(row.name_en) == 500

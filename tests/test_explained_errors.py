"""Services explain what went wrong as an English msgid and values; the UI says it in the
user's language, while `str(error)` stays the English sentence for logs and callers without
a UI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app import i18n
from app.services.errors import ExplainedError, Phrase
from app.services.secrets import SecretsError, SecretStore
from app.services.torrent_meta import TorrentInputError, parse_torrent, parse_user_input
from app.widgets.status_line import describe_error, explain


@pytest.fixture
def russian() -> Iterator[None]:
    before = i18n.language()
    i18n.set_language("ru")
    yield
    i18n.set_language(before)


def test_the_english_sentence_is_the_msgid_filled_with_its_values() -> None:
    error = ExplainedError("The torrent lists more than {count} files.", count=5)
    assert str(error) == "The torrent lists more than 5 files."
    assert error.message == "The torrent lists more than {count} files."
    assert error.values == {"count": 5}
    assert str(ExplainedError("No {braces} are filled without values.")) == (
        "No {braces} are filled without values."
    )


def test_explain_translates_the_msgid_and_a_phrase_but_not_the_data(russian: None) -> None:
    text = explain("A {status} download cannot be paused.", {"status": Phrase("completed")})
    assert text == "Загрузку в состоянии «готово» нельзя приостановить."
    # A value that is data (a name from a torrent) is shown as it is, on one line.
    assert explain("No such file: {path}.", {"path": "“paused\nfile”"}) == (
        "Нет такого файла: “paused file”."
    )


def test_a_refused_torrent_input_is_english_in_str_and_russian_in_the_ui(
    russian: None,
) -> None:
    with pytest.raises(TorrentInputError) as caught:
        parse_user_input("magnet:?xt=urn:btih:nothex")
    assert str(caught.value) == "The magnet link's info-hash is not valid."
    assert describe_error(caught.value) == "Info-hash в magnet-ссылке недействителен."


def test_a_damaged_torrent_names_its_damage_in_russian(russian: None) -> None:
    with pytest.raises(TorrentInputError) as caught:
        parse_torrent(b"d4:infod4:name1:aee")
    assert str(caught.value) == "This .torrent file is damaged: it lists no files."
    assert (
        describe_error(caught.value) == "Этот .torrent-файл повреждён: в нём нет ни одного файла."
    )


def test_a_secrets_file_error_is_russian_in_the_ui(tmp_path: Path, russian: None) -> None:
    store = SecretStore(tmp_path, environ={})
    store.path.write_text("not json", encoding="utf-8")
    with pytest.raises(SecretsError) as caught:
        store.get("nekobt.api_key")
    assert str(caught.value) == f"{store.path}: not valid JSON; fix or delete it"
    assert describe_error(caught.value) == (
        f"{store.path}: неверный JSON; исправьте или удалите файл"
    )

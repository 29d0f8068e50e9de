"""The plural helper picks the form each language needs for a count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import i18n
from app.i18n import tn


@pytest.fixture
def russian() -> Iterator[None]:
    i18n.set_language("ru")
    yield
    i18n.set_language("en")


def test_english_says_one_title_and_many_titles() -> None:
    assert [tn("{count} title", "{count} titles", n) for n in (0, 1, 2, 21)] == [
        "0 titles",
        "1 title",
        "2 titles",
        "21 titles",
    ]


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "1 тайтл"),
        (21, "21 тайтл"),
        (101, "101 тайтл"),
        (2, "2 тайтла"),
        (4, "4 тайтла"),
        (23, "23 тайтла"),
        (0, "0 тайтлов"),
        (5, "5 тайтлов"),
        (11, "11 тайтлов"),
        (12, "12 тайтлов"),
        (14, "14 тайтлов"),
        (111, "111 тайтлов"),
        (112, "112 тайтлов"),
    ],
)
def test_russian_has_a_form_for_one_for_two_to_four_and_for_the_rest(count: int, text: str) -> None:
    assert tn("{count} title", "{count} titles", count) == text


@pytest.mark.usefixtures("russian")
def test_other_placeholders_are_filled_too() -> None:
    assert (
        tn(
            "{chosen} of {count} file · {size}",
            "{chosen} of {count} files · {size}",
            3,
            chosen="1",
            size="2 MiB",
        )
        == "1 из 3 файлов · 2 MiB"
    )

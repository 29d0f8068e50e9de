"""A title's code read from what a user pastes: the code, or its page's URL on either site."""

from __future__ import annotations

import pytest

from app.services.catalog import title_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("frieren", "frieren"),
        ("  sousou-no-frieren \n", "sousou-no-frieren"),
        ("https://www.anilibria.tv/release/sousou-no-frieren.html", "sousou-no-frieren"),
        ("anilibria.tv/release/sousou-no-frieren.html?x=1#top", "sousou-no-frieren"),
        ("https://anilibria.top/anime/releases/release/sousou-no-frieren", "sousou-no-frieren"),
        (
            "https://aniliberty.top/anime/releases/release/sousou-no-frieren/episodes",
            "sousou-no-frieren",
        ),
        ("https://anilibria.top/anime/releases/release/%D0%BA%D0%BE%D1%82/", "кот"),
    ],
)
def test_a_code_or_either_site_s_release_page(text: str, code: str) -> None:
    assert title_code(text) == code


@pytest.mark.parametrize(
    "text", ["", "two words", "https://anilibria.tv/pages/schedule.php", "https://x.org/release/"]
)
def test_anything_else_says_it_is_neither(text: str) -> None:
    with pytest.raises(ValueError, match="Neither a title's code nor its page's URL"):
        title_code(text)

"""Untrusted text: control sequences go, HTML becomes readable text."""

from __future__ import annotations

import pytest

from app.plaintext import clean, html_to_text, one_line


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]0;evil title\x07b", "ab"),
        ("x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "xlink"),
        ("bell\x07 and\rreturn", "bell andreturn"),
        ("\x9b31mc1", "c1"),
        ("[b]x[/b] [/] [@click=app.quit]", "[b]x[/b] [/] [@click=app.quit]"),
        (None, ""),
    ],
)
def test_clean(raw: str | None, shown: str) -> None:
    assert clean(raw) == shown


def test_one_line_folds_whitespace() -> None:
    assert one_line(" a\n\tb  c ") == "a b c"


def test_html_to_text_keeps_paragraphs() -> None:
    html = "<p>First &amp; <b>bold</b>.</p><p>Second<br>line</p><script>x()</script>"
    assert html_to_text(html) == "First & bold.\n\nSecond\nline"

"""Untrusted text: control sequences go, HTML becomes readable text."""

from __future__ import annotations

import pytest

from app.plaintext import MARKDOWN_KINDS, clean, html_to_text, markdown_runs, one_line


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


def markdown_text(source: str) -> str:
    return "".join(text for text, _kinds in markdown_runs(source))


def kinds_of(source: str, text: str) -> str:
    return next(kinds for shown, kinds in markdown_runs(source) if shown == text)


def test_markdown_reads_as_plain_text() -> None:
    source = (
        "## Starlight Courier\n\nReleased by **Frostbyte**, *typeset*, ~~old~~, `styled`.\n"
        "[Our site](https://example.invalid/1) · <https://a.invalid> · ![cover](x.png) ![](y)\n\n"
        "- one\n- two\n  1. nested\n\n> quoted\n>\n> twice\n\n```\ncode [b]\n```\n\n---\n\n"
        "| Res | Codec |\n|---|---|\n| 1080p | HEVC |\n\n<p>html <b>bold</b></p>"
    )
    assert markdown_text(source).split("\n") == [
        "Starlight Courier",
        "",
        "Released by Frostbyte, typeset, old, styled.",
        "Our site (https://example.invalid/1) · https://a.invalid · [image: cover] [image]",
        "",
        "• one",
        "• two",
        "  1. nested",
        "",
        "│ quoted",
        "│",
        "│ twice",
        "",
        "  code [b]",
        "",
        "─" * 24,
        "",
        "Res   │ Codec",
        "──────┼──────",
        "1080p │ HEVC",
        "",
        "html bold",
    ]
    assert kinds_of(source, "Starlight Courier") == "heading"
    assert kinds_of(source, "Frostbyte") == "bold"
    assert kinds_of(source, "typeset") == "italic"
    assert kinds_of(source, "old") == "strike"
    assert kinds_of(source, "styled") == "code"
    assert kinds_of(source, "Our site") == "link"
    assert kinds_of(source, " (https://example.invalid/1)") == "url"
    assert kinds_of(source, "[image: cover]") == "image"
    assert set(" ".join(k for _t, k in markdown_runs(source)).split()) <= MARKDOWN_KINDS


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("[b]x[/b] [/] [@click=app.quit]x", "[b]x[/b] [/] [@click=app.quit]x"),
        ("**[/]** and [link=https://evil]y[/link]", "[/] and [link=https://evil]y[/link]"),
        # A link's target is only shown (markdown-it percent-encodes its brackets).
        ("[click](app.quit) [x]([@click=app.quit])", "click (app.quit) x (%5B@click=app.quit%5D)"),
        ("\x1b[31mred\x1b[0m \x1b]8;;http://evil\x1b\\l\x1b]8;;\x1b\\", "red l"),
        ("&#27;[31m &#x9b;2J &#7;", "\ufffd[31m \ufffd2J \ufffd"),
        ("`\x1b[2J` \x07bell\r", "`` bell"),
        ("", ""),
    ],
)
def test_markdown_never_lets_markup_or_escapes_through(source: str, shown: str) -> None:
    text = markdown_text(source)
    assert text == shown
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text)

"""Untrusted text made safe to show: control sequences removed, HTML and Markdown turned into
plain text.

API strings, torrent names and server error messages are shown literally. This module only
makes them harmless to a terminal (no escape sequences, no carriage returns that overwrite the
line); the widgets that show them must still treat them as plain text, never as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token

# ESC-introduced sequences (CSI, OSC, DCS, …) first, so their payload goes with them; then any
# remaining C0/C1 control character except newline and tab.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL / ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]"  # two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str | None) -> str:
    """`text` without terminal control sequences or control characters; None becomes ""."""
    if not text:
        return ""
    if text.isprintable():
        return text  # no control character, so no sequence either (most text: ~20× quicker)
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def one_line(text: str | None) -> str:
    """`clean(text)` with every run of whitespace, newlines included, folded to one space."""
    return " ".join(clean(text).split())


def shortened(text: str, width: int) -> str:
    """`text` cut in the middle to at most `width` characters, so that both its start (a
    scheme, a name) and its end (an id, a file) still show."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Readable plain text from AniLibria's HTML descriptions: paragraphs kept, tags dropped."""
    if not html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = clean("".join(extractor.parts).replace("\r", ""))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    paragraphs: list[str] = []
    for line in lines:
        if line:
            paragraphs.append(line)
        elif paragraphs and paragraphs[-1] != "":
            paragraphs.append("")
    return "\n".join(paragraphs).strip()


# -- Markdown ----------------------------------------------------------------------------------

Run = tuple[str, str]
"""A piece of text and its kinds: space-separated words among `MARKDOWN_KINDS` ("" for none)."""

MARKDOWN_KINDS = frozenset(
    {"heading", "bold", "italic", "strike", "code", "link", "url", "image", "quote", "rule"}
)
"""What a run of `markdown_runs` can be; the screen that shows them picks a style for each."""

_INLINE_KINDS = {"strong": "bold", "em": "italic", "s": "strike", "link": "link"}
_BREAK_TAG = re.compile(r"(?i)^<br\s*/?>$")


@dataclass
class _Container:
    """An open blockquote or list item: what its next line starts with, and its later lines."""

    first: str
    rest: str
    quote: bool = False


class _MarkdownText:
    """Walks markdown-it's tokens and collects lines of runs, never markup."""

    def __init__(self) -> None:
        self.lines: list[list[Run]] = []
        self.containers: list[_Container] = []
        self.lists: list[int | None] = []
        """Open lists: the next number of an ordered one, None for bullets."""
        self.gap = False
        """A blank line goes before the next block."""

    def start_block(self) -> None:
        if self.gap and self.lines:
            self.lines.append([(self._prefix(blank=True), "quote")] if self._quoted() else [])
        self.gap = False

    def emit(self, lines: list[list[Run]], kind: str = "") -> None:
        """Append `lines`, each after the open containers' prefix, `kind` added to each run."""
        for line in lines:
            prefix = self._prefix()
            runs: list[Run] = [(prefix, "quote" if self._quoted() else "")] if prefix else []
            for text, kinds in line:
                runs.append((text, " ".join(k for k in (kinds, kind) if k)))
            self.lines.append(runs)

    def _quoted(self) -> bool:
        return any(c.quote for c in self.containers)

    def _prefix(self, *, blank: bool = False) -> str:
        """The open containers' start of the next line (a list marker only once); of a blank
        line between blocks, only the quote bars."""
        if blank:
            return "".join(c.rest for c in self.containers if c.quote).rstrip()
        parts = []
        for container in self.containers:
            parts.append(container.first)
            container.first = container.rest
        return "".join(parts)

    def render(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                self.start_block()
                self.emit(self.inline(tokens[index + 1]), "heading")
                self.gap = True
                index += 2
            elif kind == "paragraph_open":
                if not token.hidden:
                    self.start_block()
                self.emit(self.inline(tokens[index + 1]))
                self.gap = self.gap or not token.hidden
                index += 2
            elif kind in ("fence", "code_block"):
                self.start_block()
                code = token.content.rstrip("\n").split("\n")
                self.emit([[("  " + clean(line), "code")] for line in code])
                self.gap = True
            elif kind == "hr":
                self.start_block()
                self.emit([[("─" * 24, "rule")]])
                self.gap = True
            elif kind == "html_block":
                text = html_to_text(token.content)
                if text:
                    self.start_block()
                    self.emit([[(line, "")] for line in text.split("\n")])
                    self.gap = True
            elif kind == "blockquote_open":
                self.start_block()
                self.containers.append(_Container("│ ", "│ ", quote=True))
            elif kind == "blockquote_close":
                self.containers.pop()
                self.gap = True
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.start_block()
                start = token.attrs.get("start", 1) if kind == "ordered_list_open" else None
                self.lists.append(int(start) if start is not None else None)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                self.gap = not self.lists
            elif kind == "list_item_open":
                number = self.lists[-1]
                marker = "• " if number is None else f"{number}. "
                if number is not None:
                    self.lists[-1] = number + 1
                self.containers.append(_Container(marker, " " * len(marker)))
            elif kind == "list_item_close":
                self.containers.pop()
            elif kind == "table_open":
                index = self.table(tokens, index)
            index += 1

    def table(self, tokens: Sequence[Token], index: int) -> int:
        """Render the table starting at `index`; the index of its `table_close`."""
        rows: list[tuple[bool, list[list[Run]]]] = []
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                rows.append((False, []))
            elif token.type in ("th_open", "td_open"):
                cell = [run for line in self.inline(tokens[index + 1]) for run in line]
                rows[-1] = (token.type == "th_open", [*rows[-1][1], cell])
            index += 1
        width: dict[int, int] = {}
        for _header, cells in rows:
            for column, cell in enumerate(cells):
                width[column] = max(width.get(column, 0), sum(len(text) for text, _ in cell))
        self.start_block()
        for row_index, (header, cells) in enumerate(rows):
            line: list[Run] = []
            for column, cell in enumerate(cells):
                if column:
                    line.append((" │ ", ""))
                line.extend(
                    (text, f"{kinds} bold".strip() if header else kinds) for text, kinds in cell
                )
                if column < len(cells) - 1:
                    line.append((" " * (width[column] - sum(len(t) for t, _ in cell)), ""))
            self.emit([line])
            if header and row_index == 0:
                self.emit([[("─┼─".join("─" * width[c] for c in sorted(width)), "rule")]])
        self.gap = True
        return index

    def inline(self, token: Token) -> list[list[Run]]:
        """The lines of an inline token's children (soft and hard breaks end a line)."""
        lines: list[list[Run]] = [[]]
        kinds: list[str] = []
        links: list[tuple[str, list[str]]] = []
        """Open links: their URL and the text shown for them so far."""

        def add(text: str, extra: str = "") -> None:
            text = clean(text)
            if text:
                lines[-1].append((text, " ".join([*kinds, extra]).strip()))
                for _href, shown in links:
                    shown.append(text)

        for child in token.children or ():
            kind = child.type
            name = _INLINE_KINDS.get(kind.rpartition("_")[0])
            if kind == "text":
                add(child.content)
            elif kind == "code_inline":
                add(child.content, "code")
            elif kind in ("softbreak", "hardbreak"):
                lines.append([])
            elif kind == "image":
                alt = one_line(child.content)
                add(f"[image: {alt}]" if alt else "[image]", "image")
            elif kind == "html_inline":
                if _BREAK_TAG.match(child.content.strip()):
                    lines.append([])
            elif name is not None and kind.endswith("_open"):
                kinds.append(name)
                if kind == "link_open":
                    links.append((str(child.attrs.get("href") or ""), []))
            elif name is not None and kind.endswith("_close"):
                if name in kinds:
                    del kinds[len(kinds) - 1 - kinds[::-1].index(name)]
                if kind == "link_close" and links:
                    href, shown = links.pop()
                    url, text = one_line(href), "".join(shown)
                    if url and url not in (text, f"mailto:{text}"):
                        add(f" ({url})", "url")
            elif child.content:
                add(child.content)
        return lines


def markdown_runs(source: str | None) -> list[Run]:
    """Readable text from nekoBT's Markdown descriptions, as runs of (text, kinds).

    Headings, emphasis, lists, quotes, code and tables keep their shape; a link reads
    "text (url)", an image "[image: alt]", HTML is reduced to its text. Nothing is ever
    interpreted as console markup: brackets, `[@click=…]` and BBCode stay literal text, and
    control sequences are removed (also those written as character references). Lines are
    separated by "\\n" runs.
    """
    if not source or not source.strip():
        return []
    # markdown-it-py comes with Rich and Textual; imported here so startup does not pay for it.
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    walker = _MarkdownText()
    walker.render(parser.parse(clean(source)))
    lines = walker.lines
    while lines and not "".join(text for text, _ in lines[-1]).strip():
        lines.pop()
    runs: list[Run] = []
    for number, line in enumerate(lines):
        if number:
            runs.append(("\n", ""))
        runs.extend(run for run in line if run[0])
    return runs

"""The Torrents filter panel's languages: audio, subtitles and fansubs at once, several each.

nekoBT's torrent search takes `audio_lang`, `sub_lang` and `fansub_lang` together, each a list
of languages ("Japanese audio with English fansubs"). They share one row of the panel: a button
per field says what it holds ("Fansubs: en, ru"); Enter on one opens `LanguagePicker` over
nekoBT's languages (`/langs`, or `FALLBACK_LANGUAGES` while that cannot be had), where a letter
moves to the next code starting with it, Space ticks, Enter takes the ticked ones and Esc
leaves the field as it was. The screen reads
`chosen(field)` for its filters, sets every field with `show` (restored filters, a preset, `X`:
no message) and hears `LanguageFilter.Changed` when a pick changed a field.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList

from app.i18n import t
from app.plaintext import one_line
from app.services.torrent_search import (
    FALLBACK_LANGUAGES,
    Language,
    LanguageField,
    TorrentFilters,
    TorrentSearchService,
)
from app.shell import shell_of
from app.widgets.localized import localize_bindings

LANGUAGE_FIELDS: tuple[tuple[LanguageField, str, str], ...] = (
    ("audio", "Audio", "Audio languages"),
    ("sub", "Subtitles", "Subtitle languages"),
    ("fansub", "Fansubs", "Fansub languages"),
)
"""The fields in the row's order: their names and their pickers' titles (English msgids)."""

BUTTON_FRAME = 3
"""Cells of a button that are not its label: its padding and the margin after it."""


def field_label(field: LanguageField, codes: tuple[str, ...], room: int | None = None) -> str:
    """A field's button: "Fansubs: en, ru", "Subtitles: any language"; with `room` (cells),
    the codes that fit and how many more ("Subtitles: en, pt-br +3")."""
    name = t(next(name for value, name, _title in LANGUAGE_FIELDS if value == field))
    if not codes:
        return f"{name}: {t('any language')}"
    names = [one_line(code) for code in codes]
    for shown in range(len(names), 0, -1):
        more = len(names) - shown
        label = f"{name}: {', '.join(names[:shown])}" + (f" +{more}" if more else "")
        if room is None or len(label) <= room:
            return label
    return f"{name}: +{len(names)}"


def language_label(language: Language) -> Text:
    """A language as the picker lists it: the code (what the buttons show), nekoBT's name."""
    code, name = one_line(language.code), one_line(language.name)
    label = Text(code, no_wrap=True, overflow="ellipsis")
    if name and name != code:
        label.append(f" {name}", style="dim")
    return label


class LanguagePicker(ModalScreen[tuple[str, ...] | None]):
    """Tick a field's languages: dismisses with the ticked codes (in the list's order) on
    Enter, None on Esc."""

    DEFAULT_CSS = """
    LanguagePicker { align: center middle; }
    LanguagePicker > Vertical {
        width: 56; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    LanguagePicker SelectionList { height: auto; max-height: 16; }
    LanguagePicker #language-picker-keys { color: $text-muted; width: 100%; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        # Above the list's own Enter, which would tick like Space.
        Binding("enter", "done", "Done", priority=True),
    ]

    def __init__(
        self, title: str, languages: tuple[Language, ...], chosen: tuple[str, ...]
    ) -> None:
        super().__init__()
        self.heading = title
        self.languages = languages
        self.chosen = chosen
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading)
            yield SelectionList[str](
                *(
                    (language_label(language), language.code, language.code in self.chosen)
                    for language in self.languages
                ),
                id="language-picker-list",
                compact=True,
            )
            yield Label(
                t("Space ticks · Enter takes them · Esc cancels"), id="language-picker-keys"
            )

    def on_key(self, event: events.Key) -> None:
        """A letter moves to the next language whose code starts with it: nekoBT lists dozens."""
        letter = (event.character or "").lower()
        if not (letter.isalpha() and len(letter) == 1):
            return
        options = self.query_one(SelectionList)
        codes = [language.code.lower() for language in self.languages]
        start = 0 if options.highlighted is None else options.highlighted + 1
        for step in range(len(codes)):
            index = (start + step) % len(codes)
            if codes[index].startswith(letter):
                options.highlighted = index
                event.stop()
                return

    def action_done(self) -> None:
        ticked = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(language.code for language in self.languages if language.code in ticked))


class LanguageFilter(Horizontal):
    """One button per language field (`#filter-audio-languages`, `#filter-sub-languages`,
    `#filter-fansub-languages`), each saying the languages it filters by."""

    DEFAULT_CSS = """
    LanguageFilter { height: auto; }
    LanguageFilter Button { width: 1fr; margin-right: 1; }
    """

    class Changed(Message):
        """A pick changed a field's languages."""

        def __init__(self, language_filter: LanguageFilter) -> None:
            super().__init__()
            self.language_filter = language_filter

        @property
        def control(self) -> LanguageFilter:
            return self.language_filter

    def __init__(self) -> None:
        super().__init__()
        self.languages: tuple[Language, ...] = FALLBACK_LANGUAGES
        """What nekoBT offers (the fixed list until its own arrives)."""
        self._chosen: dict[LanguageField, tuple[str, ...]] = {f: () for f, *_ in LANGUAGE_FIELDS}
        self.room: int | None = None
        """Cells of a button's label (None until the row is laid out)."""

    @property
    def service(self) -> TorrentSearchService:
        return shell_of(self).runtime.torrent_search

    def compose(self) -> ComposeResult:
        for field, *_ in LANGUAGE_FIELDS:
            yield Button(self.button_label(field), id=button_id(field), compact=True)

    def on_resize(self, event: events.Resize) -> None:
        # The buttons share the row: a narrower one names fewer codes.
        self.room = event.size.width // len(LANGUAGE_FIELDS) - BUTTON_FRAME
        self.relabel()

    def relabel(self) -> None:
        for field, *_ in LANGUAGE_FIELDS:
            self.query_one(f"#{button_id(field)}", Button).label = self.button_label(field)

    def on_mount(self) -> None:
        self.load_languages()

    @work(exclusive=True, group="torrent-languages", exit_on_error=False)
    async def load_languages(self) -> None:
        """Offer nekoBT's own languages (the fixed list stays when it cannot be reached)."""
        self.languages = await self.service.languages()

    def chosen(self, field: LanguageField) -> tuple[str, ...]:
        """The codes `field` filters by."""
        return self._chosen[field]

    @property
    def offered(self) -> tuple[Language, ...]:
        """What a picker lists: nekoBT's languages, then chosen codes it does not know (kept
        from a preset or an earlier run, so that they can be unticked)."""
        known = {language.code for language in self.languages}
        unknown = dict.fromkeys(
            code for codes in self._chosen.values() for code in codes if code not in known
        )
        return (*self.languages, *(Language(code, code) for code in unknown))

    def show(self, filters: TorrentFilters) -> None:
        """Stand for the languages of `filters` (restored, a preset, cleared): no message."""
        for field, *_ in LANGUAGE_FIELDS:
            self._chosen[field] = filters.languages(field)
        self.relabel()

    def button_label(self, field: LanguageField) -> Content:
        # Codes come from nekoBT or a stored preset: plain text, never markup.
        return Content(field_label(field, self._chosen[field], self.room))

    @on(Button.Pressed)
    def pick(self, event: Button.Pressed) -> None:
        event.stop()
        field, _name, title = next(
            entry for entry in LANGUAGE_FIELDS if button_id(entry[0]) == event.button.id
        )
        self.app.push_screen(
            LanguagePicker(t(title), self.offered, self._chosen[field]),
            lambda picked: self.picked(field, picked),
        )

    def picked(self, field: LanguageField, codes: tuple[str, ...] | None) -> None:
        if codes is None or codes == self._chosen[field]:
            return
        self._chosen[field] = codes
        self.relabel()
        self.post_message(self.Changed(self))


def button_id(field: LanguageField) -> str:
    return f"filter-{field}-languages"


def languages_summary(filters: TorrentFilters) -> list[str]:
    """Each field with languages, named: ["Audio: ja", "Fansubs: en, ru"]."""
    return [
        f"{t(name)}: {', '.join(one_line(code) for code in filters.languages(field))}"
        for field, name, _title in LANGUAGE_FIELDS
        if filters.languages(field)
    ]

"""The base of every error a service explains to the user.

A service says what went wrong as an English msgid with `{name}` placeholders and the values
that fill them (the convention of `app.i18n.t`); translating is the UI's job
(`app.widgets.status_line.explain`), so services stay free of the UI and of its language.
`str(error)` is the English sentence, for logs, tests and any caller without a UI.
"""

from __future__ import annotations

from collections.abc import Mapping


class Phrase(str):
    """English words, themselves a msgid, that fill a placeholder of a larger sentence (a
    part of a file, a field's name): the UI translates them before it fills them in."""

    __slots__ = ()


class ExplainedError(Exception):
    """An error whose `message` is an English msgid, filled from `values` by `str()`.

    Values are data (names from a torrent, the text of an OS or libtorrent error, numbers):
    they are never translated, except a `Phrase`.
    """

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values: Mapping[str, object] = values

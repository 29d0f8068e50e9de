"""How torrent facts and torrent-source problems read, on the Torrents and detail screens."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from app.i18n import t, tn
from app.plaintext import one_line
from app.services.torrent_search import (
    SOURCE_NAMES,
    Source,
    SourceUnavailableError,
    UnknownFilterError,
    UploaderNeedsKeyError,
)
from app.sources.errors import RateLimitedError, SourceError
from app.sources.nekobt.errors import (
    NekoBtAuthError,
    NekoBtFailuresError,
    NekoBtValidationError,
)
from app.sources.torrentapi.models import TorrentApiError
from app.widgets.status_line import describe_error

UNKNOWN_FILTER = {
    "media": "nekoBT knows no media called “{name}”.",
    "group": "nekoBT knows no release group called “{name}”.",
    "uploader": "No uploader found or picked for “{name}”: nekoBT finds users by their exact"
    " username (Enter in the uploader box looks again).",
}
"""What a filter that names nothing nekoBT knows says, by the filter (English msgids)."""


def level_text(level: int | None) -> str:
    """A subtitle level as the table shows it: L0..L4, "–" for no subtitles, "—" unknown."""
    if level is None:
        return "—"
    return "–" if level < 0 else f"L{level}"


def problem_text(source: Source, error: SourceError) -> str:
    """What went wrong with one source, in a sentence the user can act on."""
    name = SOURCE_NAMES[source]
    if isinstance(error, NekoBtAuthError):
        return t(
            "nekoBT key missing or invalid: set ANITUI_NEKOBT__API_KEY or the secrets file;"
            ' the palette\'s "nekoBT account" checks it.'
        )
    if isinstance(error, NekoBtValidationError):
        details = "; ".join(
            f"{e.parameter}: {e.message}" if e.parameter else e.message
            for e in error.validate_errors
        )
        return t("{source} refused the search: {details}", source=name, details=one_line(details))
    if isinstance(error, NekoBtFailuresError):
        # Its words name the filters that contradict each other: shown as they are.
        details = " ".join(error.fails)
        return t("{source} refused the search: {details}", source=name, details=one_line(details))
    if isinstance(error, UnknownFilterError):
        return t(UNKNOWN_FILTER[error.kind], name=one_line(error.name))
    if isinstance(error, UploaderNeedsKeyError):
        return t(
            "nekoBT finds an uploader by name only with an API key: type the id of “{name}”.",
            name=one_line(error.name),
        )
    if isinstance(error, SourceUnavailableError):
        return t("Torrent API: set its URL and key to search info-hashes and IMDb ids there.")
    if isinstance(error, TorrentApiError):
        # Its own text names the error word and what to do; "The server answered" would not.
        return one_line(str(error))
    text = describe_error(error)
    # A source error's own text may already start with its source's name.
    return text if text.startswith(f"{name}:") else f"{name}: {text}"


def answer_text(
    count: int,
    replies: Mapping[Source, SourceError | None],
    *,
    pending: Sequence[Source] = (),
    retry_in: float | None = None,
) -> str:
    """How a search went, on one line: the `count` torrents listed and the sources that
    answered (`replies` None), failed (`problem_text` says why), are not configured, or are
    still `pending`. With `retry_in`, rate-limited sources are said to be asked again in that
    many seconds (else they count as failed)."""

    def names(sources: Sequence[Source]) -> str:
        return ", ".join(SOURCE_NAMES[s] for s in sources)

    answered = [s for s, e in replies.items() if e is None]
    unconfigured = [s for s, e in replies.items() if isinstance(e, SourceUnavailableError)]
    limited = [
        s for s, e in replies.items() if retry_in is not None and isinstance(e, RateLimitedError)
    ]
    failed = [s for s in replies if s not in (*answered, *unconfigured, *limited)]
    parts = []
    if answered:
        parts.append(
            tn(
                "{count} torrent from {sources}",
                "{count} torrents from {sources}",
                count,
                sources=names(answered),
            )
            if count
            else t("No torrents in {sources}", sources=names(answered))
        )
    if failed:
        parts.append(t("{sources} failed", sources=names(failed)))
    if unconfigured:
        parts.append(t("{sources} not configured", sources=names(unconfigured)))
    if limited and retry_in is not None:
        parts.append(
            t(
                "{sources}: too many requests, trying again in {seconds} s…",
                sources=names(limited),
                seconds=math.ceil(retry_in),
            )
        )
    if pending:
        parts.append(t("waiting for {sources}…", sources=names(pending)))
    return " · ".join(parts) or t("No torrents found.")

"""How torrent facts and torrent-source problems read, on the Torrents and detail screens."""

from __future__ import annotations

from app.i18n import t
from app.plaintext import one_line
from app.services.torrent_search import SOURCE_NAMES, Source, SourceUnavailableError
from app.sources.errors import SourceError
from app.sources.nekobt.errors import NekoBtAuthError, NekoBtValidationError
from app.sources.torrentapi.models import TorrentApiError
from app.widgets.status_line import describe_error


def level_text(level: int | None) -> str:
    """A subtitle level as the table shows it: L0..L4, "–" for no subtitles, "—" unknown."""
    if level is None:
        return "—"
    return "–" if level < 0 else f"L{level}"


def problem_text(source: Source, error: SourceError) -> str:
    """What went wrong with one source, in a sentence the user can act on."""
    name = SOURCE_NAMES[source]
    if isinstance(error, NekoBtAuthError):
        return t("nekoBT key missing or invalid: set ANITUI_NEKOBT__API_KEY or the secrets file.")
    if isinstance(error, NekoBtValidationError):
        details = "; ".join(
            f"{e.parameter}: {e.message}" if e.parameter else e.message
            for e in error.validate_errors
        )
        return t("{source} refused the search: {details}", source=name, details=one_line(details))
    if isinstance(error, SourceUnavailableError):
        return t("Torrent API: set its URL and key to search info-hashes and IMDb ids there.")
    if isinstance(error, TorrentApiError):
        # Its own text names the error word and what to do; "The server answered" would not.
        return one_line(str(error))
    return f"{name}: {describe_error(error)}"

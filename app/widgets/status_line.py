"""One line above a screen's content: loading, offline with cached data, or what went wrong."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from app.formatting import clock_time
from app.i18n import t
from app.plaintext import one_line
from app.services.errors import ExplainedError, Phrase
from app.sources.errors import (
    ApiError,
    NetworkError,
    PathNotFoundError,
    SourceError,
    WrongApiVersionError,
)


def explain(message: str, values: Mapping[str, object]) -> str:
    """A service's English msgid in the user's language, filled with its values (a `Phrase`
    among them translated too), on one plain line."""
    filled = {
        name: t(value) if isinstance(value, Phrase) else value for name, value in values.items()
    }
    return one_line(t(message, **filled))


def describe_error(error: BaseException) -> str:
    """A short, plain, user-facing sentence for `error` (source errors are already redacted)."""
    if isinstance(error, ExplainedError):
        return explain(error.message, error.values)
    if isinstance(error, NetworkError) and len(error.tried) > 1:
        # Every mirror was asked too: the hosts say what was tried (their reasons differ).
        return t(
            "{api} cannot be reached (tried {hosts}).", api=error.api, hosts=", ".join(error.tried)
        )
    if isinstance(error, NetworkError):
        return t("Could not reach {server}: {reason}.", server=error.url_host, reason=error.reason)
    if isinstance(error, WrongApiVersionError):
        if error.server_version is None:
            return t(
                "The server at {url} does not answer like AniLibria API v{wanted}.",
                url=error.url,
                wanted=error.expected,
            )
        return t(
            'The server at {url} speaks API v{found}; set [anilibria] api_version = "v{found}".',
            url=error.url,
            found=error.server_version,
        )
    if isinstance(error, PathNotFoundError):
        # Only the setting can fix it: say which one.
        return t(
            "{api}: nothing at “{path}” (HTTP 404): check {setting}.",
            api=error.api,
            path=error.path,
            setting=error.setting,
        )
    if isinstance(error, ApiError):
        return t("The server answered: {message}", message=one_line(error.message))
    if isinstance(error, SourceError):
        return one_line(str(error))
    return one_line(f"{type(error).__name__}: {error}")


class StatusLine(Static):
    """Says how fresh the data on screen is; hidden when all is well."""

    DEFAULT_CSS = """
    StatusLine { height: auto; padding: 0 1; display: none; }
    StatusLine.-visible { display: block; }
    StatusLine.-error { background: $error 30%; color: $text; }
    StatusLine.-offline { background: $warning 25%; color: $text; }
    StatusLine.-info { color: $text-muted; }
    """

    def _show(self, kind: str, text: str) -> None:
        self.remove_class("-error", "-offline", "-info")
        self.add_class("-visible", f"-{kind}")
        self.update(Content(text))

    def show_loading(self) -> None:
        self._show("info", t("Loading…"))

    def info(self, text: str) -> None:
        self._show("info", text)

    def problem(self, text: str) -> None:
        """Something the screen cannot do, said plainly (no exception behind it)."""
        self._show("error", f"✖ {text}")

    def clear(self) -> None:
        self.remove_class("-visible", "-error", "-offline", "-info")
        self.update("")

    def offline(self, error: BaseException, cached_at: float, now: float) -> None:
        """Cached data stays on screen; say from when, why the refresh failed and how to retry."""
        self._show(
            "offline",
            f"⚠ {t('offline, data from {time}', time=clock_time(cached_at, now))} · "
            f"{describe_error(error)} · {t('press ctrl+r to retry')}",
        )

    def failed(self, error: BaseException, *, hint_demo: bool) -> None:
        """Nothing to show: the error, and where to go from here."""
        text = f"✖ {describe_error(error)}"
        if hint_demo and isinstance(error, NetworkError):
            text += " " + t(
                "Try again with ctrl+r, or run `anitui --demo` to explore the bundled demo catalog."
            )
        elif not (
            (isinstance(error, ApiError) and 400 <= error.code < 500)
            or isinstance(error, WrongApiVersionError)
        ):
            # A request the server refused as wrong (or the wrong server) will not succeed by
            # asking again.
            text += " · " + t("press ctrl+r to retry")
        self._show("error", text)

"""The Now-playing bar: what plays, where, how loud; on every screen while something plays."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from app.i18n import t
from app.plaintext import one_line
from app.shell import NowPlaying, shell_of


def skip_prompt(kind: str) -> str:
    """What the bar and the toast say while an opening or ending is offered."""
    return t("Ending: press S to skip") if kind == "ending" else t("Opening: press S to skip")


def clock(seconds: float | None) -> str:
    """mm:ss, or h:mm:ss past an hour; "--:--" when unknown."""
    if seconds is None:
        return "--:--"
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes:02}:{secs:02}"


def bar_content(state: NowPlaying) -> Content:
    """One line: state, title, position / duration with a progress gauge, quality, volume."""
    icon = "⏸" if state.paused else "▶"
    fraction = min(1.0, state.position / state.duration) if state.duration else 0.0
    gauge_width = 20
    filled = round(fraction * gauge_width)
    volume = t("muted") if state.muted else f"{t('vol')} {state.volume:.0f}"
    # First, so that a narrow terminal cuts the title, never the offer.
    offer = (
        Content.assemble((f" {skip_prompt(state.skip_offer)} ", "bold reverse $warning"), " ")
        if state.skip_offer
        else Content("")
    )
    return Content.assemble(
        (f" {icon} ", "bold $accent"),
        offer,
        (one_line(state.media_title), "bold"),
        "  ",
        f"{clock(state.position)} / {clock(state.duration)} ",
        ("━" * filled, "$accent"),
        ("─" * (gauge_width - filled), "$text-muted"),
        "  ",
        (state.quality.upper(), "$text-muted"),
        "  ",
        (volume, "$text-muted"),
    )


class NowPlayingBar(Static):
    """Hidden while nothing plays; follows the app's `now_playing_changed` signal."""

    DEFAULT_CSS = """
    NowPlayingBar { height: 1; background: $boost; display: none; }
    NowPlayingBar.-playing { display: block; }
    """

    def on_mount(self) -> None:
        shell = shell_of(self)
        shell.now_playing_changed.subscribe(self, self.show)
        self.show(shell.now_playing)

    def on_unmount(self) -> None:
        # The signal would keep a closed screen's bar alive until it next publishes.
        shell_of(self).now_playing_changed.unsubscribe(self)

    def show(self, state: NowPlaying | None) -> None:
        self.set_class(state is not None, "-playing")
        self.update(bar_content(state) if state is not None else "")

"""Where to play when there is no display (SSH): in the terminal, audio only, or copy the URL."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from app.i18n import t
from app.widgets.localized import localize_bindings

CHOICES = ("terminal", "audio", "url", "download")


class PlayChoiceScreen(ModalScreen[str | None]):
    """Dismisses with "terminal", "audio", "url", or None when cancelled."""

    DEFAULT_CSS = """
    PlayChoiceScreen { align: center middle; }
    PlayChoiceScreen > Vertical {
        width: 64; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    PlayChoiceScreen Label { margin-bottom: 1; }
    PlayChoiceScreen OptionList { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Back")]

    def __init__(self, terminal_output: str | None) -> None:
        super().__init__()
        self.terminal_output = terminal_output
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("No display here: how should the episode play?"))
            terminal = (
                t("In this terminal (mpv --vo={vo})", vo=self.terminal_output)
                if self.terminal_output
                else t("In this terminal — needs the mpv command: sudo apt-get install -y mpv")
            )
            yield OptionList(
                Option(terminal, id="terminal", disabled=self.terminal_output is None),
                Option(t("Audio only"), id="audio"),
                Option(t("Copy the stream URL to the clipboard"), id="url"),
                Option(t("Download the episode instead"), id="download"),
            )

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

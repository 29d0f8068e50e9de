"""Removing a download: keep its files on disk, delete them too, or think again."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from app.i18n import t
from app.plaintext import one_line
from app.widgets.localized import localize_bindings


class ConfirmRemoveScreen(ModalScreen[str | None]):
    """Dismisses with "keep", "delete", or None when cancelled."""

    DEFAULT_CSS = """
    ConfirmRemoveScreen { align: center middle; }
    ConfirmRemoveScreen > Vertical {
        width: 64; height: auto; border: round $error; background: $surface; padding: 0 1;
    }
    ConfirmRemoveScreen Label { margin-bottom: 1; }
    ConfirmRemoveScreen OptionList { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.download_name = name
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            question = Text(t("Remove this download?") + "\n")
            question.append(one_line(self.download_name), style="bold")
            yield Label(question)
            yield OptionList(
                Option(t("Remove, keep the files"), id="keep"),
                Option(t("Remove and delete the files"), id="delete"),
                Option(t("Cancel"), id="cancel"),
            )

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if event.option.id == "cancel" else event.option.id)

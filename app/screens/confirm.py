"""A yes / no question about one named thing (its name shown literally)."""

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


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True when the user confirms, False otherwise."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; height: auto; border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen Label { margin-bottom: 1; }
    ConfirmScreen OptionList { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, question: str, subject: str, confirm_label: str) -> None:
        super().__init__()
        self.question = question
        self.subject = subject
        self.confirm_label = confirm_label
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            text = Text(self.question + "\n")
            text.append(one_line(self.subject), style="bold")
            yield Label(text)
            yield OptionList(Option(self.confirm_label, id="yes"), Option(t("Cancel"), id="no"))

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id == "yes")

"""The one choice modal: a question, maybe about one named thing (shown literally), and a
short list of answers; Esc or "Cancel" answers None. It may offer to remember the answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Label, OptionList
from textual.widgets.option_list import Option

from app.i18n import t
from app.plaintext import one_line
from app.widgets.localized import localize_bindings

CANCEL = "cancel"


@dataclass(frozen=True)
class Choice:
    """One answer: `id` is what the modal dismisses with."""

    id: str
    label: str | Content
    """A `Content` for text from elsewhere (a name the user typed): shown literally."""
    disabled: bool = False


class ChoiceScreen(ModalScreen[str | None]):
    """Dismisses with the chosen answer's id, or None when cancelled. `tone` colours the
    frame: "warning" for a question with consequences, "error" for one that deletes."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 64; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    ChoiceScreen.-warning > Vertical { border: round $warning; }
    ChoiceScreen.-error > Vertical { border: round $error; }
    ChoiceScreen Label { margin-bottom: 1; }
    ChoiceScreen OptionList { height: auto; }
    ChoiceScreen Checkbox { border: none; padding: 0; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("a", "remember", "Always"),
    ]

    def __init__(
        self,
        question: str,
        choices: Sequence[Choice],
        *,
        subject: str = "",
        tone: Literal["accent", "warning", "error"] = "accent",
        remember: str = "",
    ) -> None:
        """`remember` labels a checkbox (toggled by `a` from the list too) whose state
        `remembered` holds once an answer is chosen."""
        super().__init__(classes=f"-{tone}")
        self.question = question
        self.subject = subject
        self.choices = (*choices, Choice(CANCEL, t("Cancel")))
        self.remember = remember
        self.remembered = False
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            question = Text(self.question)
            if self.subject:
                question.append("\n" + one_line(self.subject), style="bold")
            yield Label(question)
            yield OptionList(*(Option(c.label, id=c.id, disabled=c.disabled) for c in self.choices))
            if self.remember:
                yield Checkbox(self.remember)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.remember) if action == "remember" else True

    def action_remember(self) -> None:
        self.query_one(Checkbox).toggle()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if self.remember:
            self.remembered = self.query_one(Checkbox).value
        self.dismiss(None if event.option.id == CANCEL else event.option.id)

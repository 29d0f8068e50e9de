"""Ask for one line of text and act on it, keeping the prompt open with the problem when the
action refuses it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from app.plaintext import one_line
from app.services.errors import ExplainedError
from app.widgets.localized import localize_bindings
from app.widgets.status_line import describe_error

T = TypeVar("T")

PromptAction = Callable[[str], Awaitable[T]]
"""Reads the text typed (and may act on it) and returns the prompt's result; raises
`ValueError` or `OSError` with a readable message when it cannot."""


class PromptScreen(ModalScreen[T | None], Generic[T]):
    """Dismissed with the action's result once it succeeded, or None when cancelled; what
    follows belongs in `push_screen`'s callback, which runs once the prompt is gone."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 90%; max-width: 100; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    PromptScreen #prompt-problem { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        question: str,
        action: PromptAction[T],
        *,
        value: str = "",
        placeholder: str = "",
    ) -> None:
        super().__init__()
        self.question = question
        self.prompt_action = action
        self.value = value
        self.placeholder = placeholder
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield from self.compose_extra()
            yield Static(id="prompt-problem", markup=False)

    def compose_extra(self) -> ComposeResult:
        """What a kind of prompt asks besides the text (nothing here)."""
        yield from ()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.act(event.value.strip())

    @work(exclusive=True, group="prompt", exit_on_error=False)
    async def act(self, text: str) -> None:
        try:
            result = await self.prompt_action(text)
        except OSError as error:
            self.show_problem(f"{error.filename or text}: {error.strerror or error}")
            return
        except ExplainedError as error:
            self.show_problem(describe_error(error))
            return
        except ValueError as error:
            self.show_problem(str(error))
            return
        self.dismiss(result)

    def show_problem(self, text: str) -> None:
        self.query_one("#prompt-problem", Static).update(one_line(text))

"""Ask for a file path and act on it, keeping the prompt open with the problem when it fails."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from app.plaintext import one_line
from app.widgets.localized import localize_bindings

PathAction = Callable[[Path], Awaitable[str]]
"""Does the work for a path and returns what to tell the user; raises `ValueError` or
`OSError` with a readable message when it cannot."""


class PathPromptScreen(ModalScreen[str | None]):
    """Dismissed with the action's message once it succeeded, or None when cancelled."""

    DEFAULT_CSS = """
    PathPromptScreen { align: center middle; }
    PathPromptScreen > Vertical {
        width: 90%; max-width: 100; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    PathPromptScreen #path-problem { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prompt: str, initial: str, action: PathAction) -> None:
        super().__init__()
        self.question = prompt
        self.suggested_path = initial
        self.path_action = action
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Input(self.suggested_path, id="path-input")
            yield Static(id="path-problem", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.act(Path(event.value.strip()).expanduser())

    @work(exclusive=True, group="path-prompt", exit_on_error=False)
    async def act(self, path: Path) -> None:
        try:
            message = await self.path_action(path)
        except OSError as error:
            self.show_problem(f"{error.filename or path}: {error.strerror or error}")
            return
        except ValueError as error:
            self.show_problem(str(error))
            return
        self.dismiss(message)

    def show_problem(self, text: str) -> None:
        self.query_one("#path-problem", Static).update(one_line(text))

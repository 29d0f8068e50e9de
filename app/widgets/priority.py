"""The priority a download is added with, shown where it is added (file picker, `a` prompt)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from app.i18n import t
from app.services.downloads import PRIORITIES, DownloadPriority


class PriorityChoice(Static, can_focus=True):
    """Shows a priority; its screen's `+` / `-` step it. Focusable so that a prompt's `+` and
    `-` can reach it once Tab has left the text box, where they are typed."""

    DEFAULT_CSS = "PriorityChoice { height: auto; } PriorityChoice:focus { text-style: reverse; }"

    priority: reactive[DownloadPriority] = reactive("NORMAL")
    """The chosen priority."""

    def __init__(self, priority: DownloadPriority = "NORMAL") -> None:
        super().__init__(id="priority-choice")
        self.set_reactive(PriorityChoice.priority, priority)

    def step(self, delta: int) -> None:
        """One step up (+1) or down (-1) within LOW..HIGH."""
        index = PRIORITIES.index(self.priority) + delta
        self.priority = PRIORITIES[min(max(index, 0), len(PRIORITIES) - 1)]

    def render(self) -> Text:
        text = Text(t("Priority") + ": ", style="bold")
        text.append(t(self.priority))
        text.append("  " + t("(+ / − change it)"), style="dim")
        return text

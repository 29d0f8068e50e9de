"""The key line at the bottom: as many keys as fit, the rest in Help."""

from __future__ import annotations

from itertools import accumulate

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS_SHOWN = "help"
"""The action whose key stays in the footer however crowded: it leads to every other key."""


def key_width(key_display: str, description: str) -> int:
    """Cells a key takes in a compact footer: key, space, description, then a one-cell margin
    (the palette key has a one-cell border on its left instead)."""
    return cell_len(key_display) + 1 + cell_len(description) + 1


class KeyFooter(Footer):
    """A compact Footer that leaves out the keys that do not fit. Textual's Footer scrolls
    sideways under the palette key docked on its right, so an overflowing line shows cut keys
    on both sides of it (`6▏^p palette7`). Keys keep their order; the first that does not fit
    ends the line, but Help's key is always there.

    The keys are made here rather than by Footer's `compose`, which `data_bind`s each one to
    the footer's `compact`: Textual keeps such a binding until `compact` next changes, which in
    a compact-only footer is never, so every key a long-lived screen's footer ever showed (it
    composes them again on each resize and each return to the screen) stayed alive and made
    every full garbage collection longer. Only the keys that fit are made at all. anitui's
    bindings have no groups, so there are no grouped keys to make."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active_bindings = self.screen.active_bindings
        # One key per action, its first binding's, in the order Footer shows them.
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in active_bindings.values():
            if binding.show:
                shown.setdefault(binding.action, (binding, enabled, tooltip))
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        displays = {
            action: self.app.get_key_display(binding) for action, (binding, _, _) in shown.items()
        }
        room = self.size.width
        if ALWAYS_SHOWN in shown:
            room -= key_width(displays[ALWAYS_SHOWN], shown[ALWAYS_SHOWN][0].description)
        if palette is not None:
            room -= key_width(self.app.get_key_display(palette[1]), palette[1].description)
        optional = [action for action in shown if action != ALWAYS_SHOWN]
        used = accumulate(key_width(displays[a], shown[a][0].description) for a in optional)
        dropped = {action for action, width in zip(optional, used, strict=True) if width > room}
        for action, (binding, enabled, tooltip) in shown.items():
            if action not in dropped:
                yield FooterKey(
                    binding.key,
                    displays[action],
                    binding.description,
                    action,
                    disabled=not enabled,
                    tooltip=tooltip,
                )
        if palette is not None:
            _node, binding, enabled, tooltip = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.recompose)

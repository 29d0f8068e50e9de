"""The Torrents filter panel's uploader box: a nekoBT user's id, or their name.

nekoBT's torrent search takes an uploader's id; people know each other by name. A name typed
here is looked up with nekoBT's user search after a pause in typing (at once on Enter): one
user is taken, none is said so; several are offered to pick from (`uploader_picker`) on Enter
only, so a picker never pops up under keys still being typed. That
search finds exact usernames only and needs the API key: without a key the box says so, and an
id (digits) still works. The screen reads `uploader_id` / `uploader_name` for its filters and
hears `UploaderFilter.Changed` when a looked-up name settles.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from app.i18n import t, tn
from app.plaintext import one_line
from app.screens.choice import Choice, ChoiceScreen
from app.screens.debounce import Debounce
from app.services.torrent_search import TorrentSearchService, Uploader
from app.shell import shell_of
from app.sources.errors import SourceError
from app.widgets.status_line import describe_error

NO_KEY_NOTE = "A name needs a nekoBT API key; an id works without."
"""What the box says while no key is set (nekoBT's user search needs one)."""


def uploader_label(uploader: Uploader) -> str:
    """How a found user reads: "Ryoka (ryoka) · id 1000000006 · 12 torrents"."""
    name = one_line(uploader.display_name) or one_line(uploader.username) or "?"
    login = one_line(uploader.username)
    parts = [f"{name} ({login})" if login and login != name else name]
    # Wrapped, the id stays beside its word.
    parts.append(t("id {id}", id=one_line(uploader.id)).replace(" ", "\u00a0"))
    if uploader.torrents is not None:
        parts.append(tn("{count} torrent", "{count} torrents", uploader.torrents))
    return " · ".join(parts)


def uploader_picker(name: str, uploaders: tuple[Uploader, ...]) -> ChoiceScreen:
    """The choice between the users `name` found; it dismisses with the chosen one's id."""
    return ChoiceScreen(
        t("Several nekoBT users have this name: whose torrents?"),
        [Choice(u.id, Content(uploader_label(u))) for u in uploaders],
        subject=name,
    )


class UploaderFilter(Vertical):
    """The uploader box (`#filter-uploader`) and a line under it on what the name stands for."""

    DEFAULT_CSS = """
    UploaderFilter { width: 1fr; height: auto; }
    UploaderFilter #filter-uploader-note { color: $text-muted; padding: 0 1; height: auto; }
    UploaderFilter #filter-uploader-note.-hidden { display: none; }
    """

    class Changed(Message):
        """What the box stands for settled after a name was looked up (or chosen)."""

        def __init__(self, uploader_filter: UploaderFilter) -> None:
            super().__init__()
            self.uploader_filter = uploader_filter

        @property
        def control(self) -> UploaderFilter:
            return self.uploader_filter

    def __init__(self) -> None:
        super().__init__()
        self.lookup = Debounce(
            self,
            lambda: shell_of(self).runtime.settings.ui.search_debounce,
            lambda: self.look_up(offer_choice=False),
        )

    @property
    def service(self) -> TorrentSearchService:
        return shell_of(self).runtime.torrent_search

    def compose(self) -> ComposeResult:
        keyed = self.service.nekobt.authenticated
        yield Input(
            placeholder=t("Uploader: name or id") if keyed else t("Uploader id"),
            id="filter-uploader",
            compact=True,
        )
        yield Static(id="filter-uploader-note", markup=False)

    def on_mount(self) -> None:
        self.say_default()

    @property
    def text(self) -> str:
        return self.query_one("#filter-uploader", Input).value.strip()

    @property
    def uploader_id(self) -> str:
        """The id the box stands for: typed, or the one its name was resolved to; "" else."""
        text = self.text
        if text.isdigit():
            return text
        known = self.service.known_uploader(text) if text else None
        return known.id if known is not None else ""

    @property
    def uploader_name(self) -> str:
        """The name typed ("" for an id or nothing)."""
        text = self.text
        return "" if text.isdigit() else text

    def show(self, uploader_id: str, name: str) -> None:
        """Stand for `uploader_id`, found by `name` (restored filters, a preset): no lookup."""
        if name and uploader_id:
            self.service.remember_uploader(name, Uploader(uploader_id, name, name))
        self.query_one("#filter-uploader", Input).value = name or uploader_id
        self.say_default()

    def say(self, note: str) -> None:
        line = self.query_one("#filter-uploader-note", Static)
        line.update(Content(note))
        line.set_class(not note, "-hidden")
        if note and self.query_one("#filter-uploader", Input).has_focus:
            # The panel scrolls: what the box just found must not stay below its fold.
            self.call_after_refresh(line.scroll_visible, animate=False)

    def say_default(self) -> None:
        """The key note while no key is set; else what a known name stands for."""
        if not self.service.nekobt.authenticated:
            self.say(t(NO_KEY_NOTE))
            return
        text = self.text
        known = self.service.known_uploader(text) if text and not text.isdigit() else None
        self.say(t("Uploader: {who}", who=uploader_label(known)) if known is not None else "")

    @on(Input.Changed, "#filter-uploader")
    def typed(self, event: Input.Changed) -> None:
        text = self.text
        if not text or text.isdigit() or self.service.known_uploader(text) is not None:
            # Nothing to look up: the screen takes it as any other typed filter.
            self.lookup.cancel()
            self.say_default()
            return
        # A name settles after its lookup, which then tells the screen.
        event.stop()
        self.lookup.restart()

    @on(Input.Submitted, "#filter-uploader")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = self.text
        if text and not text.isdigit() and self.service.known_uploader(text) is None:
            self.lookup.cancel()
            self.look_up(offer_choice=True)

    @work(exclusive=True, group="uploader-lookup", exit_on_error=False)
    async def look_up(self, *, offer_choice: bool) -> None:
        """Find the users named as the box says: one is taken; several are offered to pick
        from when `offer_choice` (Enter), else the note says Enter offers them."""
        name = self.text
        if not self.service.nekobt.authenticated:
            self.say(t(NO_KEY_NOTE))
            self.post_message(self.Changed(self))
            return
        self.say(t("Looking up “{name}” on nekoBT…", name=one_line(name)))
        try:
            found = await self.service.find_uploaders(name)
        except SourceError as error:
            if name == self.text:
                reason = describe_error(error)
                self.say(
                    t("Could not look up “{name}”: {reason}", name=one_line(name), reason=reason)
                )
                self.post_message(self.Changed(self))
            return
        if name != self.text:
            # Typed on meanwhile: the newer text has its own lookup coming.
            return
        if len(found) == 1:
            self.settle(name, found[0])
        elif not found:
            self.say(t("No nekoBT user is named exactly “{name}”.", name=one_line(name)))
            self.post_message(self.Changed(self))
        else:
            self.say(
                tn(
                    "{count} user has this name: Enter picks one.",
                    "{count} users have this name: Enter picks one.",
                    len(found),
                )
            )
            if offer_choice:
                self.app.push_screen(
                    uploader_picker(name, found), lambda chosen: self.picked(name, found, chosen)
                )
            else:
                self.post_message(self.Changed(self))

    def picked(self, name: str, found: tuple[Uploader, ...], chosen: str | None) -> None:
        uploader = next((u for u in found if u.id == chosen), None)
        if name != self.text:
            return
        if uploader is None:
            self.say(t("No uploader chosen: Enter in the box offers the choice again."))
            self.post_message(self.Changed(self))
            return
        self.settle(name, uploader)

    def settle(self, name: str, uploader: Uploader) -> None:
        self.service.remember_uploader(name, uploader)
        self.say_default()
        self.post_message(self.Changed(self))

"""Choose which files of a torrent to download, and its priority: a tree with sizes and
checkboxes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static, Tree
from textual.widgets.tree import TreeNode

from app.formatting import human_size
from app.i18n import t, tn
from app.plaintext import one_line
from app.services.downloads import DownloadPriority
from app.services.torrent_meta import TorrentFile
from app.widgets.localized import localize_bindings
from app.widgets.notify import tell
from app.widgets.priority import PriorityChoice

CHECKED, PARTLY, UNCHECKED = "☑", "◩", "☐"


@dataclass(frozen=True)
class Picked:
    """What the picker was confirmed with."""

    selected: tuple[int, ...]
    """`TorrentFile.index` of the checked files."""
    priority: DownloadPriority


@dataclass
class Folder:
    """A folder of the torrent: its name and everything below it."""

    name: str
    folders: dict[str, Folder] = field(default_factory=dict)
    files: list[TorrentFile] = field(default_factory=list)

    def all_files(self) -> Iterable[TorrentFile]:
        yield from self.files
        for folder in self.folders.values():
            yield from folder.all_files()


def folder_tree(files: Iterable[TorrentFile]) -> Folder:
    """The files of a torrent grouped by the folders of their paths."""
    root = Folder("")
    for entry in files:
        *folders, _ = entry.path.split("/")
        node = root
        for name in folders:
            node = node.folders.setdefault(name, Folder(name))
        node.files.append(entry)
    return root


class FileTree(Tree[TorrentFile | Folder]):
    """The torrent's folders and files; space checks, Enter confirms the choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_check", "Check / uncheck"),
        Binding("a", "check_all", "All / none"),
        Binding("enter", "confirm", "Download"),
        Binding("right,l", "expand", "Open folder", show=False),
        Binding("left,h", "collapse", "Close folder", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class Confirmed(Message):
        """The user asked to download the checked files."""

    def __init__(self, files: Sequence[TorrentFile], selected: Iterable[int] | None) -> None:
        super().__init__(t("Files"), id="picker-tree")
        self.files = tuple(files)
        self.checked: set[int] = (
            {f.index for f in self.files} if selected is None else set(selected)
        )
        self.show_root = False
        self.guide_depth = 3
        self._add_folder(self.root, folder_tree(self.files))
        self.root.expand_all()
        localize_bindings(self)

    def _add_folder(self, node: TreeNode[TorrentFile | Folder], folder: Folder) -> None:
        for name, sub in sorted(folder.folders.items()):
            child = node.add(name, data=sub)
            self._add_folder(child, sub)
        for entry in sorted(folder.files, key=lambda f: f.path):
            node.add_leaf(entry.path.rsplit("/", 1)[-1], data=entry)

    def render_label(
        self, node: TreeNode[TorrentFile | Folder], base_style: Style, style: Style
    ) -> Text:
        data = node.data
        if isinstance(data, Folder):
            files = list(data.all_files())
            chosen = [f for f in files if f.index in self.checked]
            mark = CHECKED if len(chosen) == len(files) else PARTLY if chosen else UNCHECKED
            total = sum(f.size for f in files)
            size = f"{human_size(sum(f.size for f in chosen))} / {human_size(total)}"
            name = one_line(data.name) + "/"
        elif isinstance(data, TorrentFile):
            mark = CHECKED if data.index in self.checked else UNCHECKED
            size = human_size(data.size)
            name = one_line(str(node.label))
        else:
            return Text(one_line(str(node.label)))
        label = Text(f"{mark} ", style="bold")
        label.append(name, style="" if mark != UNCHECKED else "dim")
        label.append(f"  {size}", style="dim")
        # `style` carries the cursor's highlight: without it every row looks the same.
        label.stylize(style)
        if not node.allow_expand:
            return label
        icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        # The toggle meta makes a click on the icon open or close the folder, as in Tree.
        return Text.assemble((icon, base_style + Style.from_meta({"toggle": True})), label)

    def _toggle(self, files: Iterable[TorrentFile]) -> None:
        indices = {f.index for f in files}
        if indices <= self.checked:
            self.checked -= indices
        else:
            self.checked |= indices
        self._invalidate()
        self.post_message(self.SelectionChanged())

    class SelectionChanged(Message):
        """The set of checked files changed."""

    def action_toggle_check(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        data = node.data
        self._toggle(data.all_files() if isinstance(data, Folder) else [data])

    def action_check_all(self) -> None:
        self._toggle(self.files)

    def action_confirm(self) -> None:
        self.post_message(self.Confirmed())

    def action_expand(self) -> None:
        if self.cursor_node is not None and self.cursor_node.allow_expand:
            self.cursor_node.expand()

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)


class FilePickerScreen(ModalScreen[Picked | None]):
    """Dismisses with the checked files and the priority, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("plus", "priority(1)", "Priority +"),
        Binding("minus", "priority(-1)", "Priority −"),
    ]

    def __init__(
        self,
        name: str,
        files: Sequence[TorrentFile],
        *,
        selected: Iterable[int] | None = None,
        free_space: int | None = None,
        confirm_label: str = "Download",
        priority: DownloadPriority = "NORMAL",
    ) -> None:
        super().__init__()
        self.priority = priority
        self.torrent_name = name
        self.files = tuple(files)
        self.selected = selected
        self.free_space = free_space
        self.confirm_label = confirm_label
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text(one_line(self.torrent_name), style="bold"), id="picker-name")
            yield FileTree(self.files, self.selected)
            yield Static(id="picker-summary")
            yield PriorityChoice(self.priority)
            yield Static(
                t(
                    "space check · a all / none · Enter {action} · Esc cancel",
                    action=t(self.confirm_label),
                ),
                id="picker-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        tree = self.query_one(FileTree)
        tree.focus()
        tree.cursor_line = 0
        self.show_summary()

    @property
    def file_tree(self) -> FileTree:
        return self.query_one(FileTree)

    @on(FileTree.SelectionChanged)
    def show_summary(self) -> None:
        tree = self.file_tree
        chosen = [f for f in self.files if f.index in tree.checked]
        size = sum(f.size for f in chosen)
        summary = Text(
            tn(
                "{chosen} of {count} file · {size}",
                "{chosen} of {count} files · {size}",
                len(self.files),
                chosen=str(len(chosen)),
                size=human_size(size),
            )
        )
        if self.free_space is not None:
            summary.append(" · " + t("{free} free", free=human_size(self.free_space)))
            if size > self.free_space:
                summary.stylize("bold red")
        self.query_one("#picker-summary", Static).update(summary)

    @on(FileTree.Confirmed)
    def confirmed(self) -> None:
        checked = self.file_tree.checked
        if not checked:
            tell(self, t("Choose at least one file."), severity="warning")
            return
        self.dismiss(Picked(tuple(sorted(checked)), self.query_one(PriorityChoice).priority))

    def action_priority(self, delta: int) -> None:
        self.query_one(PriorityChoice).step(delta)

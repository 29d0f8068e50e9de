"""The file picker's tree shows where its cursor is and which folders are open."""

from __future__ import annotations

from rich.color import Color
from textual.app import App

from app.screens.file_picker import FilePickerScreen, FileTree
from app.services.torrent_meta import TorrentFile

FILES = [
    TorrentFile(0, "Show/Season 1/01.mkv", 100),
    TorrentFile(1, "Show/Season 1/02.mkv", 100),
    TorrentFile(2, "Show/extras.txt", 10),
]


def line_text(tree: FileTree, y: int) -> str:
    return tree.render_line(y).text.strip()


def mark_background(tree: FileTree, y: int) -> Color | None:
    """The background under the row's checkbox, where the cursor shows."""
    strip = tree.render_line(y)
    return next(s.style.bgcolor for s in strip if "☑" in s.text and s.style)


async def test_the_cursor_row_is_highlighted_and_folders_show_open_or_closed() -> None:
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(FilePickerScreen("Show", FILES))
        await pilot.pause()
        tree = app.screen.query_one(FileTree)
        assert line_text(tree, 0).startswith("▼ ☑ Show/")
        cursor, other = mark_background(tree, 0), mark_background(tree, 1)
        assert cursor != other
        await pilot.press("j")
        assert (mark_background(tree, 0), mark_background(tree, 1)) == (other, cursor)
        await pilot.press("left")
        assert "▶ ☑ Season 1/" in line_text(tree, 1)
        assert "01.mkv" not in line_text(tree, 2)

"""The one navigation table: anitui's main screens, in the order the top bar shows them.

The app makes its modes, number keys, command palette entries and stylesheet list from these
rows, and the top bar draws them: adding a main screen is one row here plus its module.
Screens other than the first are imported when first opened, for a faster first paint.
"""

from __future__ import annotations

from textual.screen import Screen

from app.shell import NavEntry


def _schedule() -> Screen[None]:
    from app.screens.schedule import ScheduleScreen

    return ScheduleScreen()


def _updates() -> Screen[None]:
    from app.screens.updates import UpdatesScreen

    return UpdatesScreen()


def _search() -> Screen[None]:
    from app.screens.search import SearchScreen

    return SearchScreen()


def _torrents() -> Screen[None]:
    from app.screens.torrents import TorrentsScreen

    return TorrentsScreen()


def _favorites() -> Screen[None]:
    from app.screens.favorites import FavoritesScreen

    return FavoritesScreen()


def _downloads() -> Screen[None]:
    from app.screens.downloads import DownloadsScreen

    return DownloadsScreen()


def _history() -> Screen[None]:
    from app.screens.history import HistoryScreen

    return HistoryScreen()


def _feed() -> Screen[None]:
    from app.screens.feed import FeedScreen

    return FeedScreen()


def _library() -> Screen[None]:
    from app.screens.library import LibraryScreen

    return LibraryScreen()


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("schedule", "Schedule", "1", _schedule, "schedule.tcss", "Sched"),
    NavEntry("updates", "Updates", "2", _updates, "updates.tcss", "Upd"),
    NavEntry("search", "Search", "3", _search, "search.tcss"),
    NavEntry("torrents", "Torrents", "4", _torrents, "torrents.tcss", "Torr"),
    NavEntry("favorites", "Favorites", "5", _favorites, None, "Fav"),
    NavEntry("downloads", "Downloads", "6", _downloads, "downloads.tcss", "DL"),
    NavEntry("history", "History", "7", _history, None, "Hist"),
    NavEntry("feed", "Feed", "8", _feed, "feed.tcss"),
    # `9` and `0` are the volume keys: the Library takes its initial.
    NavEntry("library", "Library", "L", _library, None, "Lib"),
)
"""The first row is the screen anitui opens on."""

SHARED_STYLESHEETS = ("app.tcss", "title.tcss", "help.tcss")
"""Stylesheets of the theme and of the screens pushed over the main ones."""

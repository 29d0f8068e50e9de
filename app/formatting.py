"""Numbers and dates as the screens show them (no Textual, so services may use it too)."""

from __future__ import annotations

import time


def date_text(timestamp: int | float | None) -> str:
    """A unix timestamp as a local date, "—" when unknown."""
    if not timestamp:
        return "—"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


def same_day(timestamp: float, other: float) -> bool:
    """Whether two unix timestamps fall on the same local date."""
    return time.localtime(timestamp)[:3] == time.localtime(other)[:3]


def clock_time(timestamp: float, now: float) -> str:
    """HH:MM in local time, with the date too when it is not the day of `now`."""
    moment = time.localtime(timestamp)
    if same_day(timestamp, now):
        return time.strftime("%H:%M", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


def human_size(size: int | None) -> str:
    """Bytes as B / KiB / MiB / GiB / TiB with one decimal above KiB."""
    if size is None or size < 0:
        return "—"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit in ("B", "KiB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"

"""Numbers and dates as the screens show them (no Textual, so services may use it too)."""

from __future__ import annotations

import time


def date_text(timestamp: int | float | None) -> str:
    """A unix timestamp as a local date, "—" when unknown."""
    if not timestamp:
        return "—"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


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

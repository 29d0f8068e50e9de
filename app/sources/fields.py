"""Tolerant readers for JSON fields, shared by every API's models.

Each turns whatever the server sent into the declared type or None / (): a field of the wrong
type never crashes a parser (specs promise null strings, [] arrays and 0 numbers for missing
data, and servers send worse).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

Json = Mapping[str, Any]

_M = TypeVar("_M")


def obj(value: Any) -> Json | None:
    """`value` when it is a JSON object."""
    return value if isinstance(value, Mapping) else None


def string(value: Any) -> str | None:
    """`value` when it is a string."""
    return value if isinstance(value, str) else None


def integer(value: Any) -> int | None:
    """An integer, also from a whole float or a numeric string ("52"); never from a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def number(value: Any) -> int | float | None:
    """An episode number: 12, 12.0, "12" -> 12; 12.5 (a recap between episodes) stays a float;
    never a bool, NaN or infinity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value) if value.is_integer() else value
    return None


def boolean(value: Any) -> bool | None:
    """`value` when it is a bool (no truthiness guessing)."""
    return value if isinstance(value, bool) else None


def each(value: Any, parse: Callable[[Json], _M]) -> tuple[_M, ...]:
    """`parse` applied to every object of a JSON array; anything else is skipped."""
    if not isinstance(value, list):
        return ()
    return tuple(parse(item) for item in value if isinstance(item, Mapping))


def maybe(value: Any, parse: Callable[[Json], _M]) -> _M | None:
    """`parse(value)` when `value` is an object, else None."""
    data = obj(value)
    return None if data is None else parse(data)

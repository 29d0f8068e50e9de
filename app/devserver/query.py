"""The `query` language of AniLibria v2 `advancedSearch`, evaluated against title dicts.

`compile_query(text)` tokenizes and parses (precedence climbing) into a tree once; the
resulting `Query` is then evaluated against any number of titles shaped like `getTitle`.

Grammar, loosest binding first (each row binds tighter than the one above):

    ====  ===============================  ===============================================
    1     ``x ? y : z``                     right-associative: ``a ? b : c ? d : e``
                                            is ``a ? b : (c ? d : e)``
    2     ``x or y``, ``x || y``            left-associative
    3     ``x and y``, ``x && y``           left-associative
    4     ``not x``, ``!x``                 prefix: ``not a == b`` is ``not (a == b)``
    5     ``== != < <= > >= ~= in``,        non-associative: ``a < b < c`` is a syntax
          ``not in``                        error (join with ``and``)
    6     ``+ -``                           left-associative
    7     ``* / %``                         left-associative
    8     ``-x``                            prefix: ``-2 ^ 2`` is ``-(2 ^ 2)`` = -4
    9     ``x ^ y``                         right-associative, the exponent may carry a
                                            unary minus: ``2 ^ -1`` = 0.5
    10    ``x of y``                        right-associative: ``a of b of c`` is
                                            ``a of (b of c)``
    11    primaries                         literals, ``{key.path}``, ``( … )``, calls
    ====  ===============================  ===============================================

Keywords (``and or not in of true false null``) and function names are case-insensitive.

Primaries:

- ``{names.ru}``: a key path resolved in the title. Segments are separated by ``.``; a
  segment of ASCII digits (``{genres.0}``) or a bracketed index (``{genres[0]}``)
  indexes a list and, in an object, names the key spelled with those digits (so
  ``{player.playlist.1}`` works for both playlist shapes). ``*`` (``{torrents.list[*].
  torrent_id}`` or ``.*``) maps the rest of the path over every element of a list or
  value of an object, giving a list. Any missing step yields ``null``.
- Numbers (``12``, ``1.5``, ``1e3``), strings in ``'…'`` or ``"…"``, ``true``,
  ``false``, ``null``. In strings ``\\n \\t \\r \\\\ \\' \\"`` are escapes; any other
  backslash is kept as written so regular expressions read naturally (``"^\\d+"``).
- ``(x)`` is grouping; ``()`` is the empty array and ``(a, b, …)`` an array of two or more
  items. There is no one-item array literal, which ``in`` makes unnecessary (below).
- ``abs ceil floor log max min random round sqrt len randomInt`` calls; an unknown name
  or a wrong number of arguments is a syntax error.
- A bare identifier is allowed only directly before ``of``, where it stands for its own
  name as a string: ``year of {season}`` is ``"year" of {season}``.

Type rules (values are JSON: null, boolean, number, string, array, object; booleans are
not numbers):

- ``==``/``!=`` compare by value: numbers numerically (``1 == 1.0``), arrays and objects
  element-wise, values of different types are unequal (``true != 1``, ``"1" != 1``).
- ``< <= > >=`` order two numbers or two strings (by code point); any other pair is false.
- ``x ~= p`` is ``re.search(p, x)`` (case-sensitive; use ``(?i)``) when both are strings,
  false otherwise. Patterns longer than 200 characters, subjects longer than 10 000,
  backreferences, repeated groups that contain repetition or alternation
  (``(a+)+``, ``(a|b)*``) and patterns whose estimated backtracking on this subject
  exceeds a budget (``.*.*x`` on a long text) are evaluation errors, because Python's
  regex engine has no timeout.
- ``a in b``: ``b`` is taken as a set of candidates: an array is its items, an object
  its keys, any other value a one-item set (so ``x in (a)`` is ``x == a``). If ``a`` is an
  array it is a subset test (every item of ``a`` is among the candidates; ``() in b`` is
  true), otherwise a membership test. ``a not in b`` is ``not (a in b)``.
- ``k of o`` looks up key ``k`` in object ``o`` or index ``k`` in array ``o``: ``k`` must
  be a string or an integer (an integer also finds the object key spelled with its
  digits, ``1 of {player.playlist}``); a missing key or a non-container ``o`` gives null.
- ``and``, ``or``, ``not`` use truthiness (null, false, 0, "", () and empty objects are
  falsy) and return booleans; ``and``/``or`` short-circuit, as does ``?:``.
- ``+`` adds numbers, concatenates two strings or two arrays. ``- * / % ^`` and unary
  minus take numbers only. ``/`` is true division, ``%`` takes the sign of the divisor,
  ``^`` of two integers stays an exact integer (up to 4096 bits).
- Functions take numbers except ``len`` (string, array or object). ``max``/``min`` accept
  several numbers or one array of them. ``round`` rounds halves away from zero;
  ``ceil``/``floor``/``round`` return integers. ``random()`` is in [0, 1);
  ``randomInt(a, b)`` is an integer with a <= n <= b.

Anything else (wrong operand types, division by zero, math domain errors, bad regex) raises
`QueryEvalError` from `Query.evaluate`; `Query.matches` treats it as "no match".

Nesting deeper than 100 levels, counting operator chains and key path segments, is a
syntax error so neither parsing nor evaluation can exhaust the stack.
"""

from __future__ import annotations

import functools
import math
import operator
import random
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, NamedTuple

__all__ = ["Query", "QueryEvalError", "QuerySyntaxError", "compile_query"]

MAX_DEPTH = 100
MAX_PATTERN_LENGTH = 200
MAX_SUBJECT_LENGTH = 10_000
# Roughly 1e9 of these units run per second in CPython's sre, so this bounds a match at ~20 ms.
_REGEX_BUDGET = 20_000_000
_MAX_POWER_BITS = 4096
# Longer digit runs cannot index any real list and would overflow int() limits.
_MAX_INDEX_DIGITS = 18

_DIGITS = "0123456789"


class QuerySyntaxError(Exception):
    """The query text is malformed; `position` is the 0-based offset of the offending token."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"Query syntax error at position {position}: {message}")
        self.message = message
        self.position = position


class QueryEvalError(Exception):
    """A well-formed query could not be evaluated against a title (types, math, regex)."""


# --------------------------------------------------------------------------- values


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _number(value: Any, where: str) -> int | float:
    if not _is_number(value):
        raise QueryEvalError(f"{where} needs a number, got {_type_name(value)}")
    result: int | float = value
    return result


def _find_key(obj: dict[Any, Any], key: Any) -> Any:
    """The key under which `obj` holds `key`, or None; JSON objects spell integer keys as text."""
    if isinstance(key, bool) or not isinstance(key, str | int):
        return None
    if key in obj:
        return key
    if isinstance(key, int) and str(key) in obj:
        return str(key)
    return None


def _step(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        found = _find_key(container, key)
        return None if found is None else container[found]
    if (
        isinstance(container, list)
        and isinstance(key, int)
        and not isinstance(key, bool)
        and 0 <= key < len(container)
    ):
        return container[key]
    return None


def _equal(left: Any, right: Any) -> bool:
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(v, right[k]) for k, v in left.items())
    return type(left) is type(right) and bool(left == right)


def _not_equal(left: Any, right: Any) -> bool:
    return not _equal(left, right)


def _ordering(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
    def apply(left: Any, right: Any) -> bool:
        if (_is_number(left) and _is_number(right)) or (
            isinstance(left, str) and isinstance(right, str)
        ):
            return bool(compare(left, right))
        return False

    return apply


def _contains(needle: Any, haystack: Any) -> bool:
    wanted = needle if isinstance(needle, list) else [needle]
    if isinstance(haystack, dict):
        return all(_find_key(haystack, item) is not None for item in wanted)
    pool = haystack if isinstance(haystack, list) else [haystack]
    return all(any(_equal(item, candidate) for candidate in pool) for item in wanted)


def _not_contains(needle: Any, haystack: Any) -> bool:
    return not _contains(needle, haystack)


def _property(key: Any, obj: Any) -> Any:
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise QueryEvalError(f"'of' needs a key name or index, got {_type_name(key)}")
    return _step(obj, key)


def _add(left: Any, right: Any) -> Any:
    if _is_number(left) and _is_number(right):
        return left + right
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    raise QueryEvalError(f"cannot add {_type_name(left)} and {_type_name(right)}")


def _arithmetic(symbol: str, compute: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        return compute(_number(left, f"'{symbol}'"), _number(right, f"'{symbol}'"))

    return apply


def _power(base: int | float, exponent: int | float) -> int | float:
    if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
        # Exact integer powers grow without bound; 9 ^ 9 ^ 9 would hang the server.
        if abs(base) > 1 and exponent * abs(base).bit_length() > _MAX_POWER_BITS:
            raise QueryEvalError("power result too large")
        result: int = base**exponent
        return result
    # math.pow raises instead of returning complex numbers or silently overflowing.
    return math.pow(base, exponent)


# --------------------------------------------------------------------------- regex


class _SafeRegex(NamedTuple):
    pattern: re.Pattern[str]
    # Choices each quantifier makes per position; None means unbounded.
    choices: tuple[int | None, ...]

    def cost(self, length: int) -> int:
        """Upper estimate of backtracking steps for `re.search` on a subject this long."""
        total = length + 1
        for choice in self.choices:
            total *= length + 1 if choice is None else min(choice, length + 1)
            if total > _REGEX_BUDGET:
                break
        return total


def _skip_class(pattern: str, start: int) -> int:
    index = start + 1
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def _quantifier(pattern: str, index: int) -> tuple[int, int, int | None] | None:
    """(length, min, max or None) of the quantifier at `index`, as sre_parse reads it."""
    char = pattern[index]
    if char == "*":
        return 1, 0, None
    if char == "+":
        return 1, 1, None
    if char == "?":
        return 1, 0, 1
    if char != "{":
        return None
    close = pattern.find("}", index)
    if close < 0:
        return None
    body = pattern[index + 1 : close]
    low, comma, high = body.partition(",")
    if not body or any(c not in _DIGITS for c in low + high):
        return None
    if not comma:
        high = low
    return close - index + 1, int(low or 0), int(high) if high else None


def _choices(pattern: str) -> tuple[int | None, ...]:
    """Quantifier choice counts of a valid pattern; rejects exponentially backtracking shapes."""
    choices: list[int | None] = []
    # One flag per open group: does it already contain a choice point?
    groups = [False]
    closed_group_varies = False
    after_quantifier = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        group_varies, closed_group_varies = closed_group_varies, False
        was_quantifier, after_quantifier = after_quantifier, False
        if char == "\\":
            if pattern[index + 1 : index + 2] in tuple("123456789"):
                raise QueryEvalError("regex backreferences are not allowed")
            index += 2
        elif char == "[":
            index = _skip_class(pattern, index)
        elif char == "(":
            if pattern.startswith(("(?P=", "(?("), index):
                raise QueryEvalError("regex backreferences are not allowed")
            if pattern.startswith("(?#", index):
                index = pattern.find(")", index) + 1 or len(pattern)
            else:
                groups.append(False)
                index += 2 if pattern.startswith("(?", index) else 1
        elif char == ")":
            # Verbose-mode comments can hide a "(" from this scanner, so never pop the root.
            closed_group_varies = groups.pop() if len(groups) > 1 else False
            groups[-1] = groups[-1] or closed_group_varies
            index += 1
        elif char == "|":
            groups[-1] = True
            index += 1
        elif was_quantifier and char in "?+":
            index += 1  # lazy or possessive form of the previous quantifier
        elif (quantifier := _quantifier(pattern, index)) is None:
            index += 1
        else:
            length, low, high = quantifier
            if group_varies and (high is None or high > 1):
                raise QueryEvalError("regex repeats a group that itself repeats or alternates")
            choice = None if high is None else high - low + 1
            if choice != 1:
                choices.append(choice)
                groups[-1] = True
            after_quantifier = True
            index += length
    return tuple(choices)


@functools.lru_cache(maxsize=256)
def _compile_regex(pattern: str) -> _SafeRegex:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise QueryEvalError(f"regex longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError) as error:
        raise QueryEvalError(f"bad regex: {error}") from error
    return _SafeRegex(compiled, _choices(pattern))


def _regex_match(subject: Any, pattern: Any) -> bool:
    if not (isinstance(subject, str) and isinstance(pattern, str)):
        return False
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise QueryEvalError(f"regex subject longer than {MAX_SUBJECT_LENGTH} characters")
    regex = _compile_regex(pattern)
    if regex.cost(len(subject)) > _REGEX_BUDGET:
        raise QueryEvalError("regex too expensive for a subject this long")
    return regex.pattern.search(subject) is not None


# --------------------------------------------------------------------------- functions


def _round_half_away(value: int | float) -> int:
    if isinstance(value, int):
        return value
    magnitude = abs(value)
    whole = math.floor(magnitude)
    # magnitude - whole is exact, unlike floor(magnitude + 0.5) which misrounds 0.49999999999999994.
    if magnitude - whole >= 0.5:
        whole += 1
    return -whole if value < 0 else whole


def _one_number(name: str, compute: Callable[[Any], Any]) -> Callable[[list[Any]], Any]:
    def apply(args: list[Any]) -> Any:
        return compute(_number(args[0], f"{name}()"))

    return apply


def _extreme(
    name: str, pick: Callable[[list[int | float]], int | float]
) -> Callable[[list[Any]], Any]:
    def apply(args: list[Any]) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        if not values:
            raise QueryEvalError(f"{name}() of an empty array")
        return pick([_number(value, f"{name}()") for value in values])

    return apply


def _len(args: list[Any]) -> int:
    value = args[0]
    if not isinstance(value, str | list | dict):
        raise QueryEvalError(f"len() needs a string, array or object, got {_type_name(value)}")
    return len(value)


def _random(args: list[Any]) -> float:
    return random.random()


def _random_int(args: list[Any]) -> int:
    low, high = args
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
        raise QueryEvalError("randomInt() needs two integers")
    if low > high:
        raise QueryEvalError("randomInt() needs min <= max")
    return random.randint(low, high)


class _Builtin(NamedTuple):
    name: str
    arity: int
    variadic: bool
    apply: Callable[[list[Any]], Any]

    def arity_problem(self, given: int) -> str | None:
        """Why `given` arguments do not fit this function, or None if they do."""
        if given == self.arity or (self.variadic and given > self.arity):
            return None
        if self.variadic:
            expected = f"at least {self.arity}"
        else:
            expected = f"exactly {self.arity}" if self.arity else "no"
        noun = "argument" if self.arity == 1 else "arguments"
        return f"{self.name}() takes {expected} {noun} ({given} given)"


_BUILTINS = {
    builtin.name.lower(): builtin
    for builtin in (
        _Builtin("abs", 1, False, _one_number("abs", abs)),
        _Builtin("ceil", 1, False, _one_number("ceil", math.ceil)),
        _Builtin("floor", 1, False, _one_number("floor", math.floor)),
        _Builtin("log", 1, False, _one_number("log", math.log)),
        _Builtin("max", 1, True, _extreme("max", max)),
        _Builtin("min", 1, True, _extreme("min", min)),
        _Builtin("random", 0, False, _random),
        _Builtin("round", 1, False, _one_number("round", _round_half_away)),
        _Builtin("sqrt", 1, False, _one_number("sqrt", math.sqrt)),
        _Builtin("len", 1, False, _len),
        _Builtin("randomInt", 2, False, _random_int),
    )
}


# --------------------------------------------------------------------------- tree


class _Node(ABC):
    __slots__ = ("depth",)

    def __init__(self, *children: _Node) -> None:
        self.depth: int = 1 + max((child.depth for child in children), default=0)

    @abstractmethod
    def evaluate(self, title: dict[str, Any]) -> Any:
        """The node's value for `title`; raises QueryEvalError or Python math errors."""


class _Literal(_Node):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value

    def evaluate(self, title: dict[str, Any]) -> Any:
        return self.value


# A path segment: a key, an index, or None for the `*` wildcard.
_Segment = str | int | None


def _resolve(value: Any, segments: tuple[_Segment, ...]) -> Any:
    for position, segment in enumerate(segments):
        if segment is None:
            if isinstance(value, dict):
                items = list(value.values())
            elif isinstance(value, list):
                items = value
            else:
                return None
            rest = segments[position + 1 :]
            return [_resolve(item, rest) for item in items]
        value = _step(value, segment)
    return value


class _Path(_Node):
    __slots__ = ("segments",)

    def __init__(self, segments: tuple[_Segment, ...]) -> None:
        super().__init__()
        self.segments = segments

    def evaluate(self, title: dict[str, Any]) -> Any:
        return _resolve(title, self.segments)


class _Array(_Node):
    __slots__ = ("items",)

    def __init__(self, items: list[_Node]) -> None:
        super().__init__(*items)
        self.items = items

    def evaluate(self, title: dict[str, Any]) -> Any:
        return [item.evaluate(title) for item in self.items]


class _Negate(_Node):
    __slots__ = ("operand",)

    def __init__(self, operand: _Node) -> None:
        super().__init__(operand)
        self.operand = operand

    def evaluate(self, title: dict[str, Any]) -> Any:
        return -_number(self.operand.evaluate(title), "unary '-'")


class _Not(_Node):
    __slots__ = ("operand",)

    def __init__(self, operand: _Node) -> None:
        super().__init__(operand)
        self.operand = operand

    def evaluate(self, title: dict[str, Any]) -> Any:
        return not self.operand.evaluate(title)


class _And(_Node):
    __slots__ = ("left", "right")

    def __init__(self, left: _Node, right: _Node) -> None:
        super().__init__(left, right)
        self.left, self.right = left, right

    def evaluate(self, title: dict[str, Any]) -> Any:
        return bool(self.left.evaluate(title)) and bool(self.right.evaluate(title))


class _Or(_Node):
    __slots__ = ("left", "right")

    def __init__(self, left: _Node, right: _Node) -> None:
        super().__init__(left, right)
        self.left, self.right = left, right

    def evaluate(self, title: dict[str, Any]) -> Any:
        return bool(self.left.evaluate(title)) or bool(self.right.evaluate(title))


class _Ternary(_Node):
    __slots__ = ("condition", "when_false", "when_true")

    def __init__(self, condition: _Node, when_true: _Node, when_false: _Node) -> None:
        super().__init__(condition, when_true, when_false)
        self.condition, self.when_true, self.when_false = condition, when_true, when_false

    def evaluate(self, title: dict[str, Any]) -> Any:
        branch = self.when_true if self.condition.evaluate(title) else self.when_false
        return branch.evaluate(title)


class _Binary(_Node):
    __slots__ = ("apply", "left", "right")

    def __init__(self, apply: Callable[[Any, Any], Any], left: _Node, right: _Node) -> None:
        super().__init__(left, right)
        self.apply, self.left, self.right = apply, left, right

    def evaluate(self, title: dict[str, Any]) -> Any:
        return self.apply(self.left.evaluate(title), self.right.evaluate(title))


class _Call(_Node):
    __slots__ = ("apply", "args")

    def __init__(self, apply: Callable[[list[Any]], Any], args: list[_Node]) -> None:
        super().__init__(*args)
        self.apply, self.args = apply, args

    def evaluate(self, title: dict[str, Any]) -> Any:
        return self.apply([arg.evaluate(title) for arg in self.args])


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": _equal,
    "!=": _not_equal,
    "<": _ordering(operator.lt),
    "<=": _ordering(operator.le),
    ">": _ordering(operator.gt),
    ">=": _ordering(operator.ge),
    "~=": _regex_match,
    "in": _contains,
    "not in": _not_contains,
    "+": _add,
    "-": _arithmetic("-", operator.sub),
    "*": _arithmetic("*", operator.mul),
    "/": _arithmetic("/", operator.truediv),
    "%": _arithmetic("%", operator.mod),
    "^": _arithmetic("^", _power),
    "of": _property,
}


# --------------------------------------------------------------------------- tokens


class _Kind(Enum):
    NUMBER = auto()
    STRING = auto()
    PATH = auto()
    WORD = auto()
    SYMBOL = auto()
    END = auto()


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str
    position: int
    value: Any = None

    def describe(self) -> str:
        if self.kind is _Kind.END:
            return "end of query"
        if self.kind in (_Kind.WORD, _Kind.SYMBOL):
            return f"'{self.text}'"
        return self.text if len(self.text) <= 30 else self.text[:27] + "..."


# Two-character symbols first so the longest spelling wins.
_SYMBOLS = (
    "==", "!=", "<=", ">=", "~=", "&&", "||",
    "<", ">", "+", "-", "*", "/", "%", "^", "(", ")", ",", "?", ":", "!",
)  # fmt: skip
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _skip_digits(text: str, index: int) -> int:
    while index < len(text) and text[index] in _DIGITS:
        index += 1
    return index


def _read_number(text: str, start: int) -> tuple[_Token, int]:
    index = _skip_digits(text, start)
    is_float = False
    if text.startswith(".", index) and text[index + 1 : index + 2] in tuple(_DIGITS):
        index = _skip_digits(text, index + 1)
        is_float = True
    if text[index : index + 1] in ("e", "E"):
        digits_at = index + 2 if text[index + 1 : index + 2] in ("+", "-") else index + 1
        if text[digits_at : digits_at + 1] in tuple(_DIGITS):
            index = _skip_digits(text, digits_at)
            is_float = True
    if index < len(text) and _is_word_char(text[index]):
        raise QuerySyntaxError("malformed number", start)
    spelling = text[start:index]
    if is_float:
        return _Token(_Kind.NUMBER, spelling, start, float(spelling)), index
    try:
        value = int(spelling)
    except ValueError as error:  # beyond sys.get_int_max_str_digits()
        raise QuerySyntaxError("number too long", start) from error
    return _Token(_Kind.NUMBER, spelling, start, value), index


def _read_string(text: str, start: int) -> tuple[_Token, int]:
    quote = text[start]
    parts: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return _Token(_Kind.STRING, text[start : index + 1], start, "".join(parts)), index + 1
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            parts.append(_ESCAPES.get(escaped, "\\" + escaped))
            index += 2
        else:
            parts.append(char)
            index += 1
    raise QuerySyntaxError("unterminated string", start)


def _name_segment(name: str) -> _Segment:
    if name == "*":
        return None
    canonical = name == "0" or not name.startswith("0")
    if canonical and len(name) <= _MAX_INDEX_DIGITS and all(c in _DIGITS for c in name):
        return int(name)
    return name


def _index_segment(text: str, start: int, end: int) -> _Segment:
    body = text[start:end]
    if body == "*":
        return None
    if not body or any(c not in _DIGITS for c in body):
        raise QuerySyntaxError("expected an index or '*' inside '[...]'", start)
    if len(body) > _MAX_INDEX_DIGITS:
        raise QuerySyntaxError("index too large", start)
    return int(body)


def _parse_path(text: str, brace: int, close: int) -> tuple[_Segment, ...]:
    start, end = brace + 1, close
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise QuerySyntaxError("empty key path", brace)
    segments: list[_Segment] = []
    index = start
    while True:
        name_end = index
        while name_end < end and text[name_end] not in ".[]" and not text[name_end].isspace():
            name_end += 1
        if name_end == index:
            raise QuerySyntaxError("expected a key name", index)
        segments.append(_name_segment(text[index:name_end]))
        index = name_end
        while text.startswith("[", index):
            bracket_end = text.find("]", index, end)
            if bracket_end < 0:
                raise QuerySyntaxError("unclosed '['", index)
            segments.append(_index_segment(text, index + 1, bracket_end))
            index = bracket_end + 1
        if len(segments) > MAX_DEPTH:
            raise QuerySyntaxError("key path too long", brace)
        if index == end:
            return tuple(segments)
        if text[index] != ".":
            raise QuerySyntaxError(f"unexpected {text[index]!r} in key path", index)
        index += 1


def _read_path(text: str, brace: int) -> tuple[_Token, int]:
    index = brace + 1
    while index < len(text) and text[index] != "}":
        if text[index] == "{":
            raise QuerySyntaxError("unexpected '{' inside a key path", index)
        index += 1
    if index == len(text):
        raise QuerySyntaxError("unclosed '{'", brace)
    segments = _parse_path(text, brace, index)
    return _Token(_Kind.PATH, text[brace : index + 1], brace, segments), index + 1


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char in _DIGITS:
            token, index = _read_number(text, index)
        elif char in "'\"":
            token, index = _read_string(text, index)
        elif char == "{":
            token, index = _read_path(text, index)
        elif _is_word_char(char):
            end = index
            while end < len(text) and _is_word_char(text[end]):
                end += 1
            token, index = _Token(_Kind.WORD, text[index:end], index), end
        else:
            symbol = next((s for s in _SYMBOLS if text.startswith(s, index)), None)
            if symbol is None:
                hint = "; use '==' to compare" if char == "=" else ""
                raise QuerySyntaxError(f"unexpected character {char!r}{hint}", index)
            token, index = _Token(_Kind.SYMBOL, symbol, index), index + len(symbol)
        tokens.append(token)
    tokens.append(_Token(_Kind.END, "", len(text)))
    return tokens


# --------------------------------------------------------------------------- parser

_TERNARY, _OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _NEGATE, _POWER, _OF = range(1, 11)

_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "~=", "in", "not"})
_INFIX_POWER: dict[str, int] = {
    "?": _TERNARY,
    "or": _OR,
    "||": _OR,
    "and": _AND,
    "&&": _AND,
    **dict.fromkeys(_COMPARISONS, _COMPARE),
    "+": _SUM,
    "-": _SUM,
    "*": _PRODUCT,
    "/": _PRODUCT,
    "%": _PRODUCT,
    "^": _POWER,
    "of": _OF,
}
_LITERAL_WORDS: dict[str, Any] = {"true": True, "false": False, "null": None}
_OPERATOR_WORDS = frozenset({"and", "or", "in", "of"})


def _operator(token: _Token) -> str:
    if token.kind is _Kind.SYMBOL:
        return token.text
    if token.kind is _Kind.WORD:
        return token.text.lower()
    return ""


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _advance(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind is not _Kind.END:
            self._index += 1
        return token

    def parse(self) -> _Node:
        if self._peek().kind is _Kind.END:
            raise QuerySyntaxError("empty query", 0)
        root = self._expression(0)
        trailing = self._peek()
        if trailing.kind is not _Kind.END:
            raise QuerySyntaxError(
                f"unexpected {trailing.describe()}; expected an operator or the end of the query",
                trailing.position,
            )
        return root

    def _expression(self, right_power: int) -> _Node:
        """Parse operators binding tighter than `right_power` (precedence climbing)."""
        start = self._peek()
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise QuerySyntaxError("expression nested too deeply", start.position)
            left = self._checked(self._prefix(), start)
            while True:
                token = self._peek()
                name = _operator(token)
                if _INFIX_POWER.get(name, 0) <= right_power:
                    return left
                self._advance()
                left = self._checked(self._infix(left, token, name), token)
        finally:
            self._depth -= 1

    @staticmethod
    def _checked(node: _Node, token: _Token) -> _Node:
        # Left-associative chains deepen the tree without deepening the parser's recursion.
        if node.depth > MAX_DEPTH:
            raise QuerySyntaxError("expression nested too deeply", token.position)
        return node

    def _prefix(self) -> _Node:
        token = self._advance()
        if token.kind in (_Kind.NUMBER, _Kind.STRING):
            return _Literal(token.value)
        if token.kind is _Kind.PATH:
            return _Path(token.value)
        if token.kind is _Kind.WORD:
            return self._word(token)
        if token.text == "(" and token.kind is _Kind.SYMBOL:
            items = self._sequence(token)
            return items[0] if len(items) == 1 else _Array(items)
        if token.text == "-" and token.kind is _Kind.SYMBOL:
            return _Negate(self._expression(_NEGATE))
        if token.text == "!" and token.kind is _Kind.SYMBOL:
            return _Not(self._expression(_NOT))
        raise QuerySyntaxError(f"expected an operand, found {token.describe()}", token.position)

    def _word(self, token: _Token) -> _Node:
        word = token.text.lower()
        if word in _LITERAL_WORDS:
            return _Literal(_LITERAL_WORDS[word])
        if word == "not":
            return _Not(self._expression(_NOT))
        if word in _OPERATOR_WORDS:
            raise QuerySyntaxError(f"expected an operand, found '{token.text}'", token.position)
        following = self._peek()
        if following.kind is _Kind.SYMBOL and following.text == "(":
            return self._call(token)
        if _operator(following) == "of":
            return _Literal(token.text)
        raise QuerySyntaxError(
            f"unknown name '{token.text}' (bare names may only precede 'of'; "
            "keys go in braces: {key})",
            token.position,
        )

    def _call(self, name: _Token) -> _Node:
        builtin = _BUILTINS.get(name.text.lower())
        if builtin is None:
            raise QuerySyntaxError(f"unknown function '{name.text}'", name.position)
        args = self._sequence(self._advance())
        problem = builtin.arity_problem(len(args))
        if problem is not None:
            raise QuerySyntaxError(problem, name.position)
        return _Call(builtin.apply, args)

    def _sequence(self, opening: _Token) -> list[_Node]:
        """Comma-separated expressions up to the `)` matching `opening`."""
        if self._peek().text == ")" and self._peek().kind is _Kind.SYMBOL:
            self._advance()
            return []
        items = [self._expression(0)]
        while True:
            token = self._advance()
            if token.kind is _Kind.END:
                raise QuerySyntaxError("unclosed '('", opening.position)
            if token.kind is _Kind.SYMBOL and token.text == ")":
                return items
            if token.kind is not _Kind.SYMBOL or token.text != ",":
                raise QuerySyntaxError(
                    f"expected ',' or ')', found {token.describe()}", token.position
                )
            items.append(self._expression(0))

    def _infix(self, left: _Node, token: _Token, name: str) -> _Node:
        if name == "?":
            when_true = self._expression(0)
            colon = self._advance()
            if colon.kind is not _Kind.SYMBOL or colon.text != ":":
                raise QuerySyntaxError(
                    f"expected ':' for the '?' at position {token.position}, "
                    f"found {colon.describe()}",
                    colon.position,
                )
            return _Ternary(left, when_true, self._expression(_TERNARY - 1))
        if name in ("or", "||"):
            return _Or(left, self._expression(_OR))
        if name in ("and", "&&"):
            return _And(left, self._expression(_AND))
        if name in _COMPARISONS:
            if name == "not":
                following = self._advance()
                if _operator(following) != "in":
                    raise QuerySyntaxError(
                        f"expected 'in' after 'not', found {following.describe()}",
                        following.position,
                    )
                name = "not in"
            right = self._expression(_COMPARE)
            chained = self._peek()
            if _operator(chained) in _COMPARISONS:
                raise QuerySyntaxError(
                    "comparisons cannot be chained; join them with 'and'", chained.position
                )
            return _Binary(_BINARY[name], left, right)
        # ^ and `of` are right-associative; ^ also lets a unary minus into its exponent.
        right_power = {"^": _NEGATE, "of": _POWER}.get(name, _INFIX_POWER[name])
        return _Binary(_BINARY[name], left, self._expression(right_power))


# --------------------------------------------------------------------------- public API


class Query:
    """A compiled advancedSearch query; immutable, reusable for any number of titles."""

    __slots__ = ("_root", "text")

    def __init__(self, text: str, root: _Node) -> None:
        """Wrap a parsed tree; use `compile_query` to build one from text."""
        self.text = text
        self._root = root

    def __repr__(self) -> str:
        return f"compile_query({self.text!r})"

    def evaluate(self, title: dict[str, Any]) -> Any:
        """The query's value for `title`; raises QueryEvalError when it cannot be computed."""
        try:
            return self._root.evaluate(title)
        except (ArithmeticError, ValueError) as error:
            raise QueryEvalError(str(error) or type(error).__name__) from error

    def matches(self, title: dict[str, Any]) -> bool:
        """Whether `title` passes the filter: a truthy value; evaluation errors count as no."""
        try:
            return bool(self.evaluate(title))
        except QueryEvalError:
            return False


def compile_query(text: str) -> Query:
    """Parse `text` once into a reusable Query; raises QuerySyntaxError if it is malformed."""
    return Query(text, _Parser(_tokenize(text)).parse())

"""Table tests for the advancedSearch query language (spec section "query")."""

from __future__ import annotations

import contextlib
import random
import re
import string
import time
from typing import Any

import pytest

from app.devserver.query import (
    MAX_DEPTH,
    Query,
    QueryEvalError,
    QuerySyntaxError,
    compile_query,
)

TITLE: dict[str, Any] = {
    "id": 8500,
    "code": "nanatsu-no-taizai-kamigami-no-gekirin",
    "names": {
        "ru": "Семь смертных грехов: Гнев богов ТВ-3",
        "en": "Nanatsu no Taizai: Kamigami no Gekirin TV-3",
        "alternative": None,
    },
    "status": {"string": "Завершен", "code": 2},
    "type": {"full_string": "ТВ (24 эп.), 25 мин.", "code": 1, "string": "TV", "series": 24},
    "genres": ["Магия", "Приключения", "Сверхъестественное", "Сёнен", "Экшен"],
    "team": {"voice": ["Anzen", "Cleo-chan", "Hekomi"], "translator": ["Anku"], "decor": []},
    "season": {"string": "осень", "code": 4, "year": 2019, "week_day": 4},
    "description": "Продолжение аниме «Семь смертных грехов».",
    "in_favorites": 10333,
    "blocked": {"blocked": False, "bakanim": False},
    "player": {
        "series": {"first": 1, "last": 24, "string": "1-24"},
        "playlist": {"1": {"serie": 1}, "2": {"serie": 2}},
    },
    "torrents": {
        "list": [
            {"torrent_id": 10725, "quality": {"resolution": "1080p"}, "seeders": 17},
            {"torrent_id": 10726, "quality": {"resolution": "720p"}, "seeders": 3},
        ]
    },
}


def run(text: str, title: dict[str, Any] | None = None) -> Any:
    return compile_query(text).evaluate(TITLE if title is None else title)


def short_id(value: Any) -> str | None:
    """Readable test ids for the generated, very long query texts."""
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:20]}...({len(value)} chars)"
    return None


def syntax_error(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        compile_query(text)
    return caught.value


# ---------------------------------------------------------------- key paths and literals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{names.ru}", "Семь смертных грехов: Гнев богов ТВ-3"),
        ("{season.year}", 2019),
        ("{ season.year }", 2019),
        ("{genres.0}", "Магия"),
        ("{genres[0]}", "Магия"),
        ("{team.voice[2]}", "Hekomi"),
        ("{player.playlist.1.serie}", 1),
        ("{player.playlist[2].serie}", 2),
        ("{torrents.list[1].torrent_id}", 10726),
        ("{torrents.list[*].quality.resolution}", ["1080p", "720p"]),
        ("{torrents.list.*.seeders}", [17, 3]),
        ("{blocked.*}", [False, False]),
        ("{missing}", None),
        ("{names.alternative}", None),
        ("{names.ru.deeper}", None),
        ("{genres.99}", None),
        ("{genres.01}", None),
        ("{season.*.x}", [None, None, None, None]),
        ("{id.*}", None),
        ("{team.decor}", []),
    ],
)
def test_key_paths(text: str, expected: Any) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
        ("'single'", "single"),
        ('"double"', "double"),
        (r'"a\"b"', 'a"b'),
        (r"'it\'s'", "it's"),
        (r'"tab\there"', "tab\there"),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"back\\slash"', "back\\slash"),
        (r'"^\d+$"', r"^\d+$"),
        ("true", True),
        ("FALSE", False),
        ("Null", None),
    ],
)
def test_literals(text: str, expected: Any) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is type(expected)


def test_spec_example() -> None:
    query = compile_query("{season.code} == 1 and {season.year} == 2020")
    assert query.matches({"season": {"code": 1, "year": 2020}})
    assert not query.matches({"season": {"code": 1, "year": 2019}})
    assert not query.matches(TITLE)


# ---------------------------------------------------------------- comparison operations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # x == y
        ("{season.year} == 2019", True),
        ("{season.year} == 2019.0", True),
        ("{season.string} == 'осень'", True),
        ("{season.year} == '2019'", False),
        ("true == 1", False),
        ("null == null", True),
        ("{names.alternative} == null", True),
        ("{missing} == null", True),
        ("(1, 2) == (1, 2.0)", True),
        ("(1, 2) == (2, 1)", False),
        ("{blocked} == {blocked}", True),
        # x != y
        ("{season.year} != 2020", True),
        ("{season.year} != 2019", False),
        ("'1' != 1", True),
        # x < y, x <= y, x > y, x >= y
        ("{in_favorites} < 20000", True),
        ("{in_favorites} < 10333", False),
        ("{in_favorites} <= 10333", True),
        ("{in_favorites} > 10000.5", True),
        ("{in_favorites} >= 10334", False),
        ("'abc' < 'abd'", True),
        ("'b' >= 'a'", True),
        ("'10' < 9", False),
        ("{missing} < 1", False),
        ("{missing} >= 1", False),
        ("true > false", False),
        # x ~= y
        ("{names.en} ~= '^Nanatsu'", True),
        ("{names.en} ~= 'TV-\\d$'", True),
        ("{names.en} ~= 'nanatsu'", False),
        ("{names.en} ~= '(?i)nanatsu'", True),
        ("{names.ru} ~= 'Гнев'", True),
        ("{season.year} ~= '2019'", False),
        ("{missing} ~= '.'", False),
        ("'abc' ~= 1", False),
        # x in (a, b, c)
        ("{season.code} in (1, 2, 4)", True),
        ("{season.code} in (1, 2, 3)", False),
        ("{type.string} in ('TV', 'ONA')", True),
        ("{season.code} in (4)", True),
        ("{season.code} in ()", False),
        # x not in (a, b, c)
        ("{season.code} not in (1, 2, 3)", True),
        ("{season.code} not in (1, 2, 4)", False),
        ("{season.code} NOT IN ()", True),
    ],
)
def test_comparison(text: str, expected: bool) -> None:
    assert run(text) is expected


# ---------------------------------------------------------------- logical operations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true and true", True),
        ("true and false", False),
        ("{season.year} and {in_favorites}", True),
        ("{missing} and 1 / 0", False),
        ("false or true", True),
        ("false or 0", False),
        ("1 or 1 / 0", True),
        ("not true", False),
        ("not {missing}", True),
        ("not ''", True),
        ("not ()", True),
        ("NOT not 1", True),
        ("true && false", False),
        ("false || true", True),
        ("!false", True),
        ("true ? 'yes' : 'no'", "yes"),
        ("{missing} ? 'yes' : 'no'", "no"),
        ("false ? 1 / 0 : 2", 2),
        ("true ? 1 : false ? 2 : 3", 1),
        ("false ? 1 : false ? 2 : 3", 3),
        ("true ? false ? 1 : 2 : 3", 2),
        ("({season.code} == 4 or {season.year} < 10) and {id}", True),
        ("({season.code} == 1 or {season.year} < 10) and {id}", False),
    ],
)
def test_logical(text: str, expected: Any) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is type(expected)


# ---------------------------------------------------------------- math operations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 3", 5),
        ("2 + 0.5", 2.5),
        ("'Anzen' + ' & ' + 'Anku'", "Anzen & Anku"),
        ("(1, 2) + (3, 4)", [1, 2, 3, 4]),
        ("10 - 4 - 3", 3),
        ("3 * 4", 12),
        ("7 / 2", 3.5),
        ("8 / 4 / 2", 1.0),
        ("7 % 3", 1),
        ("-7 % 3", 2),
        ("7.5 % 2", 1.5),
        ("2 ^ 10", 1024),
        ("2 ^ 3 ^ 2", 512),
        ("4 ^ 0.5", 2.0),
        ("2 ^ -1", 0.5),
        ("-2 ^ 2", -4),
        ("-{season.year}", -2019),
        ("- -3", 3),
        ("{season.year} % 100", 19),
    ],
)
def test_math(text: str, expected: Any) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 * 3 ^ 2", 18),
        ("10 - 2 * 3 % 4", 8),
        ("1 + 2 == 3", True),
        ("1 == 1 and 2 == 3 or true", True),
        ("true or true and false", True),
        ("not 1 == 2", True),
        ("not true and false", False),
        ("not (true and false)", True),
        ("1 == 1 ? 'a' : 'b'", "a"),
        ("false or true ? 'a' : 'b'", "a"),
        ("1 + 1 in (2, 3)", True),
        ("-year of {season}", -2019),
        ("2 ^ code of {season}", 16),
        ("{season.year} - code of {season} * 2", 2011),
    ],
)
def test_precedence(text: str, expected: Any) -> None:
    assert run(text) == expected


# ---------------------------------------------------------------- objects and arrays


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (a, b, c)
        ("(1, 'two', null)", [1, "two", None]),
        ("()", []),
        ("((1, 2), ())", [[1, 2], []]),
        ("(1 + 1)", 2),
        # a in b
        ("('Магия', 'Экшен') in {genres}", True),
        ("('Магия', 'Комедия') in {genres}", False),
        ("() in {genres}", True),
        ("{team.translator} in {team.voice}", False),
        ("(1, 1) in (1, 2)", True),
        ("'Экшен' in {genres}", True),
        ("'Экш' in {genres}", False),
        ("'Экшен' not in {genres}", False),
        ("'Экшен' in {missing}", False),
        ("'1' in {player.playlist}", True),
        ("1 in {player.playlist}", True),
        ("('1', '2') in {player.playlist}", True),
        ("3 in {player.playlist}", False),
        ("null in {player.playlist}", False),
        ("(1, 2) in {player.playlist}", True),
        # x of y
        ("year of {season}", 2019),
        ("'ru' of {names}", "Семь смертных грехов: Гнев богов ТВ-3"),
        ("YEAR of {season}", None),
        ("0 of {genres}", "Магия"),
        ("'0' of {genres}", None),
        ("(-1) of {genres}", None),
        ("1 of {player.playlist}", {"serie": 1}),
        ("serie of 2 of {player.playlist}", 2),
        ("resolution of quality of {torrents.list.0}", "1080p"),
        ("('r' + 'u') of {names}", "Семь смертных грехов: Гнев богов ТВ-3"),
        ("missing of {names}", None),
        ("x of {season.year}", None),
        ("len of {team}", None),
    ],
)
def test_objects_and_arrays(text: str, expected: Any) -> None:
    assert run(text) == expected


# ---------------------------------------------------------------- built-in functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abs(-3)", 3),
        ("abs(2.5)", 2.5),
        ("ceil(1.2)", 2),
        ("ceil(-1.2)", -1),
        ("floor(1.8)", 1),
        ("floor(-1.2)", -2),
        ("log(1)", 0.0),
        ("round(log(100) / log(10))", 2),
        ("max(3, 9, 4)", 9),
        ("max(1.5)", 1.5),
        ("max({season.code}, {season.week_day}, 2)", 4),
        ("max((5, 7, 6))", 7),
        ("min(3, 9, 4)", 3),
        ("MIN(-1, 0.5)", -1),
        ("min((5, 7, 6))", 5),
        ("round(2.4)", 2),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(0.49999999999999994)", 0),
        ("round(7)", 7),
        ("sqrt(16)", 4.0),
        ("len({genres})", 5),
        ("len('Экшен')", 5),
        ("len(())", 0),
        ("len({season})", 4),
        ("randomInt(3, 3)", 3),
    ],
)
def test_functions(text: str, expected: Any) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is type(expected)


def test_random_functions_stay_in_range() -> None:
    unit = compile_query("random()")
    dice = compile_query("randomint(1, 6)")
    units = [unit.evaluate(TITLE) for _ in range(200)]
    rolls = {dice.evaluate(TITLE) for _ in range(200)}
    assert all(isinstance(u, float) and 0.0 <= u < 1.0 for u in units)
    assert rolls == {1, 2, 3, 4, 5, 6}


# ---------------------------------------------------------------- evaluation errors


@pytest.mark.parametrize(
    "text",
    [
        "1 / 0",
        "1 % 0",
        "0 ^ -1",
        "(-8) ^ (1 / 3)",
        "9 ^ 9 ^ 9",
        "10.0 ^ 400",
        "'a' - 1",
        "'a' + 1",
        "(1) + 'a'",
        "{missing} + 1",
        "-'a'",
        "true * 2",
        "log(0)",
        "sqrt(-1)",
        "abs('x')",
        "ceil(1e999)",
        "round(1e999 - 1e999)",
        "len(null)",
        "len(5)",
        "max(())",
        "max(1, 'a')",
        "randomInt(2, 1)",
        "randomInt(1, 2.5)",
        "null of {names}",
        "(1, 2) of {genres}",
        "true of {genres}",
        "1.5 of {genres}",
        "{names.en} ~= '('",
        "{names.en} ~= '" + "a" * 201 + "'",
        "{names.en} ~= '(a+)+$'",
        "{names.en} ~= '(a|aa)*$'",
        "{names.en} ~= '(x)\\1'",
        "{names.en} ~= '(?P<x>a)(?P=x)'",
    ],
)
def test_evaluation_errors_raise_and_do_not_match(text: str) -> None:
    query = compile_query(text)
    with pytest.raises(QueryEvalError):
        query.evaluate(TITLE)
    assert query.matches(TITLE) is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{names} + 1", "cannot add object and number"),
        ("{genres} - null", "'-' needs a number, got array"),
        ("abs(true)", "abs() needs a number, got boolean"),
        ("len({id})", "len() needs a string, array or object, got number"),
        ("1 / 0", "division by zero"),
        ("{odd} * 2", "'*' needs a number, got set"),
    ],
)
def test_evaluation_error_messages(text: str, message: str) -> None:
    with pytest.raises(QueryEvalError, match=re.escape(message)):
        run(text, {**TITLE, "odd": {1}})


def test_query_keeps_its_text() -> None:
    query = compile_query("{id} > 1")
    assert query.text == "{id} > 1"
    assert repr(query) == "compile_query('{id} > 1')"


def test_regex_guard_rejects_long_subjects_and_costly_backtracking() -> None:
    long_text = {"description": "a" * 20_000}
    assert compile_query("{description} ~= 'b'").matches(long_text) is False
    costly = compile_query("{description} ~= '.*.*x'")
    started = time.perf_counter()
    with pytest.raises(QueryEvalError, match="too expensive"):
        costly.evaluate({"description": "a" * 5_000})
    assert time.perf_counter() - started < 0.5
    assert costly.evaluate({"description": "aaxa"}) is True


@pytest.mark.parametrize(
    "pattern",
    [
        "(ab)+c",
        "(\\d{4})+",
        "(a+)?b",
        "colou?r",
        "[(a+)+]*",
        "\\(a+\\)+",
        "b(?#a|)+",
        "a+?b*+",
        "(?:TV|ONA)$",
        "[^]x]+",
        "[]a]*",
        "a{",
        "x{}",
        "a{b}+",
        "\\d{2,}",
    ],
)
def test_regex_guard_allows_safe_shapes(pattern: str) -> None:
    assert compile_query(f"'x' ~= '{pattern}'").evaluate(TITLE) in (True, False)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ({"n": 1}, True),
        ({"n": 0}, False),
        ({"n": "x"}, True),
        ({"n": ""}, False),
        ({"n": [0]}, True),
        ({"n": []}, False),
        ({}, False),
    ],
)
def test_matches_uses_truthiness(title: dict[str, Any], expected: bool) -> None:
    assert compile_query("{n}").matches(title) is expected


# ---------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ("{id} = 1", 5, "unexpected character '='"),
        ("{id} # 1", 5, "unexpected character '#'"),
        ("Экшен", 0, "unexpected character 'Э'"),
        ("{names.ru} == 'abc", 14, "unterminated string"),
        ('"abc\\"', 0, "unterminated string"),
        ("1 + {season.year", 4, "unclosed '{'"),
        ("{a{b}}", 2, "unexpected '{' inside a key path"),
        ("{}", 0, "empty key path"),
        ("{ }", 0, "empty key path"),
        ("{a..b}", 3, "expected a key name"),
        ("{a.}", 3, "expected a key name"),
        ("{a b}", 2, "unexpected ' ' in key path"),
        ("{a]}", 2, "unexpected ']' in key path"),
        ("{a[0}", 2, "unclosed '['"),
        ("{a[x]}", 3, "expected an index or '*'"),
        ("{a[]}", 3, "expected an index or '*'"),
        ("{a[" + "9" * 30 + "]}", 3, "index too large"),
        ("{" + ".".join("a" * (MAX_DEPTH + 1)) + "}", 0, "key path too long"),
        ("(1 + 2", 0, "unclosed '('"),
        ("max(1, 2", 3, "unclosed '('"),
        ("(1, 2 3)", 6, "expected ',' or ')'"),
        ("(1, )", 4, "expected an operand"),
        ("1 2", 2, "unexpected 2"),
        ("1 )", 2, "unexpected ')'"),
        ("1 : 2", 2, "unexpected ':'"),
        ("{id} {id}", 5, "unexpected {id}"),
        ("1 +", 3, "expected an operand, found end of query"),
        ("1 + * 2", 4, "expected an operand, found '*'"),
        ("not", 3, "expected an operand"),
        ("and 1", 0, "expected an operand, found 'and'"),
        ("1 in", 4, "expected an operand"),
        ("true ? 1", 8, "expected ':' for the '?' at position 5"),
        ("true ? 1 , 2", 9, "expected ':'"),
        ("1 not 2", 6, "expected 'in' after 'not'"),
        ("1 < 2 < 3", 6, "comparisons cannot be chained"),
        ("1 == 1 != 0", 7, "comparisons cannot be chained"),
        ("1 in (1) in (1)", 9, "comparisons cannot be chained"),
        ("year", 0, "unknown name 'year'"),
        ("year + 1", 0, "unknown name 'year'"),
        ("year of season", 8, "unknown name 'season'"),
        ("1 + foo(2)", 4, "unknown function 'foo'"),
        ("abs(1, 2)", 0, "abs() takes exactly 1 argument (2 given)"),
        ("abs()", 0, "abs() takes exactly 1 argument (0 given)"),
        ("random(1)", 0, "random() takes no arguments (1 given)"),
        ("randomInt(1)", 0, "randomInt() takes exactly 2 arguments (1 given)"),
        ("1 + max()", 4, "max() takes at least 1 argument (0 given)"),
        ("12abc", 0, "malformed number"),
        ("1e", 0, "malformed number"),
        ("1.", 1, "unexpected character '.'"),
        ("9" * 5000, 0, "number too long"),
        ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), MAX_DEPTH, "nested too deeply"),
        ("-" * 300 + "1", MAX_DEPTH, "nested too deeply"),
    ],
    ids=short_id,
)
def test_syntax_errors(text: str, position: int, message: str) -> None:
    error = syntax_error(text)
    assert error.position == position
    assert message in error.message
    assert str(error) == f"Query syntax error at position {position}: {error.message}"


@pytest.mark.parametrize(
    "text",
    [
        " + ".join(["1"] * (MAX_DEPTH + 2)),
        " and ".join(["true"] * (MAX_DEPTH + 2)),
        "not " * 500 + "true",
        "2 ^ " * 500 + "2",
        "a of " * 500 + "{x}",
        "true ? 1 : " * 500 + "0",
        "abs(" * 500 + "1" + ")" * 500,
    ],
    ids=short_id,
)
def test_deep_expressions_are_syntax_errors(text: str) -> None:
    assert "nested too deeply" in syntax_error(text).message


def test_nesting_within_the_limit_compiles_and_evaluates() -> None:
    depth = MAX_DEPTH // 2
    assert run("(" * depth + "1" + ")" * depth) == 1
    assert run(" + ".join(["1"] * depth)) == depth
    assert run("not " * depth + "true") is (depth % 2 == 0)


# ---------------------------------------------------------------- robustness


def _check_outcome(text: str) -> None:
    try:
        query = compile_query(text)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text), text
        return
    assert isinstance(query, Query)
    with contextlib.suppress(QueryEvalError):
        query.evaluate(TITLE)
    assert isinstance(query.matches(TITLE), bool)


def test_fuzz_random_printable_text() -> None:
    rng = random.Random(20240915)
    alphabet = string.printable + "Экшен«»"
    for _ in range(3000):
        _check_outcome("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))


def test_fuzz_random_token_soup() -> None:
    vocabulary = [
        "{season.year}", "{genres}", "{names}", "{genres[0]}", "{torrents.list[*].seeders}",
        "{missing}", "{player.playlist}", "0", "1", "2.5", "-3", "1e999", "'a+'", "'(x)'",
        "'Экшен'", "''", "true", "null", "==", "!=", "<", ">=", "~=", "in", "not", "of",
        "and", "or", "?", ":", "+", "-", "*", "/", "%", "^", "(", ")", ",", "year", "abs(",
        "max(", "len(", "round(", "randomInt(", "sqrt(", "log(",
    ]  # fmt: skip
    rng = random.Random(7)
    compiled = 0
    for _ in range(4000):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 9)))
        _check_outcome(text)
        try:
            compile_query(text)
            compiled += 1
        except QuerySyntaxError:
            pass
    # The soup is only useful if a fair share of it reaches the evaluator.
    assert compiled > 200

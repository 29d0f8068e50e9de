"""No module is in an import circle, counting every import: type-only ones under
`if TYPE_CHECKING:` and those inside functions too (they hide a circle from the interpreter,
not from the design).

The graph is read from the source with `ast`, so nothing is imported and every branch counts.
An edge goes to the module that holds the imported name: `from app.sources import http` points
at `app.sources.http`, `from app.sources.anilibria import X` at the package's `__init__`.
Parent packages that the interpreter runs on the way are not edges: they are not what the
importing module depends on.

The circle check covers the whole package; `tests/test_layers.py` holds the same graph to the
layers of ARCHITECTURE.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[1] / "app"

CHECKED = ("app",)
"""Modules (and packages, with everything under them) that must be in no import circle."""

ImportGraph = Mapping[str, frozenset[str]]
"""Module name -> the modules of the same package it imports."""


def module_names(package_dir: Path, package: str) -> dict[str, Path]:
    """Every module under `package_dir` by dotted name; a package by its own name."""
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def import_graph(package_dir: Path = APP_DIR, package: str = "app") -> ImportGraph:
    """Which modules of `package` each of its modules imports, anywhere in its source."""
    modules = module_names(package_dir, package)
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets.update(_holder(alias.name, modules) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, name, is_package=is_package)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in modules else _holder(base, modules))
        targets.discard("")
        targets.discard(name)
        graph[name] = frozenset(targets)
    return graph


def _absolute(node: ast.ImportFrom, importer: str, *, is_package: bool) -> str:
    """The absolute module name a `from … import` reads from (relative levels resolved)."""
    if node.level == 0:
        return node.module or ""
    parts = importer.split(".")
    # A package's own module is its __init__: `.` is the package itself, not its parent.
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def _holder(dotted: str, modules: Mapping[str, Path]) -> str:
    """The longest known module that `dotted` names or lies in; "" when outside the package."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return ""


@dataclass(frozen=True, order=True)
class Circle:
    """Modules that import each other, shown as one circle through them."""

    path: tuple[str, ...]
    """One circle in import order, its first module repeated at the end."""
    knot: frozenset[str] = field(compare=False)
    """Every module that reaches every other one through imports, `path`'s among them:
    breaking `path` alone may leave another circle in the knot."""

    def __str__(self) -> str:
        text = " → ".join(self.path)
        others = sorted(self.knot - set(self.path))
        if others:
            text += f"\n  (a knot of {len(self.knot)} modules; also {', '.join(others)})"
        return text


def import_circles(graph: ImportGraph, within: Iterable[str]) -> list[Circle]:
    """One circle per knot of modules that import each other and include a module named by
    `within` (a name covers everything under it)."""
    prefixes = tuple(within)

    def checked(name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    return sorted(
        Circle(_circle_through(min(knot), knot, graph), frozenset(knot))
        for knot in _strongly_connected(graph)
        if len(knot) > 1 and any(checked(name) for name in knot)
    )


def _strongly_connected(graph: ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph is deep enough to matter for recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in graph:
                    continue
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _circle_through(start: str, component: set[str], graph: ImportGraph) -> tuple[str, ...]:
    """The shortest path from `start` back to itself inside `component` (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & component):
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return (*reversed(path), start)
                if successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError(f"{start} is in no circle of {sorted(component)}")


# --------------------------------------------------------------------------------------------
# The rule


def test_no_import_circles() -> None:
    circles = import_circles(import_graph(), CHECKED)
    assert not circles, "import circles:\n" + "\n".join(map(str, circles))


def test_the_checked_modules_exist() -> None:
    """A renamed package must not leave the check looking at nothing."""
    graph = import_graph()
    for prefix in CHECKED:
        assert any(name == prefix or name.startswith(prefix + ".") for name in graph), prefix


# --------------------------------------------------------------------------------------------
# The walker itself, on a made-up package


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    files = {
        "__init__.py": "from toy.sub import thing\n",
        "a.py": (
            "from __future__ import annotations\n"
            "from typing import TYPE_CHECKING\n"
            "import os\n"
            "if TYPE_CHECKING:\n"
            "    from toy.b import B\n"
        ),
        "b.py": "def late():\n    from . import c\n    return c\n",
        "c.py": "import toy.sub.deep\nfrom .sub import deep as again\n",
        "sub/__init__.py": "thing = 1\n",
        "sub/deep.py": "from .. import a\nfrom ..sub import thing\nfrom . import *\n",
    }
    for relative, text in files.items():
        path = tmp_path / "toy" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "toy"


def test_the_graph_counts_type_only_function_level_and_relative_imports(toy: Path) -> None:
    assert import_graph(toy, "toy") == {
        "toy": frozenset({"toy.sub"}),
        "toy.a": frozenset({"toy.b"}),
        "toy.b": frozenset({"toy.c"}),
        "toy.c": frozenset({"toy.sub.deep"}),
        "toy.sub": frozenset(),
        "toy.sub.deep": frozenset({"toy.a", "toy.sub"}),
    }


def test_a_circle_is_named_in_import_order(toy: Path) -> None:
    graph = import_graph(toy, "toy")
    path = ("toy.a", "toy.b", "toy.c", "toy.sub.deep", "toy.a")
    for within in (["toy.c"], ["toy"], ["toy.sub.deep"], ["toy.sub"]):
        assert [circle.path for circle in import_circles(graph, within)] == [path], within
    assert str(import_circles(graph, ["toy"])[0]) == " → ".join(path)
    assert import_circles({**graph, "toy.sub.deep": frozenset({"toy.sub"})}, ["toy"]) == []


def test_a_knot_wider_than_its_circle_is_named_whole() -> None:
    graph = {"m.a": frozenset({"m.b"}), "m.b": frozenset({"m.a", "m.c"}), "m.c": frozenset({"m.a"})}
    (circle,) = import_circles(graph, ["m"])
    assert str(circle) == "m.a → m.b → m.a\n  (a knot of 3 modules; also m.c)"

"""Dependencies point down only (ARCHITECTURE.md): the entry points over the shell, the shell
over the screens, the screens over widgets and the UI contracts, those over the services, the
services over the sources and the store, everything over a few plain helpers. Every import
counts, type-only and function-level ones too (the graph of `tests/test_import_graph.py`)."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_graph import ImportGraph, import_graph

LAYERS: tuple[tuple[str, ...], ...] = (
    ("app.__main__", "app.cli", "app.bootstrap"),
    ("app.application", "app.controllers", "app.navigation"),
    ("app.screens",),
    ("app.widgets", "app.shell", "app.messages"),
    ("app.services",),
    ("app.sources", "app.store", "app.devserver"),
    ("app.config", "app.paths", "app.i18n", "app.formatting", "app.plaintext", "app.bencode"),
)
"""Top to bottom; a module may import its own layer's modules and any below, none above."""

DEVSERVER_USERS = ("app.bootstrap", "app.devserver")
"""The local API servers are wired in by the composition root alone (and the tests)."""


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> int:
    """The index in LAYERS of the layer `module` is in; the bare package counts as a helper."""
    if module == "app":
        return len(LAYERS) - 1
    for index, members in enumerate(LAYERS):
        if any(_within(module, member) for member in members):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def test_every_module_has_a_layer() -> None:
    for module in import_graph():
        layer_of(module)


def upward_imports(graph: ImportGraph) -> list[str]:
    """Each import of a module from a layer above the importer's, as a sentence."""
    return sorted(
        f"{importer} (layer {layer_of(importer)}) imports {imported} (layer {layer_of(imported)})"
        for importer, imports in graph.items()
        for imported in imports
        if layer_of(imported) < layer_of(importer)
    )


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = upward_imports(import_graph())
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_only_the_composition_root_imports_the_devserver() -> None:
    users = sorted(
        importer
        for importer, imports in import_graph().items()
        if any(_within(m, "app.devserver") for m in imports)
        and not any(_within(importer, allowed) for allowed in DEVSERVER_USERS)
    )
    assert not users, f"import the devserver outside the composition root: {users}"


def test_an_upward_import_is_reported() -> None:
    graph = {
        "app.screens.title": frozenset({"app.widgets.top_bar", "app.services.player"}),
        "app.widgets.top_bar": frozenset({"app.screens.base"}),
        "app.services.player": frozenset({"app.application", "app.store.history"}),
        "app.store.history": frozenset({"app.plaintext"}),
    }
    assert upward_imports(graph) == [
        "app.services.player (layer 4) imports app.application (layer 1)",
        "app.widgets.top_bar (layer 3) imports app.screens.base (layer 2)",
    ]


SHELL_MOST_LINES = 450
"""The shell routes and navigates; use-cases belong to the controllers (it once grew to 878)."""


def test_the_shell_stays_thin() -> None:
    shell = Path(__file__).resolve().parents[1] / "app" / "application.py"
    lines = len(shell.read_text(encoding="utf-8").splitlines())
    assert lines <= SHELL_MOST_LINES, f"app/application.py has {lines} lines: move use-cases out"

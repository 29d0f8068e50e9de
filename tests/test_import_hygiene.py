"""The core never imports Textual: sources, services, store and devserver stay headless; and
below the composition root (`app/bootstrap.py`) nothing imports the devserver or loads settings;
and a start imports no costly package its first frame does without.

Each module is imported in a fresh interpreter, so nothing the test runner already loaded hides
an import (after harlequin's tests/unit_tests/test_import_hygiene.py); the source is read too,
for the imports inside functions that importing a module does not run.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import app.config

ROOT = Path(__file__).resolve().parents[1]
HEADLESS_PACKAGES = ["app.sources", "app.services", "app.store", "app.devserver"]
BELOW_THE_ROOT = ["app.sources", "app.services", "app.store"]
"""Packages that get the demo servers and the settings handed in, never by import."""

_PROBE = """
import importlib, json, pkgutil, sys

forbidden = sys.argv[1]
offenders, failures, checked = [], [], []
for package_name in sys.argv[2:]:
    package = importlib.import_module(package_name)
    names = [package_name] + [
        info.name
        for info in pkgutil.walk_packages(package.__path__, package_name + ".")
        # __main__ modules run a program when imported.
        if not info.name.endswith(".__main__")
    ]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        checked.append(name)
        if forbidden in sys.modules and not offenders:
            offenders.append(name)
print(json.dumps({"checked": checked, "offenders": offenders, "failures": failures}))
"""


def probe(forbidden: str, packages: list[str]) -> dict[str, Any]:
    """Import every module of `packages` in a fresh interpreter; the first to bring in
    `forbidden` is the offender."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, forbidden, *packages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    assert not report["failures"], "modules that fail to import:\n" + "\n".join(report["failures"])
    assert not report["offenders"], f"{report['offenders'][0]} pulled in {forbidden}"
    return report


def test_headless_packages_do_not_import_textual() -> None:
    report = probe("textual", HEADLESS_PACKAGES)
    assert "app.store.db" in report["checked"]
    assert "app.services.events" in report["checked"]


def test_the_core_does_not_import_the_devserver() -> None:
    report = probe("app.devserver", BELOW_THE_ROOT)
    assert "app.services.runtime" in report["checked"]


def imported_names(tree: ast.AST) -> list[tuple[str, str | None]]:
    """(module, name) for every import in `tree`, in functions and `if TYPE_CHECKING:` too."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def test_the_core_never_imports_the_devserver_or_loads_settings_even_lazily() -> None:
    offenders = []
    for package in BELOW_THE_ROOT:
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for module, name in imported_names(tree):
                devserver = module == "app.devserver" or module.startswith("app.devserver.")
                devserver = devserver or (module == "app" and name == "devserver")
                # The Settings types and constants may be read; the loading is the root's.
                loading = module == "app.config" and inspect.isfunction(
                    getattr(app.config, name or "", None)
                )
                if devserver or loading:
                    offenders.append(f"{path.relative_to(ROOT)}: {module} {name or ''}")
    assert not offenders, "imports the composition root owns:\n" + "\n".join(offenders)


START_MODULES = ["app.cli", "app.bootstrap", "app.screens.schedule"]
"""What a start imports before its first frame (the Schedule is the first screen)."""
NOT_BEFORE_THE_FIRST_PAINT = [
    "mpv",
    "libtorrent",
    "websockets",
    "aiohttp",
    "httpx",
    "email",
    # anitui's own modules whose classes cost start-up time the first frame does without: they
    # load with the service that needs them (README, Performance).
    "app.services.player",
    "app.services.library",
    "app.services.nfo",
    "app.services.collections",
    "app.services.account_sync",
    "app.sources.account_library",
    "app.sources.aniliberty.models",
]
"""Costly packages and modules a start does without until later (README, Performance)."""


def test_a_start_imports_none_of_what_the_first_paint_does_without() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib, json, sys\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))",
            *START_MODULES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(result.stdout))
    assert [name for name in NOT_BEFORE_THE_FIRST_PAINT if name in loaded] == []


DEFAULT_API_MODULES = ["app.sources.aniliberty.client", "app.sources.aniliberty.compat"]
"""What the default API (AniLiberty v1) adds to a start, once its client is built."""


def test_the_sources_on_the_start_path_define_no_dataclass() -> None:
    # Their records are NamedTuples: a frozen dataclass costs ~0.8 ms to define (its methods
    # are compiled with `exec`) and a `object.__setattr__` per field to build (README,
    # Performance).
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import dataclasses, importlib, inspect, json, sys\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(\n"
            "    f'{name}.{cls.__qualname__}'\n"
            "    for name, module in list(sys.modules.items()) if name.startswith('app.sources')\n"
            "    for cls in vars(module).values()\n"
            "    if inspect.isclass(cls) and cls.__module__ == name\n"
            "    and dataclasses.is_dataclass(cls)\n"
            ")))",
            *START_MODULES,
            *DEFAULT_API_MODULES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == []

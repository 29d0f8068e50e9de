"""The core never imports Textual: sources, services, store and devserver stay headless.

Each module is imported in a fresh interpreter, so nothing the test runner already loaded hides
an import (after harlequin's tests/unit_tests/test_import_hygiene.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLESS_PACKAGES = ["app.sources", "app.services", "app.store", "app.devserver"]

_PROBE = """
import importlib, json, pkgutil, sys

offenders, failures, checked = [], [], []
for package_name in sys.argv[1:]:
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
        if "textual" in sys.modules and not offenders:
            offenders.append(name)
print(json.dumps({"checked": checked, "offenders": offenders, "failures": failures}))
"""


def test_headless_packages_do_not_import_textual() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *HEADLESS_PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert not report["failures"], "modules that fail to import:\n" + "\n".join(report["failures"])
    assert not report["offenders"], f"{report['offenders'][0]} pulled in textual"
    assert "app.store.db" in report["checked"]
    assert "app.services.events" in report["checked"]

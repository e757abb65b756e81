"""Helper: which heavy libraries does importing a module pull in?"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_LIBRARIES = (
    "dvc",
    "evidently",
    "fastapi",
    "matplotlib",
    "mlflow",
    "numpy",
    "pandas",
    "pandera",
    "pyarrow",
    "skops",
    "sklearn",
    "sqlalchemy",
)


def heavy_imports(modules: list[str]) -> dict[str, list[str]]:
    """Import ``modules`` one after another in a fresh interpreter.

    Return, for each module, the heavy libraries loaded so far: a module is light when its
    entry (and every earlier one) is empty.
    """
    probe = (
        "import importlib, json, sys\n"
        f"heavy = {HEAVY_LIBRARIES!r}\n"
        "loaded = {}\n"
        f"for module in {modules!r}:\n"
        "    importlib.import_module(module)\n"
        "    loaded[module] = sorted(name for name in heavy if name in sys.modules)\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)

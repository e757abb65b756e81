"""Helper: which heavy libraries does importing a module pull in?"""

from __future__ import annotations

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
    "sklearn",
    "sqlalchemy",
)


def imports_heavy_libraries(module: str) -> list[str]:
    """Import ``module`` in a fresh interpreter; return the heavy libraries it loaded."""
    probe = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"heavy = {HEAVY_LIBRARIES!r}\n"
        "print(' '.join(sorted(name for name in heavy if name in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return result.stdout.split()

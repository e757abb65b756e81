"""Helper: which heavy libraries does importing a module pull in?"""

from __future__ import annotations

import subprocess
import sys

HEAVY_LIBRARIES = (
{%- if cookiecutter.data_versioning == "dvc" %}
    "dvc",
{%- endif %}
{%- if cookiecutter.monitoring == "evidently" %}
    "evidently",
{%- endif %}
{%- if cookiecutter.serving != "none" %}
    "fastapi",
{%- endif %}
    "matplotlib",
{%- if cookiecutter.experiment_tracking == "mlflow" %}
    "mlflow",
{%- endif %}
    "numpy",
    "pandas",
{%- if cookiecutter.data_validation == "pandera" %}
    "pandera",
{%- endif %}
    "sklearn",
{%- if cookiecutter.serving != "none" %}
    "sqlalchemy",
{%- endif %}
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

"""Jinja extension of the template (cookiecutter's ``local_extensions`` convention).

Cookiecutter creates the project folder from the name ``{{cookiecutter.project_slug}}``
before the pre-generation hook can check the answers, and on a refusal it removes only
that folder. A slug such as ``x/y`` or ``../x`` would therefore create folders around it
that stay behind. :class:`SafeProjectDir` renders the folder name through
:func:`project_dir`, which keeps a valid slug as it is and turns any other value into one
folder directly inside the output directory; the hook then refuses the slug and
cookiecutter removes that folder, so a refused answer leaves nothing.
"""

from __future__ import annotations

import hashlib
import re

from jinja2 import Environment
from jinja2.ext import Extension

PROJECT_DIR = "{{cookiecutter.project_slug}}"
ONE_COMPONENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def project_dir(slug: object) -> str:
    """``slug`` if it names one folder; otherwise a fixed name derived from it."""
    text = str(slug)
    if ONE_COMPONENT.fullmatch(text):
        return text
    return f".refused-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


class SafeProjectDir(Extension):
    """Render the project folder's name through :func:`project_dir`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["project_dir"] = project_dir

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is None and source == PROJECT_DIR:
            return "{{ cookiecutter.project_slug | project_dir }}"
        return source

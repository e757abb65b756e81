"""Data versioning stage: push the data to the DVC remote and tag the version in git.

Data versions are git tags named ``<tag_prefix>X.Y.Z`` (``data-v1.0.0``, ...), as in the
reference architecture; ``DATA_VERSION=data-v1.0.0`` makes ingestion read the raw data of
that version. The command bumps the patch number by default (``--bump minor`` or ``major``).
"""

from __future__ import annotations

import logging
import re
import subprocess

from ..config import Settings
from ..errors import PipelineError

log = logging.getLogger(__name__)
PARTS = ("major", "minor", "patch")


def _git(*args: str) -> str:
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, check=True)
    except FileNotFoundError:
        raise PipelineError("git is not installed") from None
    except subprocess.CalledProcessError as error:
        detail = error.stderr.strip().splitlines()[-1] if error.stderr.strip() else error
        raise PipelineError(f"git {' '.join(args)}: {detail}") from None
    return result.stdout


def next_version(tags: list[str], prefix: str, bump: str) -> str:
    """The tag after the highest ``prefix``X.Y.Z in ``tags`` (``prefix``1.0.0 if none)."""
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)\.(\d+)\.(\d+)")
    matches = [pattern.fullmatch(tag) for tag in tags]
    versions = [tuple(map(int, match.groups())) for match in matches if match]
    if not versions:
        return f"{prefix}1.0.0"
    major, minor, patch = max(versions)
    if bump == "major":
        major, minor, patch = major + 1, 0, 0
    elif bump == "minor":
        minor, patch = minor + 1, 0
    else:
        patch += 1
    return f"{prefix}{major}.{minor}.{patch}"


def run(settings: Settings, bump: str = "patch") -> int:
    """Push to the remote and tag HEAD with the next data version; return the exit status."""
    if bump not in PARTS:
        raise PipelineError(f"--bump {bump!r}: expected one of {', '.join(PARTS)}")
    if _git("status", "--porcelain", "--", "data", "dvc.lock", "dvc.yaml").strip():
        raise PipelineError("data, dvc.yaml or dvc.lock have uncommitted changes; commit first")
    from dvc.repo import Repo

    with Repo(".") as repo:
        pushed = repo.push(remote=settings.versioning.remote)
    tag = next_version(_git("tag", "--list").split(), settings.versioning.tag_prefix, bump)
    _git("tag", "--annotate", tag, "--message", f"data version {tag}")
    log.info("pushed %s files to DVC remote %r; tagged %s", pushed, settings.versioning.remote, tag)
    return 0

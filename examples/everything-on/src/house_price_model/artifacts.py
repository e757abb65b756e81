"""Reading and writing pipeline artefacts: all-or-nothing writes, JSON files and models.

Models are stored with skops, which refuses to load any type that is not on an explicit
allow-list (unlike pickle, which runs whatever the file says). :data:`TRUSTED_TYPES` is
that list for the model that :mod:`.training` builds; a test fails when the model needs a
type that is missing from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import PipelineError

MODEL_FILE = "model.skops"
METADATA_FILE = "model.json"
# Types outside scikit-learn's and NumPy's defaults that the trained pipeline holds.
TRUSTED_TYPES = [
    "functools.partial",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
]


def clear_staging(target: Path) -> list[Path]:
    """Remove what an interrupted write of ``target`` left: ``.<name>.*`` beside it.

    A write that is killed (SIGKILL, power loss) cannot clean up after itself; the next
    write of the same target does. One pipeline writes a target at a time.
    """
    stale = sorted(target.parent.glob(f".{target.name}.*"))
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale


@contextmanager
def replacing(target: Path) -> Generator[Path]:
    """Yield a fresh folder that replaces ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clear_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = target.with_name(f".{target.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    if target.exists():
        target.rename(backup)
    staging.rename(target)
    shutil.rmtree(backup, ignore_errors=True)


@contextmanager
def replacing_file(target: Path) -> Generator[Path]:
    """Yield a temporary path beside ``target`` that replaces it only if the block succeeds,
    so readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clear_staging(target)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(descriptor)
    try:
        yield Path(temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    Path(temporary).replace(target)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all at once."""
    with replacing_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="")


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` as indented JSON, all at once."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path, what: str) -> Any:
    """Read a JSON artefact; a missing file names the stage that makes it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineError(f"{path}: not found; {what}") from None
    except json.JSONDecodeError as error:
        raise PipelineError(f"{path}: not valid JSON ({error})") from None


def file_digest(path: Path) -> str:
    """SHA-256 of a file, in hex: what tells two saved models apart."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version_label(number: str, sha256: str) -> str:
    """The version shown in logs and answers: the registry's number and the model's digest.

    Two stores can each hold a "version 1"; with the digest, a label names one model.
    """
    return f"{number}+{sha256[:12]}"


def check_trusted(model: Any) -> None:
    """Stop, with one line naming them, when ``model`` holds types that loading would refuse
    (a new model type that is not in :data:`TRUSTED_TYPES` yet)."""
    import skops.io

    found = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    untrusted = sorted(set(found) - set(TRUSTED_TYPES))
    if untrusted:
        raise PipelineError(
            "the model holds types that skops does not trust by default: "
            f"{', '.join(untrusted)}; add them to TRUSTED_TYPES in "
            f"src/{__name__.replace('.', '/')}.py"
        )


def save_model(
    directory: Path,
    model: Any,
    metadata: dict[str, Any],
    extras: Mapping[str, Callable[[Path], None]] | None = None,
) -> str:
    """Write ``model`` (skops) and its ``metadata`` (JSON) to ``directory`` all at once.

    ``extras`` maps other file names to functions that write them (other forms of the
    same model). The metadata gains ``sha256``, the digest of the model file, which is
    returned.
    """
    import skops.io

    with replacing(directory) as staging:
        skops.io.dump(model, staging / MODEL_FILE)
        for name, write in (extras or {}).items():
            write(staging / name)
        metadata["sha256"] = file_digest(staging / MODEL_FILE)
        write_json(staging / METADATA_FILE, metadata)
    return metadata["sha256"]


def copy_model(source: Path, target: Path, changes: dict[str, Any]) -> None:
    """Copy a saved model (every file of it) to ``target``, with ``changes`` to its metadata."""
    metadata = read_json(source / METADATA_FILE, "train a model first")
    with replacing(target) as staging:
        for path in source.iterdir():
            if path.is_file() and path.name != METADATA_FILE:
                shutil.copy2(path, staging / path.name)
        write_json(staging / METADATA_FILE, {**metadata, **changes})


def load_model(directory: Path) -> tuple[Any, dict[str, Any]]:
    """Load a model saved by :func:`save_model`, trusting only :data:`TRUSTED_TYPES`."""
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    metadata = read_json(directory / METADATA_FILE, "train a model first")
    path = directory / MODEL_FILE
    try:
        model = skops.io.load(path, trusted=TRUSTED_TYPES)
    except FileNotFoundError:
        raise PipelineError(f"{path}: not found; train a model first") from None
    except UntrustedTypesFoundException as error:
        raise PipelineError(
            f"{path}: holds types that are not trusted ({error}); add them to "
            "TRUSTED_TYPES in artifacts.py only if you trust where the file came from"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise PipelineError(f"{path}: damaged or not a skops model file ({reason})") from None
    return model, metadata

"""The champion a project knows from ``registry.champion_dir``, in whichever registry."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..artifacts import METADATA_FILE, load_model
from ..config import Settings


@dataclasses.dataclass(frozen=True)
class Champion:
    """A champion the project knows: where it is, its version and the model itself."""

    source: str
    version: str
    model_id: str
    model: Any


def local_champion(settings: Settings) -> Champion | None:
    """The champion in ``registry.champion_dir`` (the one in use), if there is one."""
    folder = settings.registry.champion_dir
    if not (folder / METADATA_FILE).exists():
        return None
    model, metadata = load_model(folder)
    return Champion(str(folder), str(metadata["version"]), str(metadata["id"]), model)

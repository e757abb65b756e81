"""The registry as a folder: the champion is ``registry.champion_dir``, a copy of the model
with its version number. Versions count up from 1."""

from __future__ import annotations

from typing import Any

from ..artifacts import METADATA_FILE, read_json
from ..config import Settings
from .champion import Champion, local_champion


def known_champions(settings: Settings) -> list[Champion]:
    """Every champion the challenger must beat: here, the one in ``registry.champion_dir``."""
    local = local_champion(settings)
    return [] if local is None else [local]


def register(settings: Settings, metadata: dict[str, Any]) -> str:
    """The next version number; the registry stage then copies the model into the folder."""
    del metadata
    champion = settings.registry.champion_dir / METADATA_FILE
    current = read_json(champion, "no champion") if champion.exists() else {}
    return str(int(current.get("registry_version", 0)) + 1)

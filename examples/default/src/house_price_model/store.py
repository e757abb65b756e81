"""The artefact store: where the working files live between commands when no disk is shared.

With ``store.url: none`` (the default) every command reads and writes the working folder
only, as on a laptop. With ``store.url`` an object-store folder (``s3://bucket/prefix``)
or a folder on a mounted file system, the store holds the working files and the working
folder is scratch: before a command runs, the files it reads (its ``Command.reads``) are
fetched from the store; when it returns, the files it writes (``Command.writes``) are
sent back. So each command can run in a pod of its own, on any node, with an ``emptyDir``
for a working folder.

The names in ``reads`` and ``writes`` are settings (``registry.champion_dir``); one whose
section or key this project does not have (a component left out) is skipped, and so is a
value that is a URL rather than a file (``models:/<name>@champion``). A command that raises
sends nothing back, so the store keeps the last good files. Each file is one object: a
folder is sent file by file, its ``model.json`` last, then the objects it no longer has are
deleted. S3 credentials and endpoint come from boto3's own settings
(``AWS_SHARED_CREDENTIALS_FILE``, ``AWS_ENDPOINT_URL``, ...).
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Generator, Iterable
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from .artifacts import METADATA_FILE, replacing, replacing_file
from .errors import PipelineError

log = logging.getLogger(__name__)
NO_STORE = "none"


def working_paths(settings: Any, names: Iterable[str]) -> list[Path]:
    """The local paths that the settings ``names`` give, relative to the working folder;
    names this project lacks and values that are URLs are left out."""
    found: list[Path] = []
    for name in names:
        value: Any = settings
        for part in name.split("."):
            value = getattr(value, part, None)
        if value is None or ":/" in str(value):
            continue
        path = Path(value)
        if path.is_absolute():
            try:
                path = path.relative_to(Path.cwd())
            except ValueError:
                raise PipelineError(
                    f"{name}: {path} is outside the working folder, so the store cannot hold it"
                ) from None
        if not any(path == other or other in path.parents for other in found):
            found = [other for other in found if path not in other.parents] + [path]
    return found


class Folder:
    """A store in a folder: a shared file system, or a test's stand-in for a bucket."""

    def __init__(self, root: str) -> None:
        self.root = Path(root.removeprefix("file://"))

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if base.is_file():
            return [prefix]
        return sorted(
            path.relative_to(self.root).as_posix() for path in base.rglob("*") if path.is_file()
        )

    def get(self, key: str, target: Path) -> None:
        shutil.copyfile(self.root / key, target)

    def put(self, source: Path, key: str) -> None:
        with replacing_file(self.root / key) as temporary:
            shutil.copyfile(source, temporary)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            (self.root / key).unlink(missing_ok=True)


class Bucket:
    """A store in S3 or any S3 API (MinIO, Ceph, ...): ``s3://bucket/prefix``."""

    def __init__(self, url: str) -> None:
        import boto3

        self.bucket, _, self.root = url.removeprefix("s3://").partition("/")
        self.root = self.root.strip("/")
        self.client = boto3.client("s3")

    def _key(self, key: str) -> str:
        return f"{self.root}/{key}" if self.root else key

    def keys(self, prefix: str) -> list[str]:
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix)
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"].removeprefix(f"{self.root}/" if self.root else "")
                if key == prefix or key.startswith(f"{prefix}/"):
                    found.append(key)
        return sorted(found)

    def get(self, key: str, target: Path) -> None:
        self.client.download_file(self.bucket, self._key(key), str(target))

    def put(self, source: Path, key: str) -> None:
        self.client.upload_file(str(source), self.bucket, self._key(key))

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            objects = [{"Key": self._key(key)} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})


def _errors() -> tuple[type[Exception], ...]:
    """What a store raises when it cannot be reached or refuses (boto3's only if loaded)."""
    found: list[type[Exception]] = [OSError]
    if exceptions := sys.modules.get("botocore.exceptions"):
        found += [exceptions.BotoCoreError, exceptions.ClientError]
    return tuple(found)


@contextmanager
def _opened(url: str) -> Generator[Folder | Bucket]:
    """The store ``url`` names; what it raises becomes one PipelineError naming it."""
    try:
        yield Bucket(url) if url.startswith("s3://") else Folder(url)
    except _errors() as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PipelineError(f"store {url}: {reason}") from None


def fetch(settings: Any, names: Iterable[str]) -> None:
    """Replace each of the working paths ``names`` give with the store's copy, if it has one."""
    url = settings.store.url
    paths = working_paths(settings, names)
    if url == NO_STORE or not paths:
        return
    with _opened(url) as store:
        for path in paths:
            keys = store.keys(path.as_posix())
            if not keys:
                log.info("store %s has no %s yet", url, path)
            elif keys == [path.as_posix()]:
                with replacing_file(path) as temporary:
                    store.get(keys[0], temporary)
            else:
                with replacing(path) as staging:
                    for key in keys:
                        target = staging / PurePosixPath(key).relative_to(path.as_posix())
                        target.parent.mkdir(parents=True, exist_ok=True)
                        store.get(key, target)
                log.info("fetched %s (%d files) from %s", path, len(keys), url)


def send(settings: Any, names: Iterable[str]) -> None:
    """Copy each of the working paths ``names`` give to the store, replacing its copy."""
    url = settings.store.url
    paths = [path for path in working_paths(settings, names) if path.exists()]
    if url == NO_STORE or not paths:
        return
    with _opened(url) as store:
        for path in paths:
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            # The metadata last: a reader that finds a model's new model.json finds its files.
            files.sort(key=lambda file: (file.name == METADATA_FILE, file.as_posix()))
            keys = [file.as_posix() for file in files]
            stale = sorted(set(store.keys(path.as_posix())) - set(keys))
            for file, key in zip(files, keys, strict=True):
                store.put(file, key)
            store.delete(stale)
            log.info("sent %s (%d files) to %s", path, len(files), url)

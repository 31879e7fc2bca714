"""Where uploaded bytes live: the ``Storage`` protocol every back-end implements, and the
default back-end, a folder on this server.

:mod:`coprod_portal.files` decides what is stored and who may read it; a back-end only keeps
bytes under keys (file ids). The S3-compatible back-end (:mod:`coprod_portal.s3storage`) and an
organisation's own (``COPROD_FILES_STORAGE=package.module:factory``) implement the same protocol.
This module imports nothing of the portal's, so back-ends and ``files`` can all depend on it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

CHUNK = 64 * 1024
KEY = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # a file id: never a path, never a name someone typed


class StorageUnavailable(RuntimeError):
    """The storage cannot be reached just now (an object store down or out of reach); nothing
    was stored or read. Uploads are refused with a message, downloads answer 503."""


def check_key(key: str) -> str:
    """``key`` when it can be a storage key (a file id), else ValueError: a key never becomes a
    path outside the storage's folder, nor carries a name someone typed."""
    if not isinstance(key, str) or not KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    """Where the bytes live. Keys are file ids; an object store can replace the local folder.

    Any method may raise :class:`StorageUnavailable` when the storage cannot be reached.
    """

    def save(self, key: str, stream: IO[bytes]) -> None:
        """Store the whole of ``stream`` (read from its current position) under ``key``."""

    def open(self, key: str) -> IO[bytes]:
        """A binary stream of what was stored; raises FileNotFoundError when there is none."""

    def delete(self, key: str) -> None:
        """Remove what is stored under ``key``; nothing happens when there is nothing."""

    def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""

    def keys(self) -> Iterable[tuple[str, datetime]]:
        """Every stored key with the time it was stored (timezone-aware): the nightly job
        compares them with the records to find bytes nobody can reach any more."""


class LocalStorage:
    """Files in a local folder (``COPROD_FILES_DIR``, default ``instance/files``), two levels deep."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)[:2] / key

    def save(self, key: str, stream: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
            os.chmod(draft, 0o600)
            os.replace(draft, path)  # atomic: a reader never sees half a file
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            for path in folder.iterdir():
                if KEY.match(path.name) and path.name[:2] == folder.name:  # not drafts (.upload-*)
                    try:
                        stored = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    except FileNotFoundError:  # deleted meanwhile
                        continue
                    yield path.name, stored

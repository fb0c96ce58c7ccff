"""Where photo files live. One interface; local disk by default (UPLOAD_DIR, outside static/)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def path(self, key: str) -> Path: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def all_keys(self) -> list[str]: ...
    def modified(self, key: str) -> float: ...
    def healthy(self) -> bool: ...


class LocalStorage:
    """Files under one root; writes go to a temp file then an atomic rename (no half files)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"the folder {self.root}"

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key escapes the storage root")
        return path

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def modified(self, key: str) -> float:
        """When the file was last written (seconds since the epoch)."""
        return self.path(key).stat().st_mtime

    def healthy(self) -> bool:
        """The root exists (or can be made) and this process may write into it."""
        self.root.mkdir(parents=True, exist_ok=True)
        return os.access(self.root, os.W_OK | os.X_OK)

    def all_keys(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())


def storage() -> Storage:
    """The app's photo storage."""
    return LocalStorage(current_app.config["UPLOAD_DIR"])

"""Where photo files live. One interface, two backends chosen by PHOTO_STORAGE: local disk
(UPLOAD_DIR, outside static/; the default) or an S3-compatible bucket (AWS S3, Aliyun OSS,
Tencent COS, MinIO), so that several app hosts share one set of photos."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, current_app

from webapp import clock

WRITTEN = "written-at"  # when the app wrote an object, by its own clock (S3 metadata)


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def all_keys(self) -> list[str]: ...
    def modified(self, key: str) -> float: ...
    def healthy(self) -> bool: ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError("key escapes the storage root")
    return key


class LocalStorage:
    """Files under one root; writes go to a temp file then an atomic rename (no half files)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"the folder {self.root}"

    def path(self, key: str) -> Path:
        path = (self.root / _check_key(key)).resolve()
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
            written = clock.now().timestamp()  # the app's clock, as for every other time here
            os.utime(target, (written, written))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

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
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.startswith(".upload-")
        )


class S3Storage:
    """Objects in one bucket under an optional prefix, through boto3 (any S3-compatible service:
    the endpoint URL and region say which). Objects are private: the app serves them itself,
    after the access check."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def __repr__(self) -> str:
        return f"the bucket {self.bucket}/{self.prefix}"

    def _name(self, key: str) -> str:
        return self.prefix + _check_key(key)

    def put(self, key: str, data: bytes) -> None:
        # One PUT: the object appears whole or not at all.
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ContentType="image/jpeg",
            Metadata={WRITTEN: f"{clock.now().timestamp():.3f}"},
        )

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return answer["Body"].read()

    def _head(self, key: str):
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def modified(self, key: str) -> float:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        written = head.get("Metadata", {}).get(WRITTEN)
        return float(written) if written else head["LastModified"].timestamp()

    def healthy(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError):
            return False
        return True

    def all_keys(self) -> list[str]:
        keys = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            keys.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        return sorted(keys)


def _make(app: Flask) -> Storage:
    kind = app.config["PHOTO_STORAGE"]
    if kind == "local":
        return LocalStorage(app.config["UPLOAD_DIR"])
    if kind == "s3":
        bucket = app.config.get("S3_BUCKET")
        if not bucket:
            raise RuntimeError("PHOTO_STORAGE=s3 needs S3_BUCKET")
        client = boto3.client(
            "s3",
            endpoint_url=app.config.get("S3_ENDPOINT_URL") or None,
            region_name=app.config.get("S3_REGION") or None,
            # Bounded waits: a slow bucket must not hold a worker for minutes.
            config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 3}),
        )
        return S3Storage(client, bucket, app.config.get("S3_PREFIX", ""))
    raise RuntimeError(f"PHOTO_STORAGE must be local or s3, not {kind!r}")


def init_app(app: Flask) -> None:
    """Choose the backend once, when the app is made (a wrong setting fails at start-up)."""
    app.extensions["photo_storage"] = _make(app)


def storage() -> Storage:
    """The app's photo storage."""
    return current_app.extensions["photo_storage"]

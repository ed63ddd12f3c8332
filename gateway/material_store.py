"""The blob store for application materials: filesystem by default, S3-compatible for several hosts, encrypted always."""
from __future__ import annotations

import logging
import os
import re
import tempfile
import urllib.parse
from pathlib import Path

from gateway.secrets_at_rest import seal, unseal

logger = logging.getLogger(__name__)

KEY = re.compile(r"^[a-z0-9][a-z0-9_./-]{0,199}$")


class BlobMissing(KeyError):
    """No blob under that key."""


def _check(key: str) -> str:
    if not KEY.match(key) or ".." in key:
        raise ValueError("a blob key is lower-case letters, digits and _ . / - (no '..')")
    return key


class BlobStore:
    """Plain bytes by key. Implementations: FilesystemBlobStore, S3BlobStore; EncryptedBlobStore wraps either."""

    def put(self, key: str, data: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def get(self, key: str) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def exists(self, key: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def delete(self, key: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def keys(self, prefix: str = "") -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError


class FilesystemBlobStore(BlobStore):
    """One file per key under a folder (mode 0700); each write lands whole or not at all (temporary file, rename)."""

    def __init__(self, root: Path):
        self.root = Path(root)  # made on the first write: a gateway that never receives a material makes no folder

    def _path(self, key: str) -> Path:
        return self.root / _check(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> list[str]:
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(".part-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        return sorted(found)


class S3BlobStore(BlobStore):
    """An S3-compatible bucket (MinIO, Ceph RGW, a cloud's object storage) through boto3; credentials the usual way."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str = "us-east-1"):
        import boto3

        self.bucket = bucket
        self._s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def put(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=_check(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=_check(key))["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            raise BlobMissing(key) from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._s3.head_object(Bucket=self.bucket, Key=_check(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=_check(key))

    def keys(self, prefix: str = "") -> list[str]:
        found = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)


class EncryptedBlobStore(BlobStore):
    """AES-GCM over another store (gateway.secrets_at_rest), the key bound in: a blob cannot be moved to another."""

    def __init__(self, inner: BlobStore):
        self.inner = inner

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, seal(data, f"material:{_check(key)}"))

    def get(self, key: str) -> bytes:
        return unseal(self.inner.get(key), f"material:{_check(key)}")

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def keys(self, prefix: str = "") -> list[str]:
        return self.inner.keys(prefix)


def open_store(spec: str | None, default_root: Path) -> EncryptedBlobStore:
    """A folder path, or s3://bucket?endpoint=URL; always encrypted."""
    if spec and spec.startswith("s3://"):
        parsed = urllib.parse.urlsplit(spec)
        endpoint = urllib.parse.parse_qs(parsed.query).get("endpoint", [None])[0]
        return EncryptedBlobStore(S3BlobStore(parsed.netloc, endpoint))
    return EncryptedBlobStore(FilesystemBlobStore(Path(spec) if spec else default_root))

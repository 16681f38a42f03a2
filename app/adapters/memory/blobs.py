"""An object store in memory, with ETags like S3's (MD5 of the content)."""

from __future__ import annotations

import hashlib

from app.ports.blobs import BlobInfo


class MemoryBlobStore:
    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}

    def ensure_bucket(self) -> None:
        return None

    def _info(self, key: str) -> BlobInfo:
        data = self._objects[key]
        return BlobInfo(key, hashlib.md5(data, usedforsecurity=False).hexdigest(), len(data))

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> BlobInfo:
        self._objects[key] = bytes(data)
        return self._info(key)

    def get(self, key: str) -> bytes:
        if key not in self._objects:
            raise KeyError(key)
        return self._objects[key]

    def stat(self, key: str) -> BlobInfo | None:
        return self._info(key) if key in self._objects else None

    def list(self, prefix: str = "") -> list[BlobInfo]:
        return [self._info(k) for k in sorted(self._objects) if k.startswith(prefix)]

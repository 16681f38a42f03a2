"""Object storage (MinIO / S3): where knowledge documents and the built index live."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    etag: str
    size: int


class BlobStore(Protocol):
    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        ...

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> BlobInfo: ...

    def get(self, key: str) -> bytes:
        """Raises ``KeyError`` when there is no such object."""
        ...

    def stat(self, key: str) -> BlobInfo | None:
        """The object's ETag and size, or None when it does not exist."""
        ...

    def list(self, prefix: str = "") -> list[BlobInfo]:
        """Every object under ``prefix``, recursively, sorted by key."""
        ...

"""The BlobStore port on MinIO: where knowledge documents and the published index live.

The ``minio`` package is imported on the first request, not with this module: importing it
costs about 0.15 s of CPU (its admin client, argon2, cffi), and most ``process`` runs find the
knowledge index fresh in their local cache and make no request at all.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from app.domain.errors import ConversaError
from app.ports.blobs import BlobInfo

if TYPE_CHECKING:
    from minio import Minio
    from minio.error import S3Error

MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}


class BlobStoreError(ConversaError):
    """The object store refused or failed a request."""


def _s3_error() -> type[S3Error]:
    """MinIO's error class, for ``except``: evaluated only when a request raised, by which time
    the package is imported."""
    from minio.error import S3Error

    return S3Error


def _etag(value: str | None) -> str:
    return (value or "").strip('"')


class MinioBlobStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
    ) -> None:
        self._endpoint, self._secure, self._region = endpoint, secure, region
        self._keys = (access_key, secret_key)
        self._minio: Minio | None = None
        self._bucket = bucket
        self._where = f"s3://{bucket} at {endpoint}"

    @property
    def _client(self) -> Minio:
        if self._minio is None:
            from minio import Minio

            access_key, secret_key = self._keys
            self._minio = Minio(
                self._endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=self._secure,
                region=self._region,
            )
        return self._minio

    def _fail(self, action: str, error: S3Error) -> BlobStoreError:
        return BlobStoreError(f"{action} on {self._where} failed: {error.code}: {error.message}")

    def ensure_bucket(self) -> None:
        try:
            if not self._client.bucket_exists(self._bucket):
                self._client.make_bucket(self._bucket)
        except _s3_error() as error:
            if error.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise self._fail("creating the bucket", error) from None

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> BlobInfo:
        try:
            result = self._client.put_object(
                self._bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                part_size=10 * 1024 * 1024,
            )
        except _s3_error() as error:
            raise self._fail(f"writing {key}", error) from None
        return BlobInfo(key, _etag(result.etag), len(data))

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(self._bucket, key)
        except _s3_error() as error:
            if error.code in MISSING:
                raise KeyError(key) from None
            raise self._fail(f"reading {key}", error) from None
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def stat(self, key: str) -> BlobInfo | None:
        try:
            info = self._client.stat_object(self._bucket, key)
        except _s3_error() as error:
            if error.code in MISSING:
                return None
            raise self._fail(f"reading {key}", error) from None
        return BlobInfo(key, _etag(info.etag), int(info.size or 0))

    def list(self, prefix: str = "") -> list[BlobInfo]:
        try:
            objects = self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
            found = [BlobInfo(o.object_name or "", _etag(o.etag), int(o.size or 0)) for o in objects]
        except _s3_error() as error:
            raise self._fail(f"listing {prefix!r}", error) from None
        return sorted(found, key=lambda info: info.key)

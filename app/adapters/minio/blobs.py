"""The BlobStore port on MinIO: where knowledge documents and the published index live."""

from __future__ import annotations

import io

from minio import Minio
from minio.error import S3Error

from app.domain.errors import ConversaError
from app.ports.blobs import BlobInfo

MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}


class BlobStoreError(ConversaError):
    """The object store refused or failed a request."""


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
        self._client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        self._bucket = bucket
        self._where = f"s3://{bucket} at {endpoint}"

    def _fail(self, action: str, error: S3Error) -> BlobStoreError:
        return BlobStoreError(f"{action} on {self._where} failed: {error.code}: {error.message}")

    def ensure_bucket(self) -> None:
        try:
            if not self._client.bucket_exists(self._bucket):
                self._client.make_bucket(self._bucket)
        except S3Error as error:
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
        except S3Error as error:
            raise self._fail(f"writing {key}", error) from None
        return BlobInfo(key, _etag(result.etag), len(data))

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(self._bucket, key)
        except S3Error as error:
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
        except S3Error as error:
            if error.code in MISSING:
                return None
            raise self._fail(f"reading {key}", error) from None
        return BlobInfo(key, _etag(info.etag), int(info.size or 0))

    def list(self, prefix: str = "") -> list[BlobInfo]:
        try:
            objects = self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
            found = [BlobInfo(o.object_name or "", _etag(o.etag), int(o.size or 0)) for o in objects]
        except S3Error as error:
            raise self._fail(f"listing {prefix!r}", error) from None
        return sorted(found, key=lambda info: info.key)

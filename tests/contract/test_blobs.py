"""The object store contract: put/get/stat/list, ETags that change with the content."""

from __future__ import annotations

import uuid

import pytest

from app.ports.blobs import BlobStore


def test_put_get_stat_round_trip(blob_store: BlobStore) -> None:
    blob_store.ensure_bucket()
    blob_store.ensure_bucket()  # idempotent
    key = f"t/{uuid.uuid4().hex}/faq.md"
    info = blob_store.put(key, "Olá, pão".encode(), "text/markdown")
    assert info.key == key and info.size == len("Olá, pão".encode()) and info.etag
    assert blob_store.get(key) == "Olá, pão".encode()
    assert blob_store.stat(key) == info


def test_etag_changes_with_content_only(blob_store: BlobStore) -> None:
    blob_store.ensure_bucket()
    key = f"t/{uuid.uuid4().hex}"
    first = blob_store.put(key, b"one")
    assert blob_store.put(key, b"one").etag == first.etag
    assert blob_store.put(key, b"two").etag != first.etag


def test_missing_objects(blob_store: BlobStore) -> None:
    blob_store.ensure_bucket()
    key = f"missing/{uuid.uuid4().hex}"
    assert blob_store.stat(key) is None
    with pytest.raises(KeyError):
        blob_store.get(key)


def test_list_a_prefix_recursively_sorted(blob_store: BlobStore) -> None:
    blob_store.ensure_bucket()
    base = f"docs-{uuid.uuid4().hex}/"
    for name in ("b.md", "a.md", "sub/c.pdf"):
        blob_store.put(base + name, name.encode())
    blob_store.put(f"other-{uuid.uuid4().hex}/x.md", b"x")
    assert [i.key for i in blob_store.list(base)] == [base + "a.md", base + "b.md", base + "sub/c.pdf"]


def test_large_objects_survive(blob_store: BlobStore) -> None:
    blob_store.ensure_bucket()
    key = f"big/{uuid.uuid4().hex}"
    data = bytes(range(256)) * 40_000  # ~10 MB, multipart on S3
    blob_store.put(key, data)
    assert blob_store.get(key) == data

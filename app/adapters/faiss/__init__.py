"""The knowledge index: faiss-cpu vectors published to the blob store, never as pickle.

Layout under a prefix (``index/current/``): ``index.faiss`` (``faiss.serialize_index``
bytes), ``chunks.json`` (the passages) and ``manifest.json`` (embedding model, dimension,
chunk count, sha256 of both files). The manifest is written last: readers key their cache
on its ETag and verify both checksums, so a half-published or tampered index is refused.
"""

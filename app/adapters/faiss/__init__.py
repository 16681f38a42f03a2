"""The knowledge index: faiss-cpu vectors published to the blob store, never as pickle.

Layout under a prefix (``index/current/``): ``index.faiss`` (``faiss.serialize_index``
bytes), ``chunks.json`` (the passages, one per line), ``lexical.npz`` (the BM25 postings as
numpy arrays, with each passage's byte range) and ``manifest.json`` (embedding model,
dimension, chunk count, analyzer version, sha256 of every file). The manifest is written last:
readers key their cache on its ETag and verify every checksum, so a half-published or tampered
index is refused.
"""

from app.adapters.retrieval.threads import passive_openmp

passive_openmp()  # before any module of this package imports faiss

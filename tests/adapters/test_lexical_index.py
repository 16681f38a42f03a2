"""The lexical index (app/adapters/retrieval/lexical_index.py): BM25 with prefix variants,
synonyms and coverage over numpy postings, checked against a plain reading of the formulas, and
saved and loaded as arrays (no pickle)."""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.adapters.memory.knowledge import KeywordKnowledgeBase
from app.adapters.retrieval.lexical_index import PREFIX_WEIGHT, SUBWORD_WEIGHT, SYNONYM_WEIGHT, LexicalIndex
from app.adapters.retrieval.synonyms import Synonyms

WORDS = ["entreg", "entregador", "pix", "cart", "cartao", "hor", "horari", "bol", "pao", "caf", "ab"]


def reference(documents: list[list[str]], query: list[str]) -> tuple[dict[int, float], dict[int, float]]:
    """BM25 and coverage per document, term by term, without synonyms: the formulas as written."""
    docs = [Counter(d) for d in documents]
    n, lengths = len(docs), [max(sum(d.values()), 1) for d in docs]
    average = sum(lengths) / n
    df = Counter(t for d in docs for t in d)

    def idf(t: str) -> float:
        return math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))

    def variants(term: str) -> list[tuple[str, float]]:
        found = [(term, 1.0)] if term in df else []
        if len(term) >= 3:
            found += [
                (t, PREFIX_WEIGHT)
                for t in df
                if t != term and len(t) >= 3 and (t.startswith(term) or term.startswith(t))
            ]
        return found

    scores: dict[int, float] = {}
    covered: dict[int, float] = {}
    terms = set(query)
    total = sum(idf(t) if t in df else math.log(1 + (n + 0.5) / 0.5) for t in terms)
    for term in terms:
        weight_of = idf(term) if term in df else math.log(1 + (n + 0.5) / 0.5)
        for i, d in enumerate(docs):
            best, matched = 0.0, 0.0
            for t, w in variants(term):
                if t in d:
                    norm = d[t] + 1.2 * (1 - 0.75 + 0.75 * lengths[i] / average)
                    best = max(best, w * idf(t) * d[t] * 2.2 / norm)
                    matched = max(matched, w)
            if matched:
                scores[i] = scores.get(i, 0.0) + best
                covered[i] = covered.get(i, 0.0) + weight_of * matched / total
    return scores, covered


@pytest.mark.parametrize("seed", range(20))
def test_scores_and_coverage_follow_the_formulas(seed: int) -> None:
    rng = random.Random(seed)
    documents = [[rng.choice(WORDS) for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(1, 30))]
    query = [rng.choice([*WORDS, "desconhecid"]) for _ in range(rng.randint(1, 4))]
    index = LexicalIndex.build(documents)
    scores, covered = reference(documents, query)
    found = index.match(query)
    assert found.ids.tolist() == sorted(scores)
    assert found.bm25.tolist() == pytest.approx([scores[i] for i in sorted(scores)])
    assert found.coverage.tolist() == pytest.approx([covered[i] for i in sorted(scores)])


def test_saved_and_loaded_it_answers_the_same_without_pickle() -> None:
    documents = [["entreg", "pix"], ["cart", "cartao", "pix"], ["animal", "estim"], []]
    synonyms = Synonyms.from_text("pet, animal de estimação")
    built = LexicalIndex.build(documents, synonyms)
    data = built.to_bytes()
    assert not data.startswith(b"\x80")  # a zip of .npy arrays, not a pickle
    loaded, extra = LexicalIndex.from_bytes(data, synonyms)
    assert extra == {} and len(loaded) == 4
    for query in (["pix"], ["cart"], ["pet"], ["entreg", "pix", "nad"]):
        assert loaded.scores(query) == built.scores(query)
    assert loaded.coverage(["pet"], 2) == SYNONYM_WEIGHT


def test_a_term_found_inside_a_longer_one_counts_as_sub_word_evidence() -> None:
    index = LexicalIndex.build([["envenen", "vomit"], ["pix"], ["acident"]])
    assert index.coverage(["venen"], 0) == SUBWORD_WEIGHT  # "veneno" inside "envenenamento"
    assert index.scores(["dent"]) == {}  # shorter than SUBWORD_MIN: "dent" is not in "acidente"
    assert index.scores(["venenoso"]) == {}  # the longer word is not inside the shorter one


def test_a_term_is_known_by_itself_a_variant_or_a_synonym() -> None:
    synonyms = Synonyms.from_text("pet, animal de estimação\ngato, felino")
    index = LexicalIndex.build([["animal", "estim"], ["horari"], ["envenen"], ["felin"]], synonyms)
    assert index.knows("horari") and index.knows("hor")  # itself, and a longer stem it begins
    assert index.knows("venen")  # inside a longer term
    assert index.knows("pet")  # "animal de estimação", every word of it in one passage
    assert index.knows("gat")  # a one-word synonym
    assert not index.knows("pizz") and not LexicalIndex.build([]).knows("pet")


def test_an_empty_index_and_an_empty_question_find_nothing() -> None:
    empty = LexicalIndex.build([])
    assert empty.scores(["pix"]) == {} and len(LexicalIndex.from_bytes(empty.to_bytes())[0]) == 0
    assert LexicalIndex.build([["pix"]]).scores([]) == {}


def test_the_keyword_index_of_a_folder_is_cached_by_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = tmp_path / "docs", tmp_path / "cache"
    folder.mkdir()
    (folder / "faq.md").write_text("# Pagamento\nAceitamos Pix.\n\n# Entrega\nEntregamos no bairro.\n")
    first = KeywordKnowledgeBase.from_folder(folder, cache_dir=cache)
    assert first.search("aceita pix?", 1)[0].title == "Pagamento"
    assert len(list(cache.iterdir())) == 1

    def no_build(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the index was rebuilt for content already cached")

    with monkeypatch.context() as patch:
        patch.setattr(LexicalIndex, "build", no_build)
        again = KeywordKnowledgeBase.from_folder(folder, cache_dir=cache)
        assert again.search("entregam?", 2) == first.search("entregam?", 2)
    (folder / "faq.md").write_text("# Parcelamento\nParcelamos em 3 vezes.\n")
    changed = KeywordKnowledgeBase.from_folder(folder, cache_dir=cache)
    assert changed.search("parcela?", 1)[0].title == "Parcelamento" and len(list(cache.iterdir())) == 2

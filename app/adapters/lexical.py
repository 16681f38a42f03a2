"""Portuguese-aware lexical search shared by the keyword and the hybrid knowledge bases.

The analyzer folds case and accents ("Horário" → "horario"), drops Portuguese stop words
(and the WhatsApp spellings "vc", "pra", "tá"…), and stems with the Snowball Portuguese
stemmer ("entregas", "entregam" → "entreg"). :class:`BM25` scores passages on those terms and
says how much of a question a passage covers (the idf-weighted share of the question's terms
it contains), the lexical evidence the calibrations use.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer

from app.domain.text import fold

# Folded (no accents). Function words, question words and the chat filler that carry no topic.
STOPWORDS = frozenset(
    """a o as os um uma uns umas de do da dos das no na nos nas num numa em por pelo pela pelos
    pelas para pra pro pras pros p com sem e ou nem mas que q se eu tu voce voces vc vcs ce oce
    ele ela eles elas me te lhe lhes nos vos meu minha meus minhas seu sua seus suas teu tua
    nosso nossa nossos nossas dele dela deles delas ao aos qual quais quando onde como porque
    pq por que ja tem tens ter tenho temos tinha ha isso isto esse essa esses essas este esta
    estes estas aquele aquela aquilo estao estou esta ta tao to sao ser sou era foi vai vou
    gostaria queria quero saber sabe poderia pode podem posso sobre favor oi ola ei opa bom boa
    dia tarde noite obrigado obrigada obg vlw valeu entao mais muito muita tambem tb tbm la aqui
    ai ali so ne eh ah la isso sim nao n quem fazer faz fazem fazendo alguma algum algo coisa
    aqui hoje agora mesmo tudo todo toda todos todas ainda gente ate""".split()
)

MIN_PREFIX = 3  # shortest stem matched by prefix
PREFIX_WEIGHT = 0.7  # a prefix match counts this much of an exact one
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Diminutives say nothing about the topic: "pãozinho" is "pão", "salgadinhos" are "salgados".
_DIMINUTIVE = re.compile(r"(?:(?<=[a-z]{3})zinh|(?<=[a-z]{5})inh)([oa]s?)$")


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("portuguese")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    stem: str = _stemmer().stemWord(word)
    return stem


def _words(text: str) -> list[str]:
    words = []
    for token in _WORD.findall(fold(text)):
        parts = token.split("-")
        words.extend(parts)
        if len(parts) > 1:
            words.append("".join(parts))  # "wi-fi" is also "wifi", "e-mail" also "email"
    return words


def _root(word: str) -> str:
    return _stem(_DIMINUTIVE.sub(r"\1", word))


def analyze(text: str) -> list[str]:
    """Folded, stop-word-free, stemmed terms of ``text``, in order."""
    return [_root(w) for w in _words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


class BM25:
    """Okapi BM25 over analysed documents (each a list of terms)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._docs = [Counter(d) for d in documents]
        self._lengths = [sum(d.values()) or 1 for d in self._docs]
        n = len(self._docs)
        self._avg = sum(self._lengths) / max(n, 1)
        df = Counter(t for d in self._docs for t in d)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)  # a term no document has: the rarest
        self._postings: dict[str, list[int]] = {}
        for i, d in enumerate(self._docs):
            for t in d:
                self._postings.setdefault(t, []).append(i)
        self._k1, self._b = k1, b

    def __len__(self) -> int:
        return len(self._docs)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    @lru_cache(maxsize=4096)  # noqa: B019 - one index per process, a handful of terms per question
    def variants(self, term: str) -> tuple[tuple[str, float], ...]:
        """The index's terms that ``term`` matches, with a weight: itself (1) and stems one is a
        prefix of (``PREFIX_WEIGHT``), which the stemmer leaves apart: "hor"(as) and
        "horari"(o), "abrem" and "abr"(imos)."""
        found = [(term, 1.0)] if term in self._idf else []
        if len(term) >= MIN_PREFIX:
            found += [
                (t, PREFIX_WEIGHT)
                for t in self._idf
                if t != term and len(t) >= MIN_PREFIX and (t.startswith(term) or term.startswith(t))
            ]
        return tuple(found)

    def _matches(self, term: str, index: int) -> float:
        return max((w for t, w in self.variants(term) if t in self._docs[index]), default=0.0)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """BM25 score of every document holding at least one of the query's terms (or a variant)."""
        scored: dict[int, float] = {}
        for q in set(query):
            best: dict[int, float] = {}
            for t, weight in self.variants(q):
                for i in self._postings.get(t, ()):
                    tf = self._docs[i][t]
                    norm = tf + self._k1 * (1 - self._b + self._b * self._lengths[i] / self._avg)
                    best[i] = max(best.get(i, 0.0), weight * self._idf[t] * tf * (self._k1 + 1) / norm)
            for i, score in best.items():
                scored[i] = scored.get(i, 0.0) + score
        return scored

    def coverage(self, query: Sequence[str], index: int) -> float:
        """The idf-weighted share of the query's terms that document ``index`` contains, in [0, 1]."""
        terms = set(query)
        total = sum(self.idf(t) for t in terms)
        if total <= 0:
            return 0.0
        return sum(self.idf(t) * self._matches(t, index) for t in terms) / total

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
from collections.abc import Callable, Mapping, Sequence
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
    aqui hoje agora mesmo tudo todo toda todos todas ainda gente ate
    quanto quanta quantos quantas qnto qnt qto hj mt mto oq oque enqto enquanto""".split()
)
# Verbs that frame a customer's question without naming its topic: in "aceita pet?", "onde
# fica a padaria?" or "vocês vendem pizza?" the topic is the noun, and matching the verb would
# send the question to whichever section happens to say "aceitamos", "fica" or "vendemos".
FRAMING_VERBS = frozenset(
    """aceita aceitam aceitar aceito aceitamos fica ficam ficar ficamos vende vendem vender
    vendo vendemos""".split()
)
IGNORED = STOPWORDS | FRAMING_VERBS

MIN_PREFIX = 3  # shortest stem matched by prefix
PREFIX_WEIGHT = 0.7  # a prefix match counts this much of an exact one
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Diminutives say nothing about the topic: "pãozinho" is "pão", "salgadinhos" are "salgados".
_DIMINUTIVE = re.compile(r"(?<=[a-z]{3})zinh[oa](s?)$|(?<=[a-z]{5})inh([oa]s?)$")


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


# The Snowball stemmer knows its suffixes with their accents ("reclamação" → "reclam"), but
# customers often type without them ("reclamacao" → "reclamaca"). Words are folded first and
# these folded endings get their accents back before stemming, so both spellings meet.
_ACCENTED_ENDINGS = (
    ("coes", "ções"),
    ("cao", "ção"),
    ("oes", "ões"),
    ("aes", "ães"),
    ("ao", "ão"),
    ("encias", "ências"),
    ("encia", "ência"),
    ("ancias", "âncias"),
    ("ancia", "ância"),
    ("aveis", "áveis"),
    ("iveis", "íveis"),
    ("avel", "ável"),
    ("ivel", "ível"),
)


def _accented(word: str) -> str:
    for folded, accented in _ACCENTED_ENDINGS:
        if word.endswith(folded) and len(word) > len(folded):
            return word[: -len(folded)] + accented
    return word


# Snowball removes a verb ending only past the word's first syllables, so short verbs keep
# theirs: "abrimos" → "abrim", "abrem" → "abrem", "abrir" → "abrir". A word with one of these
# endings loses it when that leaves a shorter stem of three letters or more ("abr").
_VERB_ENDINGS = ("imos", "emos", "amos", "em", "am", "im", "ir", "er", "ar")


def _root(word: str) -> str:
    word = _DIMINUTIVE.sub(r"\1\2", word)
    stem = _stem(_accented(word))
    if len(stem) >= 4 and stem[-1] in "ãõ":  # Snowball keeps "cartã"(o) and "cartõ"(es) apart
        stem = stem[:-1]
    stem = fold(stem)
    for ending in _VERB_ENDINGS:
        if word.endswith(ending) and 3 <= len(word) - len(ending) < len(stem):
            return word[: -len(ending)]
    return stem


def analyze(text: str) -> list[str]:
    """Folded, stop-word-free, stemmed terms of ``text``, in order."""
    return [_root(w) for w in _words(text) if w not in IGNORED and (len(w) > 1 or w.isdigit())]


_NOTE = re.compile(r"\[[^\[\]\n]{1,40}\]")


def without_notes(question: str) -> str:
    """The question without the bracketed notes the media reader puts before extracted text
    ("[texto na imagem] Vocês aceitam Pix?"): they are not the customer's words."""
    return _NOTE.sub(" ", question)


_SPOKEN_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def topic_words(text: str) -> str:
    """The words of ``text`` that name its topic, as written (accents kept): what is left
    without the stop words and framing verbs. "aceita pet?" → "pet"; "" when nothing is."""
    words = _SPOKEN_WORD.findall(text.lower())
    return " ".join(w for w in words if fold(w) not in IGNORED and (len(w) > 1 or w.isdigit()))


# A question's terms → for each term, other expressions (each a tuple of terms) that mean the same
# (see app.adapters.synonyms). An expression matches a document holding all of its terms.
Expansion = Callable[[Sequence[str]], Mapping[str, tuple[tuple[str, ...], ...]]]
SYNONYM_WEIGHT = 0.7  # a synonym's match counts this much of the word's own


class BM25:
    """Okapi BM25 over analysed documents (each a list of terms), with synonyms if given."""

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        k1: float = 1.2,
        b: float = 0.75,
        synonyms: Expansion | None = None,
    ) -> None:
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
        self._synonyms = synonyms

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

    def _alternatives(self, query: Sequence[str]) -> Mapping[str, tuple[tuple[str, ...], ...]]:
        return self._synonyms(query) if self._synonyms else {}

    @lru_cache(maxsize=4096)  # noqa: B019 - as variants
    def _term_scores(self, term: str) -> dict[int, float]:
        best: dict[int, float] = {}
        for t, weight in self.variants(term):
            for i in self._postings.get(t, ()):
                tf = self._docs[i][t]
                norm = tf + self._k1 * (1 - self._b + self._b * self._lengths[i] / self._avg)
                best[i] = max(best.get(i, 0.0), weight * self._idf[t] * tf * (self._k1 + 1) / norm)
        return best

    def _expression_scores(self, expression: tuple[str, ...]) -> dict[int, float]:
        """A synonym's score in each document holding all its terms: the mean of theirs."""
        parts = [self._term_scores(t) for t in expression]
        common = set(parts[0]).intersection(*parts[1:]) if parts else set()
        return {i: SYNONYM_WEIGHT * sum(p[i] for p in parts) / len(parts) for i in common}

    def _matches(self, term: str, index: int) -> float:
        return max((w for t, w in self.variants(term) if t in self._docs[index]), default=0.0)

    def _expression_matches(self, expression: tuple[str, ...], index: int) -> float:
        return SYNONYM_WEIGHT * min((self._matches(t, index) for t in expression), default=0.0)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """BM25 score of every document holding at least one of the query's terms (or a variant,
        or a synonym): per term, the best of its own score and its synonyms'."""
        alternatives = self._alternatives(query)
        scored: dict[int, float] = {}
        for q in set(query):
            best = dict(self._term_scores(q))
            for expression in alternatives.get(q, ()):
                for i, score in self._expression_scores(expression).items():
                    best[i] = max(best.get(i, 0.0), score)
            for i, score in best.items():
                scored[i] = scored.get(i, 0.0) + score
        return scored

    def coverage(self, query: Sequence[str], index: int) -> float:
        """The idf-weighted share of the query's terms that document ``index`` contains (or a
        synonym of), in [0, 1]."""
        terms = set(query)
        total = sum(self.idf(t) for t in terms)
        if total <= 0:
            return 0.0
        alternatives = self._alternatives(query)
        matched = 0.0
        for t in terms:
            own = self._matches(t, index)
            synonym = max((self._expression_matches(e, index) for e in alternatives.get(t, ())), default=0.0)
            matched += self.idf(t) * max(own, synonym)
        return matched / total

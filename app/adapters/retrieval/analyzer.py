"""The Portuguese analyzer shared by the keyword and the hybrid knowledge bases.

:func:`analyze` folds case and accents ("Horário" → "horario"), drops Portuguese stop words,
the WhatsApp spellings ("vc", "qnto", "tá"…) and the verbs that only frame a question, undoes
diminutives, and stems with the Snowball Portuguese stemmer ("entregas", "entregam" →
"entreg"), helped where it stumbles on words typed without accents and on short verbs.
:func:`topic_words` keeps what names a question's topic, and :func:`without_notes` drops the
media reader's bracketed notes. :mod:`app.adapters.retrieval.lexical_index` scores passages on
these terms.

The stemmer is PyStemmer: the Snowball algorithms compiled from C (the same Portuguese stems as
the pure-Python ``snowballstemmer``, about 20 times faster), so ingest analyses thousands of
chunks in a fraction of a second. Any change to what :func:`analyze` returns changes
:data:`ANALYZER_VERSION`: a published lexical index built by another version is rebuilt.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

from app.domain.text import fold

ANALYZER_VERSION = (
    "pt-4"  # with the lexical index's layout (pt-2: sub-word trigrams, pt-3: countries, pt-4: "dar")
)

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
# "dar" frames like "fazer" ("vcs dão banho em gato?"); typed without its accent, "dão" would
# otherwise stem to "da" and match any "dá".
FRAMING_VERBS = frozenset(
    """aceita aceitam aceitar aceito aceitamos fica ficam ficar ficamos vende vendem vender
    vendo vendemos dao damos dou""".split()
)
# Foreign countries and continents. Snowball gives a country the stem of the adjective a business
# uses for its products ("França" and "pão francês" are both `franc`, "Holanda" and "creme
# holandês" `holand`), so "qual a capital da França?" found the French bread; and what a small
# business answers does not turn on a foreign country's name.
COUNTRIES = frozenset(
    """franca italia alemanha espanha portugal inglaterra holanda belgica suica austria grecia
    turquia russia china japao india egito argentina uruguai paraguai bolivia chile colombia
    venezuela mexico canada eua australia europa africa asia america""".split()
)
IGNORED = STOPWORDS | FRAMING_VERBS | COUNTRIES

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Diminutives say nothing about the topic: "pãozinho" is "pão", "salgadinhos" are "salgados".
_DIMINUTIVE = re.compile(r"(?<=[a-z]{3})zinh[oa](s?)$|(?<=[a-z]{5})inh([oa]s?)$")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("portuguese")


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
    words = spoken_words(text)
    return " ".join(w for w in words if fold(w) not in IGNORED and (len(w) > 1 or w.isdigit()))


def spoken_words(text: str) -> list[str]:
    """The words of ``text`` as typed, lower-cased, without punctuation (accents kept)."""
    return _SPOKEN_WORD.findall(text.lower())

"""Small text helpers shared by the keyword search and the offline answerer."""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    """a o as os um uma uns umas de do da dos das no na nos nas em por para pra pro com sem e ou
    que se eu voce voces vc vcs ele ela eles elas me te lhe nos meu minha seu sua ao aos
    qual quais quando onde como porque pq ja tem ter ha isso isto esse essa este esta estao
    estou sao ser foi vai vou gostaria queria quero saber poderia pode podem posso sobre
    favor oi ola bom boa dia tarde noite obrigado obrigada entao mais muito tambem la aqui
    the is are do does what how when where i you to of and or in on for with""".split()
)


def fold(text: str) -> str:
    """Lower case without accents: "Horário" → "horario"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A crude Portuguese stem: enough to match "entregas" with "entrega"."""
    for suffix in ("mente", "coes", "soes", "oes", "aes", "ais", "eis", "res", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:6]


def terms(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", fold(text))
    return [stem(w) for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]

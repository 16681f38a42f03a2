"""The polite Portuguese notes a customer gets when their media cannot be read.

They extend :data:`app.adapters.media_offline.CANNOT_READ` (the generic "could not read
it") with the reasons the local reader can tell apart, so the customer knows what to do.
"""

from __future__ import annotations

from app.adapters.media_offline import CANNOT_READ
from app.domain.messages import MessageKind

__all__ = [
    "AUDIO_FAILED",
    "AUDIO_TOO_LONG",
    "AUDIO_UNCLEAR",
    "CANNOT_READ",
    "DOCUMENT_LOCKED",
    "DOCUMENT_TOO_LONG",
    "DOCUMENT_UNSUPPORTED",
    "TOO_BIG",
    "TRUNCATED",
    "cannot_read",
    "failed",
]

TOO_BIG = (
    "Recebi seu arquivo, mas ele é grande demais para eu abrir por aqui. "
    "Pode me dizer em texto o que precisa?"
)
AUDIO_TOO_LONG = "Recebi seu áudio, mas ele é longo demais para eu ouvir por aqui. Pode resumir em texto?"
AUDIO_FAILED = "Recebi seu áudio, mas não consegui ouvi-lo agora. Pode escrever sua mensagem?"
AUDIO_UNCLEAR = "Recebi seu áudio, mas não consegui entender o que foi dito. Pode escrever sua mensagem?"
DOCUMENT_TOO_LONG = (
    "Recebi seu documento, mas ele tem páginas demais para eu ler por aqui. "
    "Pode me dizer em texto o que precisa?"
)
DOCUMENT_LOCKED = (
    "Recebi seu documento, mas ele está protegido por senha. Pode me dizer em texto o que precisa?"
)
DOCUMENT_UNSUPPORTED = (
    "Recebi seu documento, mas por aqui só consigo ler PDF, imagens e texto. "
    "Pode me dizer em texto o que precisa?"
)
# Appended to extracted text that was cut at the length limit, so the model knows it is partial.
TRUNCATED = "[… o restante do conteúdo foi cortado por ser longo demais]"


def cannot_read(kind: MessageKind) -> str:
    """The generic note for a kind, or a neutral one for kinds the offline table lacks."""
    return CANNOT_READ.get(kind, "Recebi seu arquivo, mas não consegui abrir. Pode me dizer em texto?")


def failed(kind: MessageKind) -> str:
    """The note when reading broke (a server down, a corrupt file): not "I cannot hear audio"."""
    return AUDIO_FAILED if kind is MessageKind.AUDIO else cannot_read(kind)

"""Media reading with no extraction engine: captions are used, the rest is declined politely."""

from __future__ import annotations

from app.domain.messages import InboundMessage, MessageKind
from app.ports.media import Extraction

LABELS = {
    MessageKind.IMAGE: "[imagem]",
    MessageKind.VIDEO: "[vídeo]",
    MessageKind.DOCUMENT: "[documento]",
    MessageKind.LOCATION: "[localização]",
    MessageKind.CONTACT: "[contato]",
}
CANNOT_READ = {
    MessageKind.AUDIO: "Desculpe, ainda não consigo ouvir áudios por aqui. Pode escrever sua mensagem?",
    MessageKind.IMAGE: "Recebi sua imagem, mas não consegui ler o conteúdo. Pode me contar em texto?",
    MessageKind.VIDEO: (
        "Recebi seu vídeo, mas ainda não consigo assistir vídeos. Pode escrever o que precisa?"
    ),
    MessageKind.DOCUMENT: (
        "Recebi seu documento, mas não consegui ler o conteúdo. Pode me dizer em texto o que precisa?"
    ),
}


def labelled(message: InboundMessage, text: str) -> str:
    label = LABELS.get(message.kind)
    return f"{label} {text}".strip() if label and text else text


class CaptionOnlyMediaReader:
    """Implements :class:`app.ports.media.MediaReader` without downloading anything."""

    def read(self, message: InboundMessage) -> Extraction:
        if message.text:
            return Extraction(labelled(message, message.text))
        return Extraction("", CANNOT_READ.get(message.kind, ""))

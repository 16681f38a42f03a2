"""A fake OpenAI-compatible API: a real HTTP server on 127.0.0.1, in a thread.

It serves ``POST /v1/chat/completions`` and ``POST /v1/audio/transcriptions``, records every
request, and answers deterministically from the prompt, like a well-behaved model would:

- the last user message asks for an "atendente" → it hands over (``tipo: atendente``);
- the system prompt holds ``<trecho …>`` passages → it quotes the first one and cites it;
- no passage → it says it did not find the answer (``tipo: nao_encontrado``).

When the system prompt asks for the JSON answer format it replies in it, otherwise in plain
text. Tests script the next responses: :meth:`FakeOpenAI.fail_next`, :meth:`reply_next`
(verbatim content, e.g. a model ignoring the format), :meth:`delay_next` (for timeouts).
"""

from __future__ import annotations

import json
import re
import threading
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.background import BackgroundHTTPServer

PASSAGE = re.compile(r"<trecho n=\"(\d+)\"[^>]*>\n(.*?)\n</trecho>", re.DOTALL)


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name → (file, type, data)


@dataclass
class Scripted:
    status: int = 200
    content: str | None = None  # chat: the assistant message, verbatim; transcription: the text
    delay_seconds: float = 0.0


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    form: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        data = part.get_payload(decode=True)
        payload = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            form[name] = payload.decode("utf-8")
    return form, files


def default_chat_content(messages: list[dict[str, Any]]) -> str:
    """What the fake "model" says, decided only from the prompt."""

    def text(message: dict[str, Any]) -> str:
        content = message.get("content", "")
        if isinstance(content, list):
            return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        return str(content)

    system = "\n".join(text(m) for m in messages if m.get("role") in ("system", "developer"))
    users = [text(m) for m in messages if m.get("role") == "user"]
    last = users[-1] if users else ""
    passages = PASSAGE.findall(system)
    if "atendente" in _fold(last):
        answer = {
            "tipo": "atendente",
            "resposta": "Claro! Vou chamar uma pessoa da equipe.",
            "chamar_atendente": True,
        }
    elif passages:
        number, passage = passages[0]
        answer = {
            "tipo": "resposta",
            "resposta": f"Segundo nossa base: {passage.strip()}",
            "trechos": [int(number)],
        }
    else:
        answer = {"tipo": "nao_encontrado", "resposta": "Não encontrei essa informação."}
    answer.setdefault("chamar_atendente", False)
    answer.setdefault("trechos", [])
    if '"resposta"' in system:
        return json.dumps(answer, ensure_ascii=False)
    return str(answer["resposta"])


class FakeOpenAI(BackgroundHTTPServer):
    def __init__(self, api_key: str = "") -> None:
        self.api_key = api_key  # when set, other keys get 401, like the real API
        self.requests: list[Recorded] = []
        self.transcript = ""
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        """The base URL clients are given (``…/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self.transcript = ""

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._script.extend(Scripted(status=status) for _ in range(times))

    def reply_next(self, content: str) -> None:
        with self._lock:
            self._script.append(Scripted(content=content))

    def delay_next(self, seconds: float) -> None:
        with self._lock:
            self._script.append(Scripted(delay_seconds=seconds))

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path.endswith("/chat/completions")]

    def _next(self) -> Scripted:
        with self._lock:
            return self._script.popleft() if self._script else Scripted()

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        recorded = Recorded(path, headers, body)
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            recorded.json = json.loads(body or b"null")
        elif content_type.startswith("multipart/form-data"):
            recorded.form, recorded.files = parse_multipart(content_type, body)
        with self._lock:
            self.requests.append(recorded)
        if self.api_key and headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
        scripted = self._next()
        if scripted.delay_seconds:
            self._stopping.wait(scripted.delay_seconds)
        if scripted.status >= 400:
            return scripted.status, {"error": {"message": "scripted failure", "type": "server_error"}}
        if path == "/v1/chat/completions" and isinstance(recorded.json, dict):
            content = scripted.content
            if content is None:
                content = default_chat_content(list(recorded.json.get("messages", [])))
            return 200, self._completion(str(recorded.json.get("model", "")), content)
        if path == "/v1/audio/transcriptions" and "file" in recorded.files:
            filename = recorded.files["file"][0]
            return 200, {"text": scripted.content or self.transcript or f"transcrição de {filename}"}
        return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}

    @staticmethod
    def _completion(model: str, content: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload = fake._handle(self.path, headers, body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

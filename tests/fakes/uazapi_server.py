"""A fake Uazapi (uazapiGO v2): a real HTTP server on 127.0.0.1, in a thread or a process.

It serves the calls Conversa makes, shaped as /work/shared/uazapi/openapi.yaml describes
them: ``POST /send/text``, ``/message/find``, ``/message/presence``, ``/message/markread``,
``/message/download``, and for a handoff ``/chat/editLead`` and ``/chat/labels`` (the labels it
knows are :attr:`FakeUazapi.labels`). Every call needs the ``token`` header (401 ``{"error": …}``
otherwise), and every request is recorded, accepted or not.

Every text it accepts is kept as a sent message (:attr:`FakeUazapi.messages`, with its
``track_source`` and ``track_id``), which ``/message/find`` searches by ``id``, ``chatid``,
``track_source`` and ``track_id``, newest first, with ``limit``/``offset``; a ``chatid``
with no message at all is 404 "chat not found", as documented.

Tests register media (:meth:`FakeUazapi.add_media`) and script trouble per path, optionally
for one ``number`` only (the ``number`` or ``chatid`` of the request; a phone JID counts as
its digits): :meth:`fail_next` (a status, optionally with ``Retry-After``),
:meth:`slow_next` (stall before handling the call, for timeouts; or, with
``delivered=True``, handle it — the message is sent — and stall before answering) and
:meth:`reset_next` (the connection dropped with no response). A stalled call is carried out
when its stall ends even if the client has gone meanwhile, as a server that does not cancel
work on a disconnect would.

Run alone for the Kestra end-to-end suite, ``python -m tests.fakes.uazapi_server --port N``
prints the port and serves until killed; then the same controls are HTTP calls, without the
token: ``GET /_fake/requests[?path=…&number=…]``, ``GET /_fake/messages[?number=…]``,
``POST /_fake/reset``, ``POST /_fake/fail`` ``{path, status, times?, retry_after?, after?,
error?, number?}``, ``POST /_fake/slow`` ``{path, seconds, after?, number?, delivered?}``,
``POST /_fake/drop`` ``{path, number?}`` and ``POST /_fake/media`` ``{id, base64, mimetype?,
transcription?}``.
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import socket
import struct
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.background import BackgroundHTTPServer

DEFAULT_TOKEN = "uazapi-fake-token"
OWNER = "5541999990000"
PRESENCES = ("composing", "recording", "paused")


@dataclass
class Recorded:
    """One request as the server saw it (``json`` is None when the body was not JSON).

    ``status`` is what it was answered (0: dropped, or not answered yet).
    """

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    time: float
    status: int = 0


@dataclass(frozen=True)
class Media:
    data: bytes
    mimetype: str = "application/octet-stream"
    transcription: str = ""


@dataclass(frozen=True)
class Rule:
    """What to do with the next request to a path: pass, fail with a status, stall or drop."""

    status: int = 0  # 0 = answer normally
    retry_after: float | None = None
    error: str = ""
    delay_s: float = 0.0  # stall before handling the call
    drop: bool = False
    hold_s: float = 0.0  # stall after handling it, before answering


class FakeUazapi(BackgroundHTTPServer):
    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.requests: list[Recorded] = []
        self.messages: list[dict[str, Any]] = []  # sent texts, oldest first, as /message/find returns them
        self.labels: set[str] = {"10", "20"}  # the instance's labels (GET /labels would list them)
        self.media: dict[str, Media] = {}
        self._rules: dict[tuple[str, str], deque[Rule]] = {}
        self._lock = threading.Lock()
        super().__init__(self._handler(), host, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests control -------------------------------------------------------------

    def reset(self) -> None:
        """Forget requests, sent messages, media and scripted trouble: a clean Uazapi for the next test."""
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self.media.clear()
            self._rules.clear()

    def add_media(self, message_id: str, data: bytes, mimetype: str = "", transcription: str = "") -> None:
        with self._lock:
            self.media[message_id] = Media(data, mimetype or "application/octet-stream", transcription)

    def fail_next(
        self,
        path: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        after: int = 0,
        error: str = "",
        number: str = "",
    ) -> None:
        """The next ``times`` calls to ``path`` answer ``status``, once ``after`` calls went through.

        The body is ``{"error": error}``, by default the text Uazapi gives for that status.
        With ``number``, only that chat's calls count and fail.
        """
        failure = Rule(status, retry_after, error or _REASONS.get(status, "scripted failure"))
        self._script(path, [Rule()] * after + [failure] * times, number)

    def recover(self) -> None:
        """Drop whatever trouble is still scripted; requests and media stay."""
        with self._lock:
            self._rules.clear()

    def slow_next(
        self, path: str, seconds: float, after: int = 0, number: str = "", delivered: bool = False
    ) -> None:
        """The next call to ``path`` (after ``after`` went through; of ``number`` only, if given)
        stalls ``seconds``: before it is handled, or with ``delivered`` once it is handled
        (a text is then sent and findable) and before it is answered."""
        stall = Rule(hold_s=seconds) if delivered else Rule(delay_s=seconds)
        self._script(path, [Rule()] * after + [stall], number)

    def reset_next(self, path: str, number: str = "") -> None:
        """The next call to ``path`` loses its connection before any response."""
        self._script(path, [Rule(drop=True)], number)

    def calls(self, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if path in (None, r.path)]

    def sent(self, number: str | None = None) -> list[dict[str, Any]]:
        """The texts sent (to ``number``, if given: digits or JID), oldest first."""
        with self._lock:
            return [m for m in self.messages if number is None or m["chatid"] == _jid(number)]

    def _script(self, path: str, rules: list[Rule], number: str = "") -> None:
        with self._lock:
            self._rules.setdefault((path, _digits(number)), deque()).extend(rules)

    def _next_rule(self, path: str, number: str) -> Rule:
        """The rule scripted for this chat's calls to ``path`` first, then for anyone's."""
        with self._lock:
            for key in dict.fromkeys([(path, _digits(number)), (path, "")]):
                queue = self._rules.get(key)
                if queue:
                    return queue.popleft()
            return Rule()

    # --- the API ------------------------------------------------------------------------

    def _api(self, path: str, headers: dict[str, str], data: Any) -> tuple[int, dict[str, Any]]:
        if headers.get("token") != self.token:
            return 401, {"error": "Invalid token"}
        if not isinstance(data, dict):
            return 400, {"error": "Invalid JSON payload"}
        if path == "/send/text":
            return self._send_text(data)
        if path == "/message/find":
            return self._find(data)
        if path == "/message/presence":
            if not _is_number(data.get("number")) or data.get("presence") not in PRESENCES:
                return 400, {"error": "Invalid number or presence type"}
            return 200, {"response": "Chat presence sent successfully"}
        if path == "/message/markread":
            ids = data.get("id")
            if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
                return 400, {"error": "Missing Id in Payload"}
            return 200, {"results": [{"message_id": i, "status": "success"} for i in ids]}
        if path == "/message/download":
            return self._download(data)
        if path == "/chat/editLead":
            if not isinstance(data.get("id"), str) or not data["id"]:
                return 400, {"error": "Missing id"}
            return 200, {"id": data["id"], "lead_isTicketOpen": bool(data.get("lead_isTicketOpen"))}
        if path == "/chat/labels":
            if not _is_number(data.get("number")) or not isinstance(data.get("add_labelid"), str):
                return 400, {"error": "Missing number or label"}
            if data["add_labelid"] not in self.labels:
                return 400, {"error": "Label not found"}
            return 200, {"response": "Labels updated successfully"}
        return 404, {"error": "Not Found"}

    def _send_text(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        number, text = data.get("number"), data.get("text")
        if not _is_number(number) or not isinstance(text, str) or not text:
            return 400, {"error": "Missing number or text"}
        assert isinstance(number, str)
        message_id = "3EB0" + uuid.uuid4().hex[:18].upper()
        message = {
            "id": f"{OWNER}:{message_id}",
            "messageid": message_id,
            "chatid": _jid(number),
            "sender": f"{OWNER}@s.whatsapp.net",
            "fromMe": True,
            "isGroup": number.endswith("@g.us"),
            "messageType": "ExtendedTextMessage",
            "messageTimestamp": int(time.time() * 1000),
            "status": "Sent",
            "text": text,
            "owner": OWNER,
            "wasSentByApi": True,
            "sendFunction": "SendTextMessage",
            "track_source": str(data.get("track_source", "")),
            "track_id": str(data.get("track_id", "")),
        }
        with self._lock:
            self.messages.append(message)
        return 200, {
            **message,
            "id": f"r{uuid.uuid4().hex[:7]}",
            "response": {"status": "success", "message": "Message sent successfully"},
        }

    def _find(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """``POST /message/find``: every filter given must match; newest first, paginated."""
        filters = {k: data[k] for k in ("id", "chatid", "track_source", "track_id") if k in data}
        if not all(isinstance(v, str) for v in filters.values()):
            return 400, {"error": "Invalid filter"}
        limit, offset = data.get("limit", 100), data.get("offset", 0)
        if not isinstance(limit, int) or not isinstance(offset, int) or limit < 1 or offset < 0:
            return 400, {"error": "Invalid limit or offset"}
        with self._lock:
            stored = list(reversed(self.messages))
        if filters.get("chatid") and not any(m["chatid"] == filters["chatid"] for m in stored):
            return 404, {"error": "Chat not found"}
        matching = [m for m in stored if all(m.get(k) == v for k, v in filters.items() if v)]
        page = matching[offset : offset + limit]
        return 200, {
            "returnedMessages": len(page),
            "messages": page,
            "limit": limit,
            "offset": offset,
            "nextOffset": offset + len(page),
            "hasMore": offset + len(page) < len(matching),
        }

    def _download(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        message_id = data.get("id")
        if not isinstance(message_id, str) or not message_id:
            return 400, {"error": "Missing id"}
        with self._lock:
            media = self.media.get(message_id)
        if media is None:
            return 404, {"error": "Message not found"}
        body: dict[str, Any] = {"mimetype": media.mimetype}
        if data.get("return_link", True):
            body["fileURL"] = f"{self.url}/files/{message_id}"
        if data.get("return_base64", False):
            body["base64Data"] = base64.b64encode(media.data).decode()
        if data.get("transcribe", False):
            body["transcription"] = media.transcription
        return 200, body

    # --- control endpoints for the standalone process -----------------------------------

    def _control(
        self, method: str, path: str, data: Any, query: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        body, query = data if isinstance(data, dict) else {}, query or {}
        try:
            if method == "GET" and path == "/_fake/requests":  # ?path=…&number=… narrow it down
                calls = self.calls(query.get("path"))
                if "number" in query:
                    calls = [
                        c
                        for c in calls
                        if isinstance(c.json, dict) and c.json.get("number") == query["number"]
                    ]
                return 200, [asdict(r) for r in calls]
            if method == "GET" and path == "/_fake/messages":  # ?number=… for one chat
                return 200, self.sent(query.get("number"))
            if method == "POST" and path == "/_fake/reset":
                self.reset()
            elif method == "POST" and path == "/_fake/fail":
                retry_after = body.get("retry_after")
                self.fail_next(
                    str(body["path"]),
                    int(body["status"]),
                    int(body.get("times", 1)),
                    None if retry_after is None else float(retry_after),
                    int(body.get("after", 0)),
                    str(body.get("error", "")),
                    str(body.get("number", "")),
                )
            elif method == "POST" and path == "/_fake/slow":
                self.slow_next(
                    str(body["path"]),
                    float(body["seconds"]),
                    int(body.get("after", 0)),
                    str(body.get("number", "")),
                    bool(body.get("delivered", False)),
                )
            elif method == "POST" and path == "/_fake/drop":
                self.reset_next(str(body["path"]), str(body.get("number", "")))
            elif method == "POST" and path == "/_fake/media":
                self.add_media(
                    str(body["id"]),
                    base64.b64decode(str(body["base64"])),
                    str(body.get("mimetype", "")),
                    str(body.get("transcription", "")),
                )
            else:
                return 404, {"error": f"no control {method} {path}"}
        except (KeyError, TypeError, ValueError) as error:
            return 400, {"error": f"bad control request: {error!r}"}
        return 200, {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    data: Any = json.loads(raw) if raw else None
                except ValueError:
                    data = None
                path, _, query = self.path.partition("?")
                if path.startswith("/_fake/"):
                    self._reply(*fake._control(method, path, data, dict(parse_qsl(query))))
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorded = Recorded(method, path, headers, data, time.time())
                with fake._lock:
                    fake.requests.append(recorded)
                chat = (data.get("number") or data.get("chatid")) if isinstance(data, dict) else ""
                rule = fake._next_rule(path, chat if isinstance(chat, str) else "")
                if rule.drop:
                    self._drop()
                    return
                if rule.delay_s:
                    fake._stopping.wait(rule.delay_s)
                extra: dict[str, str] = {}
                if method != "POST":
                    status, payload = 405, {"error": "Method Not Allowed"}
                elif rule.status:
                    status, payload = rule.status, {"error": rule.error}
                    if rule.retry_after is not None:
                        extra["Retry-After"] = f"{rule.retry_after:g}"
                else:
                    status, payload = fake._api(path, headers, data)
                if rule.hold_s:
                    fake._stopping.wait(rule.hold_s)
                with fake._lock:
                    recorded.status = status
                self._reply(status, payload, extra)

            def _reply(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (extra or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

            def _drop(self) -> None:
                """Close with a TCP reset (SO_LINGER 0): the client gets no response at all."""
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


_REASONS = {
    400: "Bad Request",
    401: "Invalid token",
    404: "Message not found",
    429: "Rate limit exceeded",
    500: "Failed to send message",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _digits(number: str) -> str:
    """How rules name a chat: a phone JID as its digits, anything else as given."""
    return number.removesuffix("@s.whatsapp.net")


def _jid(number: str) -> str:
    """The ``chatid`` of a ``number``: digits become a phone JID."""
    return number if "@" in number else f"{number}@s.whatsapp.net"


def _is_number(value: Any) -> bool:
    """Digits in international format, or a JID (``@s.whatsapp.net``, ``@g.us``, ``@lid``…)."""
    if not isinstance(value, str) or not value:
        return False
    user, at, domain = value.partition("@")
    return bool(user) and (bool(domain) if at else user.isdigit())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    fake = FakeUazapi(args.token, args.host, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fake.start()
    print(fake.port, flush=True)
    stop.wait()
    fake.stop()


if __name__ == "__main__":
    main()

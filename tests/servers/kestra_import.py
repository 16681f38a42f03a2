"""A stand-in for Kestra's flow import endpoint that enforces its published OpenAPI description.

It reads ``tests/fixtures/kestra/flows-import.openapi.yml`` (an excerpt of the description the
Kestra client SDKs are generated from; its source is in ``SOURCE.md`` beside it) and refuses
what the description does not allow: another path or method (404/405), a missing or wrong
credential of the schemes the operation names (401), an undeclared or mistyped query value
(400), a body of a media type the operation does not consume (415), and a multipart body whose
parts are not the declared ones, not files, or not of their declared content type (400). So a
request that passes here is one that the documented contract accepts, not just one our own
code agrees with.

Two behaviours of Kestra's server that the description only names are played as well, because
the compose service depends on them: a file name must say YAML or ZIP (``HasSource`` reads the
part by its name), and a flow the server refuses is a 422 only with ``failOnError=true`` (without
it, Kestra answers 200 and lists the refused flow). ``unavailable_for`` answers 503 to the first
requests, as Kestra does while it starts.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

DESCRIPTION = Path(__file__).parents[1] / "fixtures" / "kestra" / "flows-import.openapi.yml"
IMPORT_PATH = "/api/v1/{tenant}/flows/import"


class Refused(Exception):
    """A request the description does not allow: answered with ``status`` and ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    """One file that reached the endpoint, as the server would read it."""

    tenant: str
    filename: str
    content: bytes
    query: dict[str, str]


@dataclass(frozen=True)
class Part:
    headers: Message
    content: bytes

    @property
    def name(self) -> str | None:
        value = self.headers.get_param("name", header="content-disposition")
        return value if isinstance(value, str) else None

    @property
    def filename(self) -> str | None:
        return self.headers.get_filename()


def load_operation(path: str = IMPORT_PATH) -> tuple[dict[str, Any], dict[str, Any]]:
    """The path item for ``path`` and the document's security schemes, from the fixture."""
    document: dict[str, Any] = yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))
    return document["paths"][path], document["components"]["securitySchemes"]


def path_pattern(template: str) -> re.Pattern[str]:
    """``/api/v1/{tenant}/flows/import`` as a regex with one named group per path parameter."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>[^/]+)" for index, piece in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def split_multipart(body: bytes, boundary: str) -> list[Part]:
    """The parts of a multipart body (RFC 7578), byte for byte; refuses a malformed body."""
    delimiter = b"--" + boundary.encode("latin-1")
    if not body.startswith(delimiter + b"\r\n"):
        raise Refused(400, "multipart body does not start with its boundary")
    parts: list[Part] = []
    rest = body[len(delimiter) + 2 :]
    while True:
        end = rest.find(b"\r\n" + delimiter)
        if end < 0:
            raise Refused(400, "multipart body has no closing boundary")
        raw, rest = rest[:end], rest[end + 2 + len(delimiter) :]
        head, separator, content = raw.partition(b"\r\n\r\n")
        if not separator:
            raise Refused(400, "multipart part without headers")
        headers = Message()
        for line in head.decode("utf-8").split("\r\n"):
            name, colon, value = line.partition(":")
            if not colon:
                raise Refused(400, f"malformed part header {line!r}")
            headers[name.strip()] = value.strip()
        parts.append(Part(headers, content))
        if rest.startswith(b"--"):
            return parts
        if not rest.startswith(b"\r\n"):
            raise Refused(400, "malformed multipart boundary line")
        rest = rest[2:]


@dataclass
class KestraImportStandIn:
    """The endpoint on 127.0.0.1; ``uploads`` lists what it accepted, in order."""

    username: str
    password: str
    refuse: set[str] = field(default_factory=set)  # file names the "server" finds invalid
    unavailable_for: int = 0  # first requests answered 503 (Kestra starting)
    uploads: list[Upload] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path_item, self.schemes = load_operation()
        self.pattern = path_pattern(IMPORT_PATH)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> KestraImportStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, answer = stand_in.answer(self.command, self.path, self.headers, body)
                except Refused as refused:
                    status, answer = refused.status, {"message": refused.reason}
                with stand_in._lock:
                    stand_in.answers.append(status)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests assert on what was received, not on a log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, method: str, target: str, headers: Message, body: bytes) -> tuple[int, Any]:
        """The status and JSON answer for one request, or ``Refused``."""
        with self._lock:
            if self.unavailable_for > 0:
                self.unavailable_for -= 1
                return 503, {"message": "Kestra is starting"}
        url = urlsplit(target)
        found = self.pattern.match(url.path)
        if not found:
            raise Refused(404, f"no such path {url.path}")
        operation = self.path_item.get(method.lower())
        if operation is None:
            raise Refused(405, f"{method} is not an operation of {IMPORT_PATH}")
        self.check_security(operation, headers)
        query = self.check_parameters(operation, found.groupdict(), url.query)
        files = self.check_body(operation, headers, body)
        invalid = [name for name, _ in files if name in self.refuse]
        if invalid and query.get("failOnError") == "true":
            raise Refused(422, "Following invalid flows were not imported: " + ", ".join(invalid))
        with self._lock:
            for name, content in files:
                if name not in self.refuse:
                    self.uploads.append(Upload(found["tenant"], name, content, query))
        return 200, [str(index) for index, _ in enumerate(invalid)]

    def check_security(self, operation: dict[str, Any], headers: Message) -> None:
        """One of the operation's security alternatives must be met (only basic is given)."""
        given = headers.get("Authorization") or ""
        for requirement in operation.get("security", []):
            for name in requirement:
                scheme = self.schemes[name]
                if scheme["type"] == "http" and scheme["scheme"] == "basic":
                    expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
                    if given == f"Basic {expected}":
                        return
        raise Refused(401, "no valid credential of a scheme the operation names")

    def check_parameters(
        self, operation: dict[str, Any], path_values: dict[str, str], raw_query: str
    ) -> dict[str, str]:
        declared = {p["name"]: p for p in operation.get("parameters", [])}
        for name in path_values:
            if declared.get(name, {}).get("in") != "path":
                raise Refused(404, f"path parameter {name} is not declared")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        for name, value in query.items():
            parameter = declared.get(name)
            if parameter is None or parameter["in"] != "query":
                raise Refused(400, f"undeclared query parameter {name}")
            if parameter["schema"].get("type") == "boolean" and value not in ("true", "false"):
                raise Refused(400, f"{name} must be true or false, got {value!r}")
        return query

    def check_body(self, operation: dict[str, Any], headers: Message, body: bytes) -> list[tuple[str, bytes]]:
        """The uploaded files, once the body matches the declared media type and schema."""
        request_body = operation["requestBody"]
        if request_body.get("required") and not body:
            raise Refused(400, "the request body is required")
        media_type = headers.get_content_type() if headers.get("Content-Type") else ""
        content = request_body["content"].get(media_type)
        if content is None:
            raise Refused(415, f"{media_type or 'no content type'} is not consumed here")
        if media_type != "multipart/form-data":
            raise Refused(415, f"the stand-in reads only multipart/form-data, not {media_type}")
        boundary = headers.get_param("boundary")
        if not isinstance(boundary, str):
            raise Refused(400, "multipart/form-data without a boundary")
        properties: dict[str, Any] = content["schema"]["properties"]
        encoding: dict[str, Any] = content.get("encoding", {})
        files: list[tuple[str, bytes]] = []
        seen: set[str] = set()
        for part in split_multipart(body, boundary):
            if part.name not in properties:
                raise Refused(400, f"undeclared part {part.name!r}")
            seen.add(part.name)
            schema = properties[part.name]
            if schema.get("format") == "binary":
                if not part.filename:
                    raise Refused(400, f"part {part.name} must be a file (format: binary)")
                expected = encoding.get(part.name, {}).get("contentType", "application/octet-stream")
                if part.headers.get_content_type() != expected:
                    raise Refused(400, f"part {part.name} must be {expected}")
                if not part.filename.lower().endswith((".yml", ".yaml", ".zip")):
                    raise Refused(400, f"Cannot import file of type {Path(part.filename).suffix}")
                files.append((part.filename, part.content))
        if missing := set(properties) - seen:
            raise Refused(400, f"missing parts {sorted(missing)}")
        return files

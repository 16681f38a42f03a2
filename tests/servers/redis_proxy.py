"""A TCP proxy in front of a real Redis that can stall, cut or drop the traffic after any command.

It reads the client's side as RESP (redis-py sends every command as an array of bulk
strings), so it knows each command by its place since the proxy was armed and can act right
after one of them:

- ``stall``: the command is carried out and answered; the commands after it are held
  :attr:`RedisProxy.hold_s` seconds, then carried out anyway (the client has given up by
  then: they land late, as through a congested link);
- ``cut``: the command is carried out and answered; nothing after it ever reaches Redis;
- ``drop``: the command is carried out but its answer never comes back: the connection is
  closed, and so is every later one (Redis unreachable).

:attr:`RedisProxy.log` keeps every command seen (name and first key), for a test to find the
sequence it wants to break; :meth:`RedisProxy.settled` says when nothing held is still to land.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

MODES = ("stall", "cut", "drop")


def parse_command(buffer: bytes | bytearray) -> tuple[int, list[bytes]] | None:
    """The first whole RESP command in ``buffer``: (its length in bytes, its arguments), or None."""
    if not buffer.startswith(b"*"):
        end = buffer.find(b"\r\n")  # an inline command (redis-cli style): one line
        return None if end < 0 else (end + 2, bytes(buffer[:end]).split())
    end = buffer.find(b"\r\n")
    if end < 0:
        return None
    count, offset, args = int(buffer[1:end]), end + 2, []
    for _ in range(count):
        end = buffer.find(b"\r\n", offset)
        if end < 0:
            return None
        size = int(buffer[offset + 1 : end])
        start = end + 2
        if len(buffer) < start + size + 2:
            return None
        args.append(bytes(buffer[start : start + size]))
        offset = start + size + 2
    return offset, args


def describe(args: list[bytes]) -> str:
    """``NAME key``: a script's first key (EVALSHA sha numkeys key…), another command's first argument."""
    name = args[0].decode(errors="replace").upper() if args else ""
    if name in ("EVAL", "EVALSHA") and len(args) > 3:
        return f"{name} {args[3].decode(errors='replace')}"
    return f"{name} {args[1].decode(errors='replace')}" if len(args) > 1 else name


@dataclass
class RedisProxy:
    upstream_port: int
    hold_s: float = 2.0
    log: list[str] = field(default_factory=list)
    port: int = 0
    _trigger: int = -1
    _mode: str = ""
    _seen: int = 0
    _release_at: float = 0.0
    _dropped: bool = False
    _holding: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def arm(self, index: int, mode: str) -> None:
        """Act (``mode``) right after the ``index``-th command (0-based) from now on."""
        assert mode in MODES, mode
        with self._lock:
            self._trigger, self._mode, self._seen = index, mode, 0
            self._release_at, self._dropped = 0.0, False
            self.log.clear()

    def settled(self) -> bool:
        """Nothing is held any more: every stalled command has landed (or never will, if cut)."""
        with self._lock:
            return self._holding == 0 and (self._release_at == 0.0 or time.monotonic() >= self._release_at)

    def close(self) -> None:
        self._server.close()

    # --- the plumbing ---------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                dropped = self._dropped
            if dropped:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            muted = threading.Event()
            threading.Thread(target=self._requests, args=(client, upstream, muted), daemon=True).start()
            threading.Thread(target=self._replies, args=(upstream, client, muted), daemon=True).start()

    def _replies(self, upstream: socket.socket, client: socket.socket, muted: threading.Event) -> None:
        try:
            while data := upstream.recv(65536):
                if not muted.is_set():
                    client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)

    def _requests(self, client: socket.socket, upstream: socket.socket, muted: threading.Event) -> None:
        pending = bytearray()
        try:
            while data := client.recv(65536):
                pending += data
                while parsed := parse_command(pending):
                    size, args = parsed
                    command = bytes(pending[:size])
                    del pending[:size]
                    if not self._forward(command, args, upstream, muted):
                        _close(client)
                        _close(upstream)
                        return
        except OSError:
            pass
        finally:
            _close(upstream)

    def _forward(
        self, command: bytes, args: list[bytes], upstream: socket.socket, muted: threading.Event
    ) -> bool:
        """Send one command on (or hold, or swallow it); False once this connection is to be closed."""
        with self._lock:
            if self._dropped:
                return False
            index, self._seen = self._seen, self._seen + 1
            self.log.append(describe(args))
            armed = self._trigger >= 0
            after = armed and index > self._trigger
            at = armed and index == self._trigger
            mode, release_at = self._mode, self._release_at
            if after and mode == "stall":
                self._holding += 1
        if after and mode == "cut":
            return True  # swallowed: never reaches Redis, never answered
        if after and mode == "stall":
            time.sleep(max(release_at - time.monotonic(), 0.0))
            try:
                upstream.sendall(command)
            finally:
                with self._lock:
                    self._holding -= 1
            return True
        if at and mode == "drop":
            muted.set()  # Redis carries it out; its answer never comes back
            upstream.sendall(command)
            time.sleep(0.2)
            with self._lock:
                self._dropped = True
            return False
        if at and mode == "stall":
            with self._lock:
                self._release_at = time.monotonic() + self.hold_s
        upstream.sendall(command)
        return True


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()

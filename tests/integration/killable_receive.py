"""``conversa receive`` that kills itself with SIGKILL at a chosen instant (for the kill test).

Run as ``python -m tests.integration.killable_receive --body-file PATH`` with the usual
``CONVERSA_*`` environment, plus:

- ``KILL_AT=<n>:<before|after>``: SIGKILL just before or just after the n-th call (from 0)
  to any port the command uses (parser, idempotency guard, chat state, media reader, buffer,
  gateway, dead letters). Port calls are where a command touches state, so these are all
  the instants at which a kill can leave a different state behind.
- ``TRACE_CALLS=1``: write each port call's name to stderr (``call <port>.<method>``).
- ``MEDIA_DELAY_MS=<ms>``: the media reader takes that long, like a real extraction.
- ``READY=1``: write ``ready`` to stderr once the adapters are built, just before the body
  is read and taken in (a test sending timed signals starts its clock there).

Nothing here is in the product: the real entrypoint runs, its container's ports wrapped.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import Any

from dependency_injector import providers

import app.container as app_container
import app.entrypoints.receive as entry

PORTS = ("parser", "idempotency", "chat_state", "media", "buffer", "gateway", "dead_letters")


class Tripwire:
    def __init__(self) -> None:
        plan = os.environ.get("KILL_AT", "")
        self.kill_at, self.when = (int(plan.split(":")[0]), plan.split(":")[1]) if plan else (-1, "")
        self.calls = 0
        self.trace = os.environ.get("TRACE_CALLS") == "1"
        self.media_delay_s = int(os.environ.get("MEDIA_DELAY_MS", "0")) / 1000

    def step(self, when: str, name: str) -> None:
        if when == "before" and self.trace:
            sys.stderr.write(f"call {name}\n")
            sys.stderr.flush()
        if self.calls == self.kill_at and when == self.when:
            os.kill(os.getpid(), signal.SIGKILL)


class Wrapped:
    """Every method call on ``target`` passes the tripwire before and after."""

    def __init__(self, port: str, target: Any, wire: Tripwire) -> None:
        self._port, self._target, self._wire = port, target, wire

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            name = f"{self._port}.{attr}"
            self._wire.step("before", name)
            if self._port == "media" and self._wire.media_delay_s:
                time.sleep(self._wire.media_delay_s)
            result = value(*args, **kwargs)
            self._wire.step("after", name)
            self._wire.calls += 1
            return result

        return call


def main() -> int:
    wire = Tripwire()
    build = app_container.build_container

    def wrapped_container() -> Any:
        container = build()
        for port in PORTS:
            provider = getattr(container, port)
            provider.override(providers.Object(Wrapped(port, provider(), wire)))
        if os.environ.get("READY") == "1":
            sys.stderr.write("ready\n")
            sys.stderr.flush()
        return container

    app_container.build_container = wrapped_container  # type: ignore[assignment]  # what command_container() calls
    parser = argparse.ArgumentParser()
    parser.add_argument("--body-file")
    return entry.run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

"""``conversa receive``: one Uazapi webhook body in, one JSON result out.

Exit code 0 for anything handled: buffered, ignored, duplicate… and ``rejected`` too (a
forged or malformed body: retrying it cannot help, it is kept as one dead letter, or refused
unkept beyond the cap). Exit code 1 when taking the body in failed (Redis down…), or when a
rejected body could only be kept in the local folder: those are failures to retry or look at.

Nothing echoed shows a phone number: every run of 8+ digits in the reason, the message id
and the log lines is masked. The one exception is ``chat_id`` of a message taken in, which
the flow needs to start the chat's processor.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys

from app.container import Container
from app.domain.messages import mask_digit_runs, mask_phone
from app.domain.usecases.receive import body_text
from app.entrypoints.report import Stopwatch, command_container, counter, emit, fail, timer

log = logging.getLogger("conversa.receive")


def read_body(path: str | None) -> bytes:
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    return sys.stdin.buffer.read()


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = command_container()
    try:
        body = read_body(args.body_file)
    except OSError as error:
        return fail("receive", f"cannot read the body: {error.strerror}: {args.body_file}")
    try:
        result = container.receive()(body)
    except Exception as error:  # keep the body whatever broke, then fail loudly
        return keep_and_fail(container, body, f"{type(error).__name__}: {error}")
    reason = mask_digit_runs(result.reason)
    level = logging.INFO if result.ok else logging.WARNING
    log.log(level, "%s %s: %s", result.status, mask_phone(result.chat_id) or "-", reason)
    metrics = [counter("receive." + result.status), timer("receive.duration", watch.seconds)]
    output, elsewhere = result.to_dict(), ""
    # Which bytes were read: the Kestra suite checks that the flow hands over Uazapi's body unchanged.
    output["body_sha256"] = hashlib.sha256(body).hexdigest()
    output.update(reason=reason, message_id=mask_digit_runs(result.message_id))
    if result.dead_letter_id:
        stores = container.dead_letters()
        where = output["dead_letter_store"] = stores.where(result.dead_letter_id)
        if where != stores.primary.name:  # not in the configured store: say where, in the same line
            elsewhere = f" (kept as dead letter {result.dead_letter_id} in {where})"
    emit(output, metrics)
    if elsewhere:  # rejected, and the configured store failed: that failure is worth a retry
        sys.stderr.write(f"conversa receive: rejected: {reason}{elsewhere}\n")
        return 1
    return 0


def keep_and_fail(container: Container, body: bytes, reason: str) -> int:
    """Taking the body in failed: keep it as a dead letter (in the local folder when the
    configured store is down too) and fail with one line that says where it is."""
    try:
        stores = container.dead_letters()
        letter = stores.put("receive", reason, body_text(body), container.clock().now_ms())
    except Exception as error:  # not even the local folder: Kestra's execution keeps the body
        lost = f"{type(error).__name__}: {error}"
        return fail("receive", f"{reason}; the body could not be kept either: {lost}", {"dead_letter_id": ""})
    where = stores.where(letter)
    return fail(
        "receive",
        f"{reason}; the body is kept as dead letter {letter} in {where}",
        {"dead_letter_id": letter, "dead_letter_store": where},
    )

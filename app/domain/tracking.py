"""Which sent message is which: a deterministic tracking id for every part of a reply.

Every part goes out tagged with an id derived from the batch it answers and its place in the
reply, so the same part of the same batch always carries the same id, in every run. A run
that does not know whether a previous run's send of a part went through (it was killed, or
the provider timed out) asks the provider for a message with that id instead of sending
blindly a second time.
"""

from __future__ import annotations

import hashlib


def part_track_id(batch_key: str, index: int) -> str:
    """``<16 hex digits of sha256(batch key)>-<part number, from 1>``: the id of part ``index``.

    Opaque (no phone number, no text) and short; 64 bits of hash keep the ids of different
    batches apart, and lookups are filtered by chat as well.
    """
    if index < 0:
        raise ValueError(f"part index must be >= 0, not {index}")
    digest = hashlib.sha256(batch_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{digest}-{index + 1}"

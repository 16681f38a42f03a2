"""Unique names for the resources a test makes (buckets, Redis namespaces).

A name is never a run of 8 digits: the commands mask such runs as phone numbers wherever they
echo them, and a random ``uuid4().hex[:8]`` is all digits about once in 43 tries — a test that
compares a command's message with its bucket's name failed that way.
"""

import uuid


def unique_name(prefix: str) -> str:
    """``prefix-`` plus eight random hex digits, with a letter in the middle: ``kb-1a2bx3c4d``."""
    token = uuid.uuid4().hex
    return f"{prefix}-{token[:4]}x{token[4:8]}"

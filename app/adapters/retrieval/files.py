"""Writing a cached index folder so that readers see it whole or not at all."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomically(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into ``folder``: staged beside it, then renamed in one step. When another
    process got there first, its copy (the same content: folders are named by it) is kept."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    for name, data in files.items():
        (staging / name).write_bytes(data)
    try:
        os.replace(staging, folder)
    except OSError:  # another process cached the same content first
        for name in files:
            (staging / name).unlink(missing_ok=True)
        staging.rmdir()

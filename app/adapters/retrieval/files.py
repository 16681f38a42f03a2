"""Writing a cached index folder so that readers see it whole or not at all."""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


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


def npy_files(prefix: str, arrays: Mapping[str, npt.NDArray[Any]]) -> dict[str, bytes]:
    """Each array as its own ``.npy`` file named ``{prefix}.{name}.npy``, to be memory-mapped."""
    files = {}
    for name, array in arrays.items():
        out = io.BytesIO()
        np.save(out, array, allow_pickle=False)
        files[f"{prefix}.{name}.npy"] = out.getvalue()
    return files


def mapped_arrays(folder: Path, prefix: str) -> dict[str, npt.NDArray[Any]]:
    """The arrays :func:`npy_files` wrote, memory-mapped read-only: opening them reads nothing,
    a search reads the pages it touches."""
    found = {}
    for path in folder.glob(f"{prefix}.*.npy"):
        name = path.name[len(prefix) + 1 : -len(".npy")]
        found[name] = np.load(path, mmap_mode="r", allow_pickle=False)
    return found


def mapped_bytes(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, memory-mapped read-only (an empty file as ``b""``)."""
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size == 0:
            return b""
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)

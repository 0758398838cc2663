"""What the process keeps for good after its start: out of the garbage collector's walks.

The config, the ACD core's records of every agent and queue, the IVR flows and
the rest built at start live as long as the process. CPython's full
collections walk every tracked object each time, so at 10,000 agents a few
hundred thousand long-lived objects made each one tens of milliseconds, taken
from whichever call was being routed (``docs/benchmarks.md``, the ACD core).
``gc.freeze`` moves what exists now to a permanent generation the collector
skips; garbage made later is collected as before.
"""

from __future__ import annotations

import gc


def settle_after_start() -> int:
    """Collect the start's garbage, then freeze what is left; how many objects froze."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

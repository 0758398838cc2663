"""The figures every single-core benchmark prints: the best of its runs, per event."""

from __future__ import annotations

import platform


def print_best(title: str, runs: list[tuple[int, float]], seed: int) -> None:
    """``runs``: (events handled, seconds) of each repeat; the fastest is the one shown."""
    events, best = min(runs, key=lambda run: run[1])
    print(title)
    print(f"python {platform.python_version()} on {platform.machine()}, seed {seed}")
    print(f"events:      {events:,}")
    print(f"time:        {best:.3f} s (best of {len(runs)})")
    print(f"events/s:    {events / best:,.0f}")
    print(f"us/event:    {best / events * 1e6:.2f}")

"""An asyncio event loop whose clock is virtual: hours of calls run in seconds.

The platform's asyncio parts (the engine, the call tasks, the ACD's timers)
read time only through the loop (``loop.time()``, ``asyncio.sleep``,
``wait_for``) or the clock they are handed. On this loop that time moves only
when nothing is ready to run: where a real loop would wait in ``select`` for
the next timer, this one jumps to it. Everything that would happen at one
instant happens at that instant, in the order a real loop would run it, so a
run is as deterministic as the code it runs.

Nothing real may be awaited on it (a socket, a thread): the simulated world is
the only source of events. When nothing is ready and no timer is due, the run
is stuck for good, and ``VirtualTimeStalled`` says so instead of hanging.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

#: where virtual time starts: a plausible wall-clock time (Friday 2027-01-15 15:00 UTC,
#: 10:00 in New York), so that code reading the engine's clock as a date (calling hours,
#: a flow's opening hours) works, and a run starts within the usual calling hours
VIRTUAL_EPOCH = 1_800_025_200.0


#: timers this close together fire together (far below any time the platform sets)
_RESOLUTION = 1e-6


class VirtualTimeStalled(RuntimeError):
    """Nothing is ready, no timer is pending: the run waits on something that never comes."""


class _JumpingSelector(selectors.BaseSelector):
    """Keeps the loop's registrations (its self-pipe) and, instead of waiting, moves
    the loop's clock forward by the time a real selector would have waited."""

    def __init__(self) -> None:
        self._keys: dict[Any, selectors.SelectorKey] = {}
        self.loop: VirtualTimeLoop | None = None

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        key = selectors.SelectorKey(fileobj, _fd(fileobj), events, data)
        self._keys[fileobj] = key
        return key

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._keys.pop(fileobj)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            raise VirtualTimeStalled("nothing left to run and no timer pending")
        if self.loop is not None and timeout > 0:
            self.loop.advance(timeout)
        return []

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._keys

    def close(self) -> None:
        self._keys.clear()


def _fd(fileobj: Any) -> int:
    return fileobj if isinstance(fileobj, int) else int(fileobj.fileno())


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector loop whose ``time()`` is virtual and jumps to the next timer."""

    def __init__(self, start: float = VIRTUAL_EPOCH) -> None:
        self._now = start
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        # a timer is due when the clock is within this of it; at dates around 1.8e9 s a
        # float's step is about 2e-7 s, so the monotonic clock's nanosecond would never do
        self._clock_resolution = _RESOLUTION

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock on to the next timer; only the selector does, when nothing is ready.

        Exactly to the timer's time, not by the wait: the sum could round short of it.
        """
        scheduled: list[asyncio.TimerHandle] = getattr(self, "_scheduled", [])
        due = scheduled[0].when() if scheduled else self._now + seconds
        self._now = max(self._now, due)


def run_virtual(main: Coroutine[Any, Any, T], *, start: float = VIRTUAL_EPOCH) -> T:
    """Run ``main`` to its end on a fresh virtual-time loop, then close the loop."""
    loop = VirtualTimeLoop(start)
    try:
        return loop.run_until_complete(main)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

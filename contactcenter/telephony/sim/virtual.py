"""An asyncio event loop whose clock is virtual: hours of calls run in seconds.

The platform's asyncio parts (the engine, the call tasks, the ACD's timers)
read time only through the loop (``loop.time()``, ``asyncio.sleep``,
``wait_for``) or the clock they are handed. On this loop that time moves only
when nothing is ready to run: where a real loop would wait in ``select`` for
the next timer, this one jumps to it. Everything that would happen at one
instant happens at that instant, in the order a real loop would run it (up to ties), so a
run is as deterministic as the code it runs.

Nothing real may be awaited on it (a socket, a thread: ``VirtualTimeMisuse``):
the simulated world is the only source of events. When nothing is ready and no
timer is due, the run is stuck for good: ``VirtualTimeStalled`` says so instead
of hanging, unless the run said what to do then (``when_stalled``). Timers
within a microsecond of each other fire together, in the order of their times.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Callable, Coroutine, Mapping
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


class VirtualTimeMisuse(RuntimeError):
    """Something real awaited on a virtual clock (a thread, a socket): it would never come,
    or come at no time the clock could tell."""


class _JumpingSelector(selectors.BaseSelector):
    """Keeps the loop's registrations (its self-pipe) and, instead of waiting, moves
    the loop's clock forward by the time a real selector would have waited."""

    def __init__(self) -> None:
        self._keys: dict[Any, selectors.SelectorKey] = {}
        self.loop: VirtualTimeLoop | None = None
        #: once the loop's own wake-up pipe is in, nothing real may wait here
        self.sealed = False

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        if self.sealed:
            raise VirtualTimeMisuse("a socket or pipe on a virtual clock would never be read")
        key = selectors.SelectorKey(fileobj, _fd(fileobj), events, data)
        self._keys[fileobj] = key
        return key

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._keys.pop(fileobj)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            stalled = self.loop.take_stall_handler() if self.loop is not None else None
            if stalled is None:
                raise VirtualTimeStalled("nothing left to run and no timer pending")
            stalled()  # once: what it schedules runs next
            return []
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
        self._on_stall: Callable[[], None] | None = None
        super().__init__(selector)
        selector.loop = self
        selector.sealed = True
        # a timer is due when the clock is within this of it; at dates around 1.8e9 s a
        # float's step is about 2e-7 s, so the monotonic clock's nanosecond would never do
        self._clock_resolution = _RESOLUTION

    def time(self) -> float:
        return self._now

    def when_stalled(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once) instead of raising ``VirtualTimeStalled``: a run that
        can end with calls still waiting (no agent left to take them) ends so."""
        self._on_stall = callback

    def take_stall_handler(self) -> Callable[[], None] | None:
        handler, self._on_stall = self._on_stall, None
        return handler

    def run_in_executor(self, executor: Any, func: Any, *args: Any) -> Any:  # type: ignore[override]
        raise VirtualTimeMisuse("a thread's work takes no time on a virtual clock")

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
    finally:  # what is left is cancelled and awaited, as asyncio.run does
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        if left:
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

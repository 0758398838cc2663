"""Running a sans-I/O core's timers: wait for its next deadline, or for news that may
have moved it, and fire what is due; for as long as the task runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


async def run_deadlines(next_deadline: Callable[[], float | None], fire: Callable[[], None],
                        wake: asyncio.Event, clock: Callable[[], float], *, name: str) -> None:
    """Call ``fire`` each time the core's ``next_deadline()`` passes; set ``wake`` after
    any event fed to the core, since it may have moved the deadline. A ``fire`` that fails
    is logged and the timers go on (every other call needs them)."""
    while True:
        deadline = next_deadline()
        timeout = None if deadline is None else max(0.0, deadline - clock())
        wake.clear()
        try:  # (asyncio.timeout, not wait_for: a cancel never gets lost in a wake-up)
            async with asyncio.timeout(timeout):
                await wake.wait()
        except TimeoutError:
            try:
                fire()
            except Exception:
                log.exception("%s timers failed", name)

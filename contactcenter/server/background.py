"""The serve process's long-running tasks: owned, watched, cancelled and awaited.

The journal's syncing, the CRM outbox, the screen-pops, the ACD's and the call
gate's timers and the senders of commands each run for as long as the process.
A task that died with an exception used to die silently while the rest went
on: calls queued with no timers, records never reaching the CRM. Here each one
is started by name; one that ends on its own (with an error or without) is
logged at once and named in ``failed``, which the health check reports (503),
and ``stop`` cancels every task and waits for each to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Future[Any]] = {}
        #: task name -> why it ended before the process did
        self.failed: dict[str, str] = {}
        self._stopping = False

    def start(self, name: str,
              work: Coroutine[Any, Any, Any] | asyncio.Future[Any]) -> asyncio.Future[Any]:
        """Run ``work`` (or watch a task already started) under ``name``."""
        if name in self._tasks:
            if asyncio.iscoroutine(work):
                work.close()
            raise ValueError(f"a background task {name!r} runs already")
        task = asyncio.ensure_future(work)
        self._tasks[name] = task
        task.add_done_callback(lambda done: self._ended(name, done))
        return task

    def _ended(self, name: str, task: asyncio.Future[Any]) -> None:
        if self._stopping or task.cancelled():
            return
        error = task.exception()
        self.failed[name] = "ended" if error is None else f"{type(error).__name__}: {error}"
        log.error("background task %s stopped: %s", name, self.failed[name],
                  exc_info=error)

    def status(self) -> dict[str, Any]:
        """For the health check: every task running, or which stopped and why."""
        return {"ok": not self.failed, "running": sorted(set(self._tasks) - set(self.failed)),
                "failed": dict(self.failed)}

    async def stop(self) -> None:
        """Cancel every task and wait for each (a task's own clean-up included)."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, Exception):
                log.warning("a background task failed as it stopped: %r", result)

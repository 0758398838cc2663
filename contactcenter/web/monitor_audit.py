"""Each monitoring session in the CRM's audit log: who listened to which call, how,
from which phone, and when it started and ended.

Two entries per session, of the entity ``monitoring``: ``create`` as the
supervisor's phone rings (the session's id, the call, its agent, the mode, the
phone asked for and the one that rang) and ``update`` as it ends (when the
supervisor joined, null if they never answered, and when it ended). The call
journal keeps the same facts with the call's record.

The entries are written in order by one task, off the request and off the
engine's events; a database that refuses is tried again, with growing pauses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.audit import AuditLog, Changes

log = logging.getLogger(__name__)

ENTITY = "monitoring"
#: what a session's first entry records, from its ``call.monitor`` report
_OPENED = {"monitor_id": "monitor_id", "call_id": "call_id", "agent": "monitored_agent",
           "mode": "mode", "endpoint": "endpoint", "phone": "phone"}
MAX_PAUSE = 30.0


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def entry(event: dict[str, Any]) -> tuple[str, Changes] | None:
    """The audit action and changes of one monitoring report; None for other reports."""
    if event["type"] == "call.monitor":
        return "create", {field: {"before": None, "after": event.get(key)}
                          for field, key in _OPENED.items()}
    if event["type"] == "call.monitor.ended":
        return "update", {
            "monitor_id": {"before": event["monitor_id"], "after": event["monitor_id"]},
            "started_at": {"before": None, "after": _iso(event.get("started"))},
            "ended_at": {"before": None, "after": _iso(event["time"])}}
    return None


class MonitorAudit:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 first_pause: float = 0.5) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._first_pause = first_pause

    def report(self, event: dict[str, Any]) -> None:
        """A session's report (``Monitors.observers``): kept until written."""
        if entry(event) is not None:
            self._queue.put_nowait(event)

    async def drained(self) -> None:
        """Returns once every report so far is in the audit log."""
        await self._queue.join()

    async def run(self) -> None:
        while True:
            event = await self._queue.get()
            pause = self._first_pause
            while True:
                try:
                    await self._write(event)
                    break
                except Exception as exc:  # noqa: BLE001 - any database failure: keep, retry
                    log.warning("audit log unreachable, monitoring session %s waits: %s",
                                event.get("monitor_id"), exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, MAX_PAUSE)
            self._queue.task_done()

    async def _write(self, event: dict[str, Any]) -> None:
        written = entry(event)
        assert written is not None
        action, changes = written
        async with self._sessions() as session, session.begin():
            await AuditLog(session).record(username=event.get("supervisor"), action=action,
                                           entity=ENTITY, entity_id=None, changes=changes,
                                           at=dt.datetime.fromtimestamp(event["time"], dt.UTC))

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        """The app's ``cleanup_ctx``: writes while the app runs; what is left is written
        at shutdown, if the database lets it."""
        task = asyncio.ensure_future(self.run())
        yield
        try:
            await asyncio.wait_for(self.drained(), timeout=5)
        except TimeoutError:
            log.warning("%d monitoring sessions not written to the audit log (they are in "
                        "the call journal)", self._queue.qsize())
        task.cancel()

"""The customer 360 for a call's screen-pop: one CRM lookup per call, never on the way
of anything else.

The lookup runs as a task of its own, so that the bus, the ACD and the other calls go
on while the database answers; every offer of the call (a ring that times out goes to
the next agent, ``ring_all`` rings several) waits on the same task. A pop waits at most
``timeout`` for it and then goes out without the customer; the lookup itself goes on,
and a later offer of the call gets its answer. Only a lookup that failed is tried again,
at the next offer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

#: how the lookup went: the caller is a customer, is not, or the CRM did not say in time
LookupStatus = Literal["found", "not_found", "failed", "timed_out"]
Customer = dict[str, Any]


class CustomerSource(Protocol):
    """The CRM's customer 360 (``crm_core.customers.CustomerService``)."""

    async def by_phone(self, phone: str) -> Any: ...


class CustomerLookup:
    """The 360 of one caller, looked up once."""

    def __init__(self, source: CustomerSource | None, caller: str) -> None:
        self._source = source
        self._caller = caller
        self._task: asyncio.Task[Customer | None] | None = None

    def start(self) -> None:
        """Start the lookup, unless one is under way or has answered."""
        failed = (self._task is not None and self._task.done() and not self._task.cancelled()
                  and self._task.exception() is not None)
        if self._task is None or failed:
            self._task = asyncio.ensure_future(self._look_up())

    async def _look_up(self) -> Customer | None:
        if self._source is None or not self._caller:
            return None
        view = await self._source.by_phone(self._caller)
        if view is None:
            return None
        if dataclasses.is_dataclass(view) and not isinstance(view, type):
            return dataclasses.asdict(view)  # the CRM's CustomerView, as the lookup route
        return dict(view)

    async def result(self, timeout: float) -> tuple[Customer | None, LookupStatus]:
        """The customer (None when unknown or not known in time) and how the lookup went."""
        self.start()
        task = self._task
        assert task is not None
        done, _ = await asyncio.wait({task}, timeout=timeout)  # the lookup is never cancelled
        if not done:
            log.warning("the CRM did not answer for %s within %.1f s: screen-pop without "
                        "the customer", self._caller, timeout)
            return None, "timed_out"
        if task.cancelled() or task.exception() is not None:
            log.warning("CRM lookup for %s failed: %r", self._caller,
                        None if task.cancelled() else task.exception())
            return None, "failed"
        customer = task.result()
        return customer, "found" if customer is not None else "not_found"

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

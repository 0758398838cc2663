"""A webhook kept open for its call's next document, and how long it waits for it.

Twilio runs the document a voice, gather, park, dial or answered webhook answers with.
The commands the webhook's events lead to give that document, so the webhook stays open
until they have been carried out. The engine says when that is (``Settled``: the call's
task has handled the events and awaits no lookup or call-gate answer, until their
timeouts, and the ACD has sent what they led it to), and the webhook is answered
then: with the last document given (however long the commands between took, up to
``answer_within``), or, for a key or the end of a wait that led to none (a digit of an
account number), with the call's waiting document at once.

A call the engine cannot tell of (a leg the platform rang), or no ``Settled``: the
webhook waits for a document (``quiet`` seconds for keys and the end of a wait), then
``settle`` seconds for the commands right after (the last document wins). Nothing waits
past ``answer_within``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

#: the engine's ``settled``: returns once the call's events are handled (True), or at
#: once with False for a call it cannot tell of
Settled = Callable[[str], Awaitable[bool]]


@dataclass(slots=True)
class OpenHook:
    """A webhook waiting for its call's next document."""

    given: asyncio.Event = field(default_factory=asyncio.Event)
    name: str = ""
    xml: str = ""


@dataclass(slots=True)
class Waits:
    """How long an open webhook waits; ``quiet`` is capped by ``answer_within``."""

    answer_within: float
    settle: float
    quiet: float
    settled: Settled | None = None

    def __post_init__(self) -> None:
        self.quiet = min(self.quiet, self.answer_within)

    async def for_document(self, call_id: str, hook: OpenHook, *, keyed: bool) -> None:
        """Until the engine has handled the webhook's events, or else a document comes
        (``keyed``: a key or the end of a wait, which may well lead to none)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.answer_within
        if await self._handled(call_id) and (hook.given.is_set() or keyed):
            return
        left = max(0.0, deadline - loop.time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hook.given.wait(), min(self.quiet, left) if keyed else left)
            await asyncio.sleep(self.settle)  # the commands right after: the last wins

    async def _handled(self, call_id: str) -> bool:
        """Whether the engine has handled the call's events (within ``answer_within``):
        False if it cannot tell, or has not in time."""
        if self.settled is None:
            return False
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self.settled(call_id), self.answer_within)
        return False

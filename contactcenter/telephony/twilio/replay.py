"""Webhooks already answered, by ``Webhook.dedupe_key``: Twilio resends a webhook it got
no answer to in time, and a replay must get the answer the original got, its events
handed to the engine once.

A key is kept with the answer's future: a replay that comes while the original is still
being answered waits for that same answer. Only the last ``size`` keys are kept (oldest
dropped first); Twilio's retries come within seconds of the original, so a bound of a few
thousand webhooks is far more than they need. The answers given are also written to the
books on disk (``store.py``) and put back with ``restore`` at start: a webhook answered
just before a restart and resent after it gets the same answer.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

#: keys kept by default
SIZE = 10_000


class ReplayBook:
    def __init__(self, size: int = SIZE) -> None:
        if size < 1:
            raise ValueError("a replay book keeps at least one key")
        self._size = size
        self._answers: OrderedDict[str, asyncio.Future[str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def seen(self, key: str) -> asyncio.Future[str] | None:
        """The answer of the webhook already seen under ``key``, or None."""
        return self._answers.get(key)

    def restore(self, key: str, xml: str) -> None:
        """A webhook answered before a restart (from the books on disk)."""
        self.open(key).set_result(xml)

    def open(self, key: str) -> asyncio.Future[str]:
        """A new webhook: the future its answer is set on."""
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._answers[key] = answer
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return answer

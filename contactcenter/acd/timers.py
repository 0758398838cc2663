"""The core's timers: one heap of deadlines for every call and agent.

A timer belongs to a record (call or agent) and has a kind (``ring``,
``wrap_up``...). The record keeps, per kind, the number of the one timer of
that kind that counts; setting a new one or cancelling leaves the old entry in
the heap, stale, to be dropped when it comes up (lazy deletion, like the
routing heaps).
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Protocol


class Timed(Protocol):
    @property
    def timers(self) -> dict[str, int]: ...


class Timers:
    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, Timed]] = []
        self._seq = 0

    def set(self, target: Timed, kind: str, deadline: float) -> None:
        """Arm ``kind`` for ``target`` at ``deadline``, replacing one already armed."""
        self._seq += 1
        target.timers[kind] = self._seq
        heappush(self._heap, (deadline, self._seq, kind, target))

    def pop_due(self, now: float) -> tuple[str, Timed, float] | None:
        """The earliest live timer due at ``now`` (disarmed), or None."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            deadline, seq, kind, target = heappop(heap)
            if target.timers.get(kind) == seq:
                del target.timers[kind]
                return kind, target, deadline
        return None

    def due(self, now: float) -> bool:
        """Whether a timer, live or stale, is due by ``now``: a cheap look before popping."""
        heap = self._heap
        return bool(heap) and heap[0][0] <= now

    def next_deadline(self) -> float | None:
        heap = self._heap
        while heap:
            _, seq, kind, target = heap[0]
            if target.timers.get(kind) == seq:
                return heap[0][0]
            heappop(heap)
        return None

    def __len__(self) -> int:
        return len(self._heap)

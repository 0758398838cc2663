"""The oracle: the most talk any pacer could get from a (cell, seed), the physical limit.

It knows every record's fate before dialing, so it dials only the people, and each
of them so that they answer exactly as an agent frees: no agent ever waits after the
first answer of the shift, no line is spent on a machine or a ring-out, nobody is
abandoned. Each agent's day is then talk and wrap-up back to back, with the same
people in the same order as every other mode meets them (``world.py``), so that no
pacer can have more talk on the same seed but by luck of whom it reached. No core is
needed: it is a sum, computed directly.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from contactcenter.dialer.simulator.metrics import Result
from contactcenter.dialer.simulator.world import BLOCK, HUMAN, World


def oracle(world: World, *, ring_timeout: float = 20.0) -> Result:
    """The bound for ``world``: agents free at the start each take the next person
    (dialed at the start, answering after their drawn delay), then the next ones as
    they free, until the shift ends; talk past the end is cut at it."""
    cell = world.cell
    shift = cell.shift
    free = [0.0] * cell.agents  # when each agent is free next (a heap)
    talk = 0.0
    humans = 0
    for index in _people(world, ring_timeout):
        at = heapq.heappop(free)
        if at >= shift:
            break
        _, delay, _, length, wrap, _ = world.record(index)
        start = delay if at == 0.0 else at  # each agent's first person, dialed at 0
        talk += max(0.0, min(start + length, shift) - start)
        humans += 1
        heapq.heappush(free, start + length + wrap)
    hours = shift / 3600.0
    return Result(mode="oracle", seed=world.seed, agents=cell.agents, hours=hours,
                  talk_minutes_per_agent_hour=talk / 60.0 / (cell.agents * hours),
                  abandoned_rate=0.0, worst_24h=0.0, worst_hour=0.0, dials=humans,
                  humans=humans, connects=humans, abandoned=0)


def _people(world: World, ring_timeout: float) -> Iterator[int]:
    """The records a person answers before the ring timeout, in list order, for ever."""
    block = 0
    while True:
        drawn = world.block(block)
        for i, (kind, delay) in enumerate(zip(drawn.outcome, drawn.delay)):
            if kind == HUMAN and delay < ring_timeout:
                yield block * BLOCK + i
        block += 1

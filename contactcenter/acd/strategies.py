"""Routing strategies: which available agent a queue prefers, picked by name from YAML.

A strategy is only an order: the key an available agent is filed under in the
queue's heaps (``index.py``), smallest first. The tier (1 first) always leads,
so a queue rings its tier 2 agents only when no tier 1 agent is free, as
Asterisk's member penalties do. Keys are taken when the agent becomes available
and do not change while they are.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from contactcenter.acd.records import AgentRecord

Key = tuple[float, ...]
#: sorts an agent who never had a call from a queue before everyone who had, in config order
_NEVER = -1_000_000_000


class Strategy(ABC):
    """How a queue orders its available agents."""

    name: ClassVar[str]
    #: offer each call to every fitting agent of the best tier at once; the first answer wins
    rings_all: ClassVar[bool] = False

    @abstractmethod
    def key(self, agent: AgentRecord, queue: str, tier: int, level: int) -> Key:
        """The agent's place in ``queue`` (``level``: in the skill the calls ask for)."""


class LongestIdle(Strategy):
    """The agent available for the longest time."""

    name = "longest_idle"

    def key(self, agent: AgentRecord, queue: str, tier: int, level: int) -> Key:
        return (tier, agent.idle_since)


class RoundRobin(Strategy):
    """Agents take turns: the one this queue offered a call to the longest ago."""

    name = "round_robin"

    def key(self, agent: AgentRecord, queue: str, tier: int, level: int) -> Key:
        return (tier, agent.turns.get(queue, _NEVER + agent.order))


class FewestCalls(Strategy):
    """The agent who answered the fewest calls; the longest idle among equals."""

    name = "fewest_calls"

    def key(self, agent: AgentRecord, queue: str, tier: int, level: int) -> Key:
        return (tier, agent.calls, agent.idle_since)


class RingAll(Strategy):
    """Every fitting agent of the best tier rings; the first to answer takes the call."""

    name = "ring_all"
    rings_all = True

    def key(self, agent: AgentRecord, queue: str, tier: int, level: int) -> Key:
        return (tier, agent.idle_since)


class Skills(Strategy):
    """The best match: the highest level in the call's skill, then the longest idle.

    Together with the queue's ``min_level`` and ``widen_after``: at first only
    agents of ``min_level`` or better qualify; as the call waits, the minimum
    drops step by step, so a weaker match beats a long wait.
    """

    name = "skills"

    def key(self, agent: AgentRecord, queue: str, tier: int, level: int) -> Key:
        return (tier, -level, agent.idle_since)


#: strategy name -> the strategy (they hold no state, so queues share them)
STRATEGIES: dict[str, Strategy] = {
    strategy.name: strategy
    for strategy in (LongestIdle(), RoundRobin(), FewestCalls(), RingAll(), Skills())
}

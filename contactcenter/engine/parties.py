"""Who is on a call the ACD hands out: the waiting caller's side, the agents' legs.

The distributor keeps one ``CallSide`` per caller it was handed (or callback it
dials); the legs rung for them, and the callers' records the rules need, are
the offers core's (``contactcenter.calls.offers``), whose names are taken here.
"""

from __future__ import annotations

from typing import Protocol

from contactcenter.calls.offers import Leg, bridge_of, position_media

__all__ = ["CallSide", "Leg", "bridge_of", "position_media"]


class CallSide(Protocol):
    """What the distributor needs of a waiting caller's task."""

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None: ...

    def overflow(self, kind: str, target: str | None) -> None: ...

    def hang_up(self, reason: str) -> None: ...

"""Click-to-talk: calls agents place themselves, the agent's phone first and then the
customer's, sans-I/O (``states.py`` has the theory of operation, ``core.py`` the table
of transitions). The engine's adapter is ``contactcenter.engine.click_to_talk``."""

from contactcenter.calls.click_to_talk import commands, events
from contactcenter.calls.click_to_talk.core import (
    MAY_PLACE,
    ClickToTalkUsageError,
    PlacedCalls,
    refusal_of,
)
from contactcenter.calls.click_to_talk.states import AGENT_RING, PlacedState

__all__ = ["AGENT_RING", "MAY_PLACE", "ClickToTalkUsageError", "PlacedCalls", "PlacedState",
           "commands", "events", "refusal_of"]

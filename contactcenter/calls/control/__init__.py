"""Call control: the parties of a call with an agent, hold, mute, transfer, consult,
conference; sans-I/O (``states.py`` has the theory of operation, ``core.py`` the
table of transitions). The engine's adapter is ``contactcenter.engine.control``."""

from contactcenter.calls.control import commands, events
from contactcenter.calls.control.core import CallControl, ControlUsageError
from contactcenter.calls.control.states import (
    CONSULTABLE,
    TARGET_KINDS,
    PartyState,
    Role,
    TalkState,
)
from contactcenter.calls.control.talk import TalkView

__all__ = ["CONSULTABLE", "TARGET_KINDS", "CallControl", "ControlUsageError", "PartyState",
           "Role", "TalkState", "TalkView", "commands", "events"]

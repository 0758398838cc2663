"""The call core: the rules every call the platform places obeys, sans-I/O.

``CallGate`` (``gate.py``) clears, defers or refuses each placement by the
do-not-call list and the callee's calling hours; ``states.py`` has its theory
of operation. The engine's adapter is ``contactcenter.engine.gatekeeper``.
"""

from contactcenter.calls.commands import (
    Cleared,
    Decision,
    Deferred,
    GateCommand,
    LookUpCallee,
    Refused,
    Report,
    Resume,
)
from contactcenter.calls.events import (
    CalleeFound,
    GateEvent,
    LookupFailed,
    PlacementAsked,
    PlacementFinished,
    TurnCame,
)
from contactcenter.calls.gate import LOOKUP_TIMEOUT, CallGate
from contactcenter.calls.states import LATER, PlacementState, Source

__all__ = [
    "LATER",
    "LOOKUP_TIMEOUT",
    "CallGate",
    "CalleeFound",
    "Cleared",
    "Decision",
    "Deferred",
    "GateCommand",
    "GateEvent",
    "LookUpCallee",
    "LookupFailed",
    "PlacementAsked",
    "PlacementFinished",
    "PlacementState",
    "Refused",
    "Report",
    "Resume",
    "Source",
    "TurnCame",
]

"""The IVR core: flows from YAML, and a sans-I/O session per call.

The engine loads flows once (``load_flows``), makes one ``IvrSession`` per
call, feeds it events and due timers, and runs the commands it returns.
"""

from contactcenter.ivr.commands import (
    Answer,
    Exit,
    ExitKind,
    IvrCommand,
    Lookup,
    Play,
    Report,
    StopPlay,
)
from contactcenter.ivr.events import (
    CallerHungUp,
    CallStarted,
    DigitPressed,
    IvrEvent,
    LookupAnswered,
    PromptEnded,
    SpeechHeard,
)
from contactcenter.ivr.loader import load_flow, load_flows, parse_flow
from contactcenter.ivr.model import BACK, NODE_TYPES, Flow
from contactcenter.ivr.session import IvrSession, IvrUsageError
from contactcenter.ivr.states import State

__all__ = [
    "BACK",
    "NODE_TYPES",
    "Answer",
    "CallStarted",
    "CallerHungUp",
    "DigitPressed",
    "Exit",
    "ExitKind",
    "Flow",
    "IvrCommand",
    "IvrEvent",
    "IvrSession",
    "IvrUsageError",
    "Lookup",
    "LookupAnswered",
    "Play",
    "PromptEnded",
    "Report",
    "SpeechHeard",
    "State",
    "StopPlay",
    "load_flow",
    "load_flows",
    "parse_flow",
]

"""The ACD core: queues and agents from YAML, and a sans-I/O router for all of them.

The engine loads the config once (``load_acd``), makes one ``Acd``, feeds it
events and due timers, and runs the commands it returns.
"""

from contactcenter.acd.commands import (
    AcdCommand,
    Announce,
    CancelOffer,
    ConnectCall,
    OfferCall,
    OverflowCall,
    PlayComfort,
    Report,
)
from contactcenter.acd.core import Acd
from contactcenter.acd.events import (
    AcdEvent,
    AgentAvailable,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    CallbackDeferred,
    CallbackRequested,
    CallFinished,
    CallJoined,
    CallLeft,
    CallRestored,
    OfferAnswered,
    OfferFailed,
    WrapUpEnded,
)
from contactcenter.acd.loader import load_acd, parse_acd
from contactcenter.acd.model import (
    STRATEGY_NAMES,
    AcdConfig,
    AgentConfig,
    AgentId,
    CallId,
    Overflow,
    QueueConfig,
)
from contactcenter.acd.runtime import AcdUsageError
from contactcenter.acd.states import AgentState, CallState
from contactcenter.acd.strategies import STRATEGIES, Strategy
from contactcenter.acd.views import AgentStateView, AgentStats, CallView, QueueStats

__all__ = [
    "STRATEGIES",
    "STRATEGY_NAMES",
    "Acd",
    "AcdCommand",
    "AcdConfig",
    "AcdEvent",
    "AcdUsageError",
    "AgentAvailable",
    "AgentConfig",
    "AgentId",
    "AgentLoggedIn",
    "AgentLoggedOut",
    "AgentPaused",
    "AgentState",
    "AgentStateView",
    "AgentStats",
    "Announce",
    "CallFinished",
    "CallId",
    "CallJoined",
    "CallLeft",
    "CallRestored",
    "CallState",
    "CallView",
    "CallbackDeferred",
    "CallbackRequested",
    "CancelOffer",
    "ConnectCall",
    "OfferAnswered",
    "OfferCall",
    "OfferFailed",
    "Overflow",
    "OverflowCall",
    "PlayComfort",
    "QueueConfig",
    "QueueStats",
    "Report",
    "Strategy",
    "WrapUpEnded",
    "load_acd",
    "parse_acd",
]

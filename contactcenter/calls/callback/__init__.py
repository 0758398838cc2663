"""Callbacks: promises to call customers back and the attempts that keep them, sans-I/O
(``states.py`` has the theory of operation, ``core.py`` and ``attempt.py`` the tables
of transitions). The engine's adapters are ``contactcenter.engine.callback_line`` and
``contactcenter.engine.callbacks``."""

from contactcenter.calls.callback import commands, events
from contactcenter.calls.callback.attempt import Attempt, outcome_word
from contactcenter.calls.callback.core import Callbacks, CallbackUsageError, Promise
from contactcenter.calls.callback.records import promised
from contactcenter.calls.callback.states import (
    CUSTOMER_RING,
    DIALABLE,
    RINGBACK,
    AttemptState,
    CallbackState,
)

__all__ = ["CUSTOMER_RING", "DIALABLE", "RINGBACK", "Attempt", "AttemptState",
           "CallbackState", "CallbackUsageError", "Callbacks", "Promise", "commands",
           "events", "outcome_word", "promised"]

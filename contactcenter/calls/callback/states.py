"""Callbacks: a promise to call a customer back, and one attempt to keep it.

Theory of operation
-------------------
A customer who asks to be called back (in the IVR, on the help page), or a
queue whose overflow leaves a callback behind, or a promise read back from the
journal after a restart, makes a *promise*: a virtual caller waits in the ACD
core's line (``CallbackRequested``), and when its turn comes an agent's phone
rings with the customer's number on its display; once the agent answers, the
customer is dialed. ``Callbacks`` (``core.py``) keeps these rules. It never does
I/O and never reads the clock: the engine hands it events (``handle(event,
now)``) and carries out the commands it returns, in order. It keeps no timer:
the call gate's (``contactcenter.calls.gate``) and the ACD's are their own.

The call gate decides whether the customer may be called at all. When a gate
is attached, every promise asks it first (``AskGate``) and is ``CHECKING``
until its first answer (``GateAnswered``): refused (the do-not-call list, an
unknown local time, a lookup that failed) ends the promise at once, and the
person who asked is told by whoever awaits the gate's answer; cleared for now
puts it in line (``WAITING``); cleared only for the window's next opening
keeps it out of line (``DEFERRED``) until the gate says ``Resumed``. A
queue's overflow is in line already while the gate looks: cleared for later
sets it aside. With no gate, a promise goes straight in line.

Each turn (``TurnCame``: the ACD offers it to an agent) is checked again on
the clock of that moment (``CheckTurn``, answered at once by ``TurnChecked``):
cleared, the agent is rung (``OFFERED``); deferred, the promise leaves the line
once the ACD's current batch is carried out (``SetAside``) until ``Resumed``;
refused, it leaves for good (``Withdraw``). Nobody's phone rings before the
gate cleared that turn. At the first cleared turn the promise becomes an
*attempt* (``StartAttempt``): the offers core gets a caller to ring agents
for. A turn with nobody to dial (no outbound peer, a number that cannot be
dialed) withdraws the promise (``callback.withdrawn``) instead of ringing an
agent for nobody; an agent who lets it ring out leaves the promise in line
for its next turn.

The promise is kept once an agent takes it (``AgentAssigned``): the gate hears
it was dialed, and the attempt's news goes on its own outbound record
(``<call>-callback``). Every promise ends exactly once, in a final
``CallbackState``: ``CONNECTED`` (an agent took it and the customer was
dialed), ``REFUSED``, ``WITHDRAWN`` or ``CANCELLED`` (given up before anyone
was dialed). News of a promise that ended changes nothing.

An attempt (``attempt.py``, also click-to-talk's) is in one ``AttemptState``.
``READY``: nobody dialed yet. ``DIALING``: the agent answered and hears
ringing while the customer's phone rings (``DialCustomer``; the record begins,
``call.dialed``). ``TALKING``: the customer answered, both are in the call's
bridge (``callback.connected``, ``call.answered``: talk time counts from
here) and call control has the call. ``ENDED``: its record ended with an
outcome (``answered``, or the prefix and why not: busy, no_answer, cancelled,
failed). The agent hanging up hangs the customer's leg up; the customer's leg
ending (busy, no answer, a hang-up) ends the agent's side; a customer who
answers once the attempt is over, or before the agent did, is hung up, so that
no customer's leg is left up without its agent.
"""

from __future__ import annotations

import re
from enum import Enum


class CallbackState(str, Enum):
    """Where a promise to call back is."""

    CHECKING = "checking"  #: the gate's first answer awaited
    WAITING = "waiting"  #: in the ACD's line, waiting for its turn
    DEFERRED = "deferred"  #: out of line until the gate says Resume
    OFFERED = "offered"  #: its turn came and was cleared: an agent's phone rings
    CONNECTED = "connected"  #: an agent took it; the customer dialed (final)
    REFUSED = "refused"  #: the gate said no (final)
    WITHDRAWN = "withdrawn"  #: nobody could be dialed (final)
    CANCELLED = "cancelled"  #: given up before anyone was dialed (final)


FINAL = frozenset({CallbackState.CONNECTED, CallbackState.REFUSED, CallbackState.WITHDRAWN,
                   CallbackState.CANCELLED})
#: a promise whose number still waits for its first turn (no attempt yet)
BEFORE_TURN = frozenset({CallbackState.CHECKING, CallbackState.WAITING,
                         CallbackState.DEFERRED})


class AttemptState(str, Enum):
    """Where one attempt to reach the customer is."""

    READY = "ready"  #: the agent's phone rings (or is to); the customer is not dialed
    DIALING = "dialing"  #: the agent answered, hears ringing; the customer's phone rings
    TALKING = "talking"  #: the customer answered: both in the call's bridge
    ENDED = "ended"  #: the attempt's record ended (final)


#: what a number must look like to be dialed: digits, an optional leading +
DIALABLE = re.compile(r"^\+?[0-9]{3,20}$")
#: seconds the customer's phone rings before the attempt counts as not answered
CUSTOMER_RING = 30
#: what the agent hears while the customer's phone rings
RINGBACK = ("tone:ring",)

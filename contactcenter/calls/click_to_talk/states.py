"""A call an agent places (click-to-talk), and how the click-to-talk core moves it.

Theory of operation
-------------------
An agent clicks a number on the desktop. ``PlacedCalls`` (``core.py``) keeps
every such call from the click to its end. It never does I/O and never reads
the clock: the engine hands it events (``handle(event, now)``) with the facts
it knows at that moment (the agent's phone and ACD state, the call gate's
decision, whether call control is attached) and carries out the commands it
returns, in order. It keeps no timer: each ring carries Asterisk's own
timeout, whose end is the leg's end.

Who may place a call (``refusal_of``): an agent the ACD knows, whose phone is
registered, who is available, paused or logged out (not ringing, on a call or
in wrap-up), and who is not placing one already; and only a call the call gate
cleared (``contactcenter.calls.gate``: the do-not-call list, the callee's
calling hours), which it decides before any phone rings. Anything else is
``Refusal`` with the reason, and nothing rings.

A call is in one ``PlacedState``; the table ``_ON_EVENT`` (``core.py``) says
which news each state takes:

- ``AGENT_RINGING``: the agent's own phone rings with the number on its
  display. An available agent is paused (reason ``outbound``) meanwhile, so
  that the ACD offers them nothing; the call's outbound record begins.
- ``DIALING``: the agent answered. The call's bridge is made and the customer
  dialed through the outbound peer, ringback in the agent's ear (the attempt's
  own rules: ``contactcenter.engine.callbacks.CallbackCall``). The customer is
  never dialed before the agent answered.
- ``TALKING``: the customer answered; both are bridged.
- ``CONTROLLED``: the same, under call control (``contactcenter.calls.control``)
  when it is attached: hold, transfer, consult are its. The legs it lets go
  (a transfer) end here unheeded; it says when the agent's part is over
  (``AgentReleased``), when a consulted agent takes the call over
  (``HandedOver``), to hang the customer up, and when it is done (``ControlEnded``).
- ``ENDED`` (final): the record ends once, with the cause its outcome comes
  from: the agent hanging up before the customer answered is ``cancelled``,
  never answering ``agent_missed``; the customer's cause (busy, no answer)
  otherwise. The other leg still up is hung up, the bridge closed.

Each agent's part of a call ends exactly once (``ReleaseAgent``): made
available again if the core paused them for it, unless they chose another
state meanwhile. A leg answering for a call that ended, or that the call does
not wait for, is hung up; an answer or an end told twice changes nothing and
is counted in ``ignored``. An event of a type the core does not know is the
engine's misuse: ``ClickToTalkUsageError``.
"""

from __future__ import annotations

from enum import Enum

#: seconds the agent's own phone rings before the attempt is given up (Asterisk's timeout)
AGENT_RING = 20


class PlacedState(str, Enum):
    AGENT_RINGING = "agent_ringing"  #: the agent's own phone rings
    DIALING = "dialing"  #: the agent answered; the customer's phone rings
    TALKING = "talking"  #: the customer answered: both bridged
    CONTROLLED = "controlled"  #: talking, under call control
    ENDED = "ended"  #: over (final)

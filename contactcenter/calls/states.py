"""The call gate's states: how a call the platform places is allowed, deferred or refused.

Theory of operation
-------------------
Every call the platform places, whatever asked for it (an agent's
click-to-talk, a callback asked for in the IVR, on the help page, left by a
queue's overflow or restored after a restart, later a transfer out or the
dialer), is a *placement*, and passes this one gate before any phone rings.
``CallGate`` never does I/O and never reads the clock: the engine hands it
events (``handle(event, now)``) and, once ``next_deadline()`` has passed,
the time (``handle_timer(now)``), and carries out the commands it returns.

A placement starts ``LOOKING_UP``: the gate asks the engine what the CRM
knows of the callee (``LookUpCallee``): the do-not-call flag, the time zone;
the numbering plan adds the zones the number may ring in. The rules are
``contactcenter.dialer.compliance``'s: never a number on the do-not-call list,
only within the calling window of the callee's local time (in every zone the
number may be in, when the CRM does not say which), never a number whose local
time nobody knows. A lookup that does not come back within ``lookup_timeout``
is a refusal: a list that could not be read is not a list that was checked.

A person waiting on the answer (click-to-talk, a transfer) gets it at once:
``Cleared`` or ``Refused``. A callback is different: nobody is called when it
is asked for, but when its turn comes. So the do-not-call list and an unknown
local time refuse it at once (the person who asked is told), while an hour
outside the window does not: the callback is accepted (``Cleared``), the
callee's facts kept, and it is ``WAITING`` for its turn, or ``DEFERRED`` to
the window's next opening (``Cleared`` says that ``earliest`` time; the gate
says ``Resume`` when it comes). When its turn comes (``TurnCame``, before the agent's phone
rings) the hours are checked again on the clock of that moment: ``Cleared``,
or ``Deferred`` to the next opening of the window, when the gate says
``Resume`` (back to ``WAITING``: the engine puts it back in line). Each turn
is checked (an agent may let it ring out and the next turn come an hour
later), until the engine says the customer was dialed or the callback is
over (``PlacementFinished``). A turn that comes before the lookup answered is
deferred to the answer.

A campaign's dial (``dialer``) is checked just before it would ring, like a
callback's turn: the do-not-call list and an unknown local time refuse it (a
refused dial is a record of its own, ``call.refused``); inside the window it
is ``PLACED`` at once; outside, ``Cleared`` with the window's next opening as
``earliest`` ends it ``CANCELLED``: the dialer files its record for then.

Every placement ends exactly once: ``PLACED`` (a person's call cleared, or a
callback dialed), ``REFUSED``, or ``CANCELLED`` (a callback given up before it
was dialed). Events that do not fit the placement's state (a late lookup, a
turn while deferred, news of a placement that ended) change nothing and are
counted in ``ignored``; a turn of a placement the gate never cleared is
refused, so that nothing unchecked is ever dialed.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

#: what asked for the call; a person waits on the answer for the first two
Source = Literal["click_to_talk", "transfer", "callback_ivr", "callback_help",
                 "callback_overflow", "callback_restored", "callback_booked", "dialer"]

#: sources whose call is placed when its turn comes, not when asked for
LATER: frozenset[str] = frozenset(
    {"callback_ivr", "callback_help", "callback_overflow", "callback_restored",
     "callback_booked", "dialer"})


class PlacementState(Enum):
    LOOKING_UP = "looking_up"  #: waiting for what the CRM knows of the callee
    WAITING = "waiting"  #: a callback accepted, waiting for its turn
    DEFERRED = "deferred"  #: its turn came outside the calling window (or too early)
    PLACED = "placed"  #: cleared and dialed (final)
    REFUSED = "refused"  #: a rule says no (final)
    CANCELLED = "cancelled"  #: a callback given up before it was dialed (final)


FINAL = frozenset({PlacementState.PLACED, PlacementState.REFUSED, PlacementState.CANCELLED})

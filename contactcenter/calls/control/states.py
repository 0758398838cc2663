"""The parties of a call with an agent, and how call control moves between them.

Theory of operation
-------------------
``CallControl`` (``core.py``) keeps every call that an agent is talking on,
from the moment the ACD (or a callback, or click-to-talk) connects the caller
and the agent, to the moment the caller goes back to a queue or the call ends.
It never does I/O and never reads the clock: the engine hands it events
(``handle(event, now)``), the agent's requests among them, and, once
``next_deadline()`` has passed, the time (``handle_timer(now)``); it answers
with commands the engine carries out on the telephony driver and the ACD.

A call has one bridge, its own. Each party (``Role``: the caller, the agent,
the consulted or third party, an outside party of a blind transfer) is on one
leg and in one ``PartyState``: ringing, in the bridge, or held (out of the
bridge, hearing the queue's music). Holding is taking the caller out of the
bridge: a held caller hears music and never the agent; a party is in at most
one bridge because there is only one.

The call is in one ``TalkState``; the table ``_ON_EVENT`` (``core.py``) says
which requests each state takes. A request that does not fit (resume a call
not on hold, complete a consultation nobody answered, transfer a call that
ended) changes nothing and is answered with ``Refusal`` and its reason, for
the agent to read (the web answers 409). A leg's news that does not fit (an
answer for a ring already given up, a hang-up of a leg that left) changes
nothing either, except that a leg answering late is hung up.

- ``TALKING``: caller and agent in the bridge.
- ``HOLDING``: the caller held; the agent alone in the bridge.
- ``CONSULTING``: the caller held; the consulted party rings, then talks with
  the agent in the bridge. Complete hands the caller over and the agent
  leaves; cancel hangs the consulted party up and the caller is back with the
  agent; conference brings the caller in with both.
- ``CONFERENCE``: caller, agent and third party in the bridge; the agent may
  leave, and the other two talk on.
- ``HANDED_OFF``: the agent has left (a blind transfer to an outside number,
  a conference left, a consultation of a non-agent completed): the caller
  with, or waiting for, the other party; either hanging up ends the call.
- ``REQUEUED`` and ``ENDED`` are final: the caller went back to a queue (a
  blind transfer to a queue or an agent; the ACD offers them anew and the
  next agent's connection is a new talk), or the call is over.

Nobody is forgotten: the caller leaving ends the call for everyone; the agent
leaving while the caller is held, or while a consulted party rings, hands the
caller back to the queue (with their priority), as does an outside party that
never answers a blind transfer. A customer the platform called (a callback,
click-to-talk: ``Connected.outbound``) never was in a queue: they are hung up
instead, and a blind transfer of them to an agent or a queue is refused (the
agent consults, then completes). The agent's part ends exactly once
(``ReleaseAgent``: the ACD's wrap-up), and a consulted agent, kept from other
offers meanwhile (``Reserve``), is either freed (``Unreserve``) or takes the
call over (``HandOver``).
"""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    CALLER = "caller"  #: the customer: who called in, or who was called
    AGENT = "agent"  #: the agent in charge of the call
    CONSULTED = "consulted"  #: the party an agent consults, then brings in or hands over to
    OUTSIDE = "outside"  #: an outside number a call is blindly transferred to


class PartyState(str, Enum):
    RINGING = "ringing"
    BRIDGED = "bridged"  #: in the call's bridge, talking
    HELD = "held"  #: out of the bridge, hearing music
    GONE = "gone"


class TalkState(str, Enum):
    TALKING = "talking"
    HOLDING = "holding"
    CONSULTING = "consulting"
    CONFERENCE = "conference"
    HANDED_OFF = "handed_off"
    REQUEUED = "requeued"
    ENDED = "ended"


FINAL = frozenset({TalkState.REQUEUED, TalkState.ENDED})

#: whom a call may go to: an ACD agent, a queue, an outside number, a person's phone
TARGET_KINDS = ("agent", "queue", "number", "phone")
#: of those, who can be consulted (a queue cannot talk)
CONSULTABLE = ("agent", "number", "phone")

"""Agents' ring legs and a waiting caller's connection, and how the offers core moves.

Theory of operation
-------------------
The ACD core (``contactcenter.acd``) decides which agent gets which call; it
knows agents and calls, not phones. ``Offers`` (``core.py``) is what lies
between it and the telephony driver: each ring of an agent's phone for a call
is a *leg* of its own, and a caller waiting for an agent is a record with the
legs rung for them and the announcement playing to them. It never does I/O and
never reads the clock: the engine hands it events (``handle(event, now)``) and
carries out the commands it returns, in order. It keeps no timer: the ACD's
ring timeout cancels an offer, and the ``RingAgent`` it asks for carries
Asterisk's own timeout only as a backstop (``RING_BACKSTOP`` seconds later).

Who feeds whom: the engine feeds the ACD and hands the offers core what the
ACD decided (``Offered``, ``OfferCancelled``, ``Assigned``, ``AnnouncementDue``,
``Overflowed``); the offers core answers the legs' and callers' news with
``TellAcd`` (an ACD event for the engine to feed the ACD at once, the ACD's
commands carried out before the next command; ``then``: an event to hand back
once the ACD has heard, used to learn whether it took an answer).

A leg is in one ``LegState``. ``RINGING``: the agent's phone rings.
``ANSWERED``: the agent picked up; the ACD is told, and either gives the agent
the call (``Assigned``: ``CONNECTED``) or not (it cancelled meanwhile, or an
earlier ring timer fired first): the leg is hung up. ``CONNECTED``: the agent
talks to the caller in the call's bridge. A leg's end removes it. The table
``_LEG_EVENTS`` (``core.py``) says which leg news each state takes.

Only the *current* ring of an agent for a call counts: the ACD may cancel an
offer and offer the same call to the same agent again, and the older leg's
news then comes late. An older leg answering is hung up; an older leg ending
changes nothing; only the current leg's failure is the ACD's ``OfferFailed``.

Nothing is left behind: a caller who hangs up while phones ring stops the
rings (``CallLeft``, the ringing legs hung up); one who hangs up while talking
ends the call (``CallFinished``, the agent's leg hung up, the bridge gone); an
agent who hangs up a connected leg ends the call for the caller too. An answer
for a caller already gone is hung up. News of a leg or a caller that is not
known, or that does not fit the leg's state (a duplicate answer, a hang-up
reported twice), changes nothing and is counted (``ignored``). An event of a
type the core does not know is the engine's misuse: ``OffersUsageError``.

A waiting caller hears hold music, and now and then an announcement (their
position, the expected wait, a comfort message): one at a time; the music
stops while it plays and starts again when it ends, unless the caller was
connected meanwhile. Connecting stops the announcement and the music, makes
the call's bridge and puts the caller and the agent's leg in it; a callback's
customer, dialed only once the agent answered, has the bridge made for the
agent alone (``Assigned.customer_dialed``; ``contactcenter.engine.callbacks``
puts the customer in when they answer).
"""

from __future__ import annotations

from enum import Enum


class LegState(str, Enum):
    """Where one ring of an agent's phone is."""

    RINGING = "ringing"  #: the phone rings; the ACD's offer stands
    ANSWERED = "answered"  #: picked up; the ACD is told, its decision is awaited
    CONNECTED = "connected"  #: talking to the caller in the call's bridge


#: seconds Asterisk lets a ring go on past the ACD's ring timeout: the ACD cancels
#: first, Asterisk's own timeout is only a backstop for a lost cancel
RING_BACKSTOP = 5

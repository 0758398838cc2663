"""A supervisor's monitoring session, and how the monitoring core moves between states.

Theory of operation
-------------------
A supervisor listens to an agent's live call, whispers to the agent (coaching),
or barges in. ``Monitoring`` (``core.py``) keeps every session, from the
supervisor's request to its end. It never does I/O and never reads the clock:
the engine hands it events (``handle(event, now)``) with the facts it knows at
that moment (whether the call is connected to an agent, on which leg, which
registered phone an endpoint reaches) and carries out the commands it returns,
in order. It keeps no timer: the ring of the supervisor's phone carries
Asterisk's own timeout, whose end is the leg's end.

Only the supervisor's own phone rings: the one their user is linked to, or its
browser twin ``<id>-web`` (``phone_of``). An agent's phone answers by itself,
so ringing any other endpoint would send a customer's call to whoever sits at
it; admins are held to the same rule. A request that cannot be done (a mode
that is none of ``SNOOPS``, another person's phone, a user with no phone, a
call not connected to an agent, a phone not registered, an agent monitoring
their own call) is answered with ``Refusal`` (an HTTP status, a reason, the
field at fault) and nothing rings, nothing is reported.

A session is in one ``SessionState``; the table ``_ON_EVENT`` (``core.py``)
says which leg news each state takes:

- ``RINGING``: the supervisor's phone rings (``RingPhone``; ``call.monitor``).
- ``SNOOPING`` (listen, whisper): answered; a snoop on the agent's leg hears
  both sides (``spy=both``) and, to whisper, speaks into the agent's leg only
  (``whisper=out``: the agent hears the supervisor, the caller does not); the
  snoop is bridged with the supervisor in a bridge of the session's own.
- ``BARGED``: answered; the supervisor is in the call's own bridge, all three
  talk.
- ``ENDED`` (final): the supervisor's phone, or the snoop, went (hung up, never
  answered, could not ring), or the agent's leg went (the call is over). Every
  leg and bridge of the session still up is hung up or closed, and
  ``call.monitor.ended`` says when the supervisor joined (``started``, None if
  never). A session ends exactly once.

A supervisor's phone answering for a session that ended, or for a call no
longer connected, is hung up (the latter ends the session: the call is over).
An answer told twice, a leg's end told twice, news of a leg the core never
rang: changed nothing, counted in ``ignored``. An event of a type the core does
not know is the engine's misuse: ``MonitorUsageError``.

Each report names the call (``call_id``: the journal keeps the session with the
call's record) and the time it happened; none names an ``agent`` field, so
agents' streams do not carry it.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

Mode = Literal["listen", "whisper", "barge"]

#: mode -> (spy, whisper) of the snoop on the agent's leg (ARI ``/channels/{id}/snoop``);
#: barge needs none: the supervisor joins the call's own bridge
SNOOPS: dict[Mode, tuple[str, str] | None] = {
    "listen": ("both", "none"), "whisper": ("both", "out"), "barge": None}

#: seconds the supervisor's phone rings (Asterisk's timeout of the ring)
SUPERVISOR_RING = 30

#: a person's browser softphone is their id with this suffix (the one definition:
#: ``contactcenter.engine.phones`` keeps the phones registered by it)
WEB_PHONE_SUFFIX = "-web"


class SessionState(str, Enum):
    RINGING = "ringing"  #: the supervisor's phone rings
    SNOOPING = "snooping"  #: listening or whispering through a snoop on the agent's leg
    BARGED = "barged"  #: in the call's own bridge with the caller and the agent
    ENDED = "ended"  #: over (final)

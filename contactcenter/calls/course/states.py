"""A call's course: from arrival through the IVR to a queue, voicemail, a callback or an
exit, and on to its hang-up.

Theory of operation
-------------------
``CallCourse`` (``core.py``) keeps one inbound call, from the moment the
platform takes it (``CallStarted``, or ``CallResumed`` after a restart) to the
moment it is gone (``CallEnded``). It never does I/O and never reads the clock:
the engine's ``CallTask`` hands it events (``handle(event, now)``) and, once
``next_deadline()`` has passed, the time (``handle_timer(now)``); it answers
with commands: driver commands for the caller's channel, ``Publish`` for the
domain events, and what the ACD and the IVR's lookups are asked. A timer
already due when an event comes fires first, since it came first.

The call is in one ``CallState``; the table ``_ON_EVENT`` (end of
``core.py``) says which events each state acts on. Anything else (a digit
after the menu, a playback's end after the caller left, a second hang-up, an
ACD's notice that crossed the call's own news) changes nothing and is counted
in ``ignored``: Asterisk repeats and reorders events, and the ACD's notices
come from another task. An event of a type the course does not know, or a
second start, is the engine's own misuse: ``CourseUsageError``.

- ``IVR``: the call's ``IvrSession`` (``contactcenter.ivr``) has it: digits,
  prompts' ends, lookups' answers and its timers go there, its commands are
  turned into the driver's and into ``Publish`` (its reports). Its ``Exit``
  says where the call goes:

  - a queue: ``QUEUED``, on hold, handed to the ACD (``JoinQueue``); without
    an ACD the course itself reports ``call.queued`` and the caller hears music;
  - voicemail: ``VOICEMAIL``, recording (``RecordMessage``);
  - a callback: ``callback.requested``; with an ACD and a callback queue the
    ACD keeps it (``RequestCallback``) and the call gate decides. The call
    waits for that decision (``CallbackDecided``), at most ``gate_guard``
    (after which the gate refuses on its own, so the caller was not refused
    here); whatever else happens meanwhile is acted on after it, in order. A
    refused caller hears so (``REFUSED_CALLBACK``) before the hang-up;
  - the end of the menu: the platform hangs up.
- ``QUEUED``: the ACD connects the caller to an agent (``CONNECTED``), or
  overflows the call (to voicemail, another queue, a callback: that exit is
  taken, the music stopped); queue announcements' ends go to the ACD.
- ``CONNECTED``: the agent talks with the caller until either hangs up; a
  transfer may put the caller back in a queue (``Requeued``: ``QUEUED``, and
  the call counts as answered whatever happens next).
- ``VOICEMAIL``: once the recording ends, a goodbye, then the hang-up.
- ``ENDING``: the platform hangs up, after a last message if any
  (``goodbye``). ``ENDED`` is final.

Every call ends exactly once, with one ``call.ended`` (its ``cause``, its
``outcome``, its ``duration``), whatever comes twice or late. The outcome is
what happened to the caller: a callback requested or refused, a voicemail
left or failed, the menu completed, or, for a caller who hangs up,
``OUTCOME_ON_HANGUP`` of the state they were in: answered if an agent talked
with them (also when the ACD connected them before the news reached the call,
``CallEnded.talking``, or when a transfer put them back in a queue).

Nobody is left on a line nobody drives: every hang-up the platform asks for is
guarded (``hangup_guard``: asked again until Asterisk says the call ended), as
is a recording (``voicemail_guard``), and a goodbye whose playback never ends.
When handling an event fails (the engine's bug, ``Failed``), the call reports
``call.error`` and is hung up.

A call picked up again after a restart (``CallResumed``) goes on where its
record says: a queued caller back to the ACD with the place they had
(``since``), then on hold; a connected one waits for its end; any other
starts the menu again.
"""

from __future__ import annotations

from enum import Enum

from contactcenter.calls.gate import LOOKUP_TIMEOUT


class CallState(str, Enum):
    IVR = "ivr"  #: the IVR core has the call
    QUEUED = "queued"  #: waiting in a queue with hold music
    CONNECTED = "connected"  #: bridged with an agent
    VOICEMAIL = "voicemail"  #: recording a message
    ENDING = "ending"  #: the platform is hanging up
    ENDED = "ended"  #: gone


#: how a call that ends in a state is counted
OUTCOME_ON_HANGUP = {
    CallState.IVR: "abandoned_in_ivr",
    CallState.QUEUED: "abandoned_in_queue",
    CallState.VOICEMAIL: "voicemail",
    CallState.CONNECTED: "answered",
}

#: the states in which the ACD has the call (or had it, or its overflow): its end is the
#: ACD's news too, and the ACD may know the caller was talking before the call does
WITH_ACD = frozenset({CallState.QUEUED, CallState.CONNECTED, CallState.ENDING})

#: how long the platform waits for a hang-up it asked for before asking again: a lost
#: PlaybackFinished or a failed request must not leave a caller on a line nobody drives
HANGUP_GUARD = 15.0
#: the longest a voicemail recording may take before the platform ends the call itself
VOICEMAIL_GUARD = 180.0

#: the longest a caller waits for the call gate's word on their callback: the gate refuses
#: on its own when the CRM does not answer in LOOKUP_TIMEOUT, and is not heard of here
GATE_GUARD = LOOKUP_TIMEOUT + 5

#: what a caller hears when the calling rules refuse the callback they asked for
REFUSED_CALLBACK = ("sound:im-sorry", "sound:cannot-complete-as-dialed")
#: what a caller hears after leaving a voicemail
GOODBYE = ("sound:vm-goodbye",)

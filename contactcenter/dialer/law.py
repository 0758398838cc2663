"""The outbound-dialing law, as pure predicates: what every dialed call must obey.

Theory of operation: each rule is a function of the facts the dialer has (times in
seconds on the core's clock, what the CRM knows of the callee, what the answering
machine detection said) and never reads a clock or a file. The dialer asks them at
the moment each call is placed (``may_dial``), when a human answers
(``connect_deadline``), when a ring is given up (``ring_timeout``) and when an attempt
ends (``classify_attempt``, whose outcome feeds ``abandons.AbandonLedger``, the
abandoned-call rate the pacer stays under). The national do-not-call file is read by
``dnc.read_national_dnc``; here a list is anything that answers ``number in list``.

The sources: the US Telemarketing Sales Rule (TSR), 16 CFR 310.4(b)(1)(iv) and its
safe harbor 310.4(b)(4); Ofcom's *Revised statement of policy on the persistent
misuse of an electronic communications network or service* (2016), which adds the
rolling 24 hours, the 72-hour rule and the counting of AMD false positives; the TCPA
(47 CFR 64.1200(c)) for the do-not-call registry and the calling hours.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Container
from dataclasses import dataclass

from contactcenter.dialer.compliance import Callee, CallingWindow, Refusal, check_call

#: seconds a human may wait after their greeting before the call is abandoned
#: (TSR 16 CFR 310.4(b)(1)(iv); Ofcom 2016: the information message within 2 s)
CONNECT_WITHIN = 2.0
#: the shortest ring before an unanswered call may be given up (TSR 310.4(b)(4)(ii):
#: 15 seconds or four rings; Ofcom 2016: at least 15 seconds)
MIN_RING = 15.0
#: an abandoned number is not called again this long without a reserved agent (Ofcom 2016)
REDIAL_HOLD = 72 * 3600.0

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


# --- the 2-second rule ---------------------------------------------------------------

def connect_deadline(*, answered_at: float, greeting_ended_at: float | None) -> float:
    """The instant by which a human who answered must be connected to an agent.

    TSR 16 CFR 310.4(b)(1)(iv): a call is abandoned when the person who answers is not
    connected to a sales representative within two seconds of their completed
    greeting. Before the end of the greeting is known (the detection is still
    listening) the answer itself is taken as its end, the earlier and so safer
    deadline; a greeting cannot end before the answer."""
    ended = answered_at if greeting_ended_at is None else max(answered_at, greeting_ended_at)
    return ended + CONNECT_WITHIN


def was_abandoned(deadline: float, *, connected_at: float | None, now: float) -> bool:
    """Whether a human answer with this ``deadline`` is abandoned, as known at ``now``:
    connected after it, or not connected and the deadline passed. Connected exactly at
    the deadline is within the two seconds (TSR 16 CFR 310.4(b)(1)(iv))."""
    if connected_at is not None:
        return connected_at > deadline
    return now > deadline


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonMessage:
    """The recorded message an abandoned human hears: who called and a number to call
    back (TSR 16 CFR 310.4(b)(4)(iii): "the name and telephone number of the seller";
    Ofcom 2016: the company's identity and a number to call back, free of premium
    rate). Built only with both, so that no campaign can play an empty one."""

    caller: str  #: the seller's name, as the message says it
    callback_number: str  #: E.164

    def __post_init__(self) -> None:
        if not self.caller.strip():
            raise ValueError("an abandon message must name the caller")
        if not _E164.fullmatch(self.callback_number):
            raise ValueError(f"the abandon message's number {self.callback_number!r} "
                             "is not an E.164 number to call back")


def abandon_message_in_time(deadline: float, *, started_at: float) -> bool:
    """Whether the abandon message started within the two seconds (TSR 16 CFR
    310.4(b)(4)(iii), "promptly"; Ofcom 2016: within two seconds of the greeting)."""
    return started_at <= deadline


# --- the ring -----------------------------------------------------------------------

def ring_timeout(requested: float | None = None) -> float:
    """How long to let a number ring: the campaign's wish, never under ``MIN_RING``
    (TSR 16 CFR 310.4(b)(4)(ii); Ofcom 2016)."""
    return MIN_RING if requested is None else max(requested, MIN_RING)


def no_answer_was_legal(*, ring_started_at: float, given_up_at: float) -> bool:
    """Whether giving a ring up as no answer was lawful: it rang ``MIN_RING`` seconds or
    more (exactly 15 s is enough) (TSR 16 CFR 310.4(b)(4)(ii); Ofcom 2016)."""
    return given_up_at - ring_started_at >= MIN_RING


# --- redial, consent, do-not-call ----------------------------------------------------

def may_redial(*, last_abandoned_at: float | None, now: float, agent_reserved: bool) -> bool:
    """Whether a number may be dialed again: never abandoned, abandoned ``REDIAL_HOLD``
    (72 h) ago or more, or an agent is reserved to take the call (Ofcom 2016: a number
    abandoned is called again within 72 hours only with the guaranteed presence of a
    live operator)."""
    if last_abandoned_at is None or agent_reserved:
        return True
    return now - last_abandoned_at >= REDIAL_HOLD


def consent_allows(*, required: bool, consent: bool | None) -> bool:
    """Whether the contact may be called as far as consent goes: always when the
    campaign does not require it; else only with consent given (unknown is not
    consent) (TCPA 47 CFR 64.1200(a)(2) and (c)(2)(ii): prior express consent;
    GDPR Art. 6(1)(a) for the campaigns that rest on it)."""
    return not required or consent is True


@dataclass(frozen=True, slots=True)
class DoNotCall:
    """The do-not-call lists a campaign checks: its own (the internal list, kept as
    TCPA 47 CFR 64.1200(d) requires) and the national registry imported as a file
    (47 CFR 64.1200(c)(2)); any container of E.164 numbers for each."""

    internal: Container[str] = frozenset()
    national: Container[str] = frozenset()

    def __contains__(self, number: object) -> bool:
        return self.which(number) is not None

    def which(self, number: object) -> str | None:
        """``internal`` or ``national``: the list the number is on; None when on neither."""
        if number in self.internal:
            return "internal"
        if number in self.national:
            return "national"
        return None


# --- what an attempt counts as --------------------------------------------------------

class Answerer(enum.Enum):
    """Who or what picked up the call, as detected or (in a simulation) as it was."""

    HUMAN = "human"  #: a person (AMD's HUMAN, and its NOTSURE taken as a person)
    MACHINE = "machine"  #: an answering machine or voicemail
    NOBODY = "nobody"  #: busy, no answer, failed: no answer at all


class AttemptOutcome(enum.Enum):
    """What an attempt counts as for the abandoned-call rate."""

    NOT_LIVE = "not_live"  #: no human answered: not in the rate at all
    CONNECTED = "connected"  #: a live answer connected to an agent in time
    ABANDONED = "abandoned"  #: a live answer abandoned


def classify_attempt(*, detected: Answerer, connected_in_time: bool,
                     truth: Answerer | None = None) -> AttemptOutcome:
    """The attempt's outcome for the abandoned-call rate. ``truth`` is who really
    answered when it is known (in a simulation); else the detection is all there is.

    A human counts as abandoned unless the dialer took them for a human and connected
    them in time: a human the detection took for a machine and hung up on (or left a
    message to) is abandoned too (Ofcom 2016: AMD false positives count as abandoned
    calls; TSR 16 CFR 310.4(b)(1)(iv) makes no exception for them). A machine taken
    for a human wastes an agent's time but is no live answer."""
    answerer = detected if truth is None else truth
    if answerer is not Answerer.HUMAN:
        return AttemptOutcome.NOT_LIVE
    if detected is Answerer.HUMAN and connected_in_time:
        return AttemptOutcome.CONNECTED
    return AttemptOutcome.ABANDONED


# --- all of it, for one call ------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class DialFacts:
    """What the dialer knows of a record at the moment of dialing it, beyond the callee."""

    consent_required: bool = False  #: the campaign's setting
    consent: bool | None = None  #: the contact's consent; None when unknown
    last_abandoned_at: dt.datetime | None = None  #: when this number was last abandoned
    agent_reserved: bool = False  #: an agent is held for this call alone


def may_dial(callee: Callee, now: dt.datetime, window: CallingWindow, *,
             do_not_call: DoNotCall | None = None,
             facts: DialFacts | None = None) -> Refusal | None:
    """None when the call may be placed at ``now`` (an aware time), else the first rule
    it breaks, by name, with a reason a person can read: ``do_not_call`` (the CRM's flag
    or the internal list), ``national_do_not_call``, ``consent``, ``abandoned_redial``
    (the 72 hours), ``calling_hours`` (``compliance.check_call``)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    lists = do_not_call if do_not_call is not None else DoNotCall()
    known = facts if facts is not None else DialFacts()
    on = lists.which(callee.number)
    if callee.do_not_call or on == "internal":
        return Refusal(rule="do_not_call", reason=f"{callee.number} is on the do-not-call list")
    if on == "national":
        return Refusal(rule="national_do_not_call",
                       reason=f"{callee.number} is on the national do-not-call list")
    if not consent_allows(required=known.consent_required, consent=known.consent):
        missing = "withheld" if known.consent is False else "not known"
        return Refusal(rule="consent", reason=(
            f"the campaign requires consent and {callee.number}'s is {missing}"))
    refusal = _redial_refusal(callee.number, now, known)
    return refusal if refusal is not None else check_call(callee, now, window)


def _redial_refusal(number: str, now: dt.datetime, facts: DialFacts) -> Refusal | None:
    last = facts.last_abandoned_at
    if last is None or may_redial(last_abandoned_at=last.timestamp(), now=now.timestamp(),
                                  agent_reserved=facts.agent_reserved):
        return None
    again = last + dt.timedelta(seconds=REDIAL_HOLD)
    return Refusal(rule="abandoned_redial", reason=(
        f"{number} was abandoned at {last.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC; it may "
        f"be called again from {again.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC, or sooner "
        "only with an agent reserved for it"))

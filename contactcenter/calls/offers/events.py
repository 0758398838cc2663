"""What the engine tells the offers core: the ACD's decisions, legs' and callers' news.

Events are past-tense facts, frozen and keyword-only. Leg news names the leg
(``leg_id``); any of it may come late or twice and then changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- the callers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerWaiting:
    """A caller (or a callback's customer, at its turn) waits for an agent; ``caller``:
    the number shown on the agents' phones. A caller back in a queue starts afresh."""

    call_id: str
    caller: str
    #: the company's number the call is on behalf of: its agents' legs go out on that
    #: number's engine (``RingAgent.via``) when the call itself is not up on one
    via: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerGone:
    """The caller hung up: while waiting (abandoned), or while talking (the call is over)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerReleased:
    """The caller is no longer the offers' (rejected by the ACD, could not go back to a
    queue, call control done with them); hung up with ``reason`` if one is given."""

    call_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementDue:
    """The ACD wants the caller told their ``position`` (and ``expected_wait``), or,
    with no position, the comfort message."""

    call_id: str
    position: int | None = None
    expected_wait: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackEnded:
    call_id: str
    playback_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Overflowed:
    """The ACD sends the caller out (``kind``: voicemail, callback...); ``queue`` moves
    them within the ACD and changes nothing here."""

    call_id: str
    kind: str
    target: str | None = None


# -- the ACD's offers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Offered:
    """The ACD offers the call to ``agent`` (its ``OfferCall``): ring ``endpoint``.
    ``caller_id``: the number shown, if not the waiting caller's own."""

    call_id: str
    agent: str
    ring_timeout: float
    endpoint: str
    caller_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferCancelled:
    """The ACD withdrew its offer to ``agent`` (ring timeout, caller left, answered
    elsewhere)."""

    call_id: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assigned:
    """The ACD gave the call to ``agent``, who answered (its ``ConnectCall``).
    ``customer_dialed``: a callback, whose customer is dialed only now."""

    call_id: str
    agent: str
    customer_dialed: bool = False


# -- the legs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LegAnswered:
    """The agent picked up ``leg_id``, rung for ``call_id``."""

    call_id: str
    leg_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerDecided:
    """The ACD has heard of the answer on ``leg_id`` (the ``then`` of its ``TellAcd``):
    a leg it did not give the call to is hung up."""

    leg_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LegEnded:
    """An agent's leg is gone: hung up, or failed to ring (``cause``: busy,
    unreachable...)."""

    leg_id: str
    cause: str = ""


# -- calls with an agent, restored or handed on -----------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAdopted:
    """A call connected to ``agent`` on ``leg_id`` before a restart of the app, and
    still connected: the offers' again."""

    call_id: str
    caller: str
    agent: str
    leg_id: str
    queue: str
    priority: int
    answered_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentReleased:
    """The agent's part of the call is over (call control): the caller stays."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandedOver:
    """A consulted agent took the call over: ``leg_id`` is the call's agent leg now."""

    call_id: str
    agent: str
    leg_id: str
    queue: str
    priority: int


OfferEvent = (CallerWaiting | CallerGone | CallerReleased | AnnouncementDue | PlaybackEnded
              | Overflowed | Offered | OfferCancelled | Assigned | LegAnswered | AnswerDecided
              | LegEnded | CallAdopted | AgentReleased | HandedOver)

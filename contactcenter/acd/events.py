"""What happens around the ACD: facts the engine reports to the core.

Events are past-tense, frozen and keyword-only. They are tolerated in any
order and any number of times: one that does not fit the call's or the
agent's state (a duplicate, an answer for an offer already cancelled, a hang-up
for a call that ended) changes nothing and yields no command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.acd.model import AgentId, CallId


@dataclass(frozen=True, slots=True, kw_only=True)
class CallJoined:
    """A caller entered a queue; ``skill`` (from the IVR) overrides the queue's own.

    ``transfer``: an agent sent the call here. Its visit before has ended (the engine
    ends it first) and this is a new one, counted offered here like any call: a call
    id the ACD remembers as ended is taken again, one still live is not.
    ``agent``: the colleague the call is for; rung alone at once if available and a
    member of the queue (whatever their skills), else - and once they let it ring out
    or fail it - the call is any caller of the queue.
    """

    call_id: CallId
    queue: str
    priority: int = 0  #: higher first (a VIP from the IVR); then the longest waiting
    skill: str | None = None
    caller: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    #: when the call first joined, if earlier than now: a caller picked up again after a
    #: restart of the app keeps their place in line and the wait they have already had
    since: float | None = None
    transfer: bool = False
    agent: AgentId | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequested:
    """A customer asked to be called back (from the IVR, or the web): a virtual caller
    joins the queue and is offered to an agent in turn, like a call. ``number`` is whom
    to call; a ``CallLeft`` with a reason other than ``abandoned`` withdraws it."""

    call_id: CallId
    queue: str
    number: str
    priority: int = 0
    skill: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    #: when it was asked for, if before now (a callback restored after a restart)
    since: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackDeferred:
    """A virtual caller may not be called now (outside the customer's calling hours):
    out of line, any ringing agent freed, out of the queue's figures (neither offered
    nor abandoned); a later ``CallbackRequested`` with its ``since`` brings it back to
    its place, and into the figures."""

    call_id: CallId


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRestored:
    """A call that was connected to ``agent`` before a restart of the app, and still is.

    The agent goes on call with it (unless busy with another call), so that its end
    starts the wrap-up and nobody offers the agent a second caller meanwhile.

    ``handover``: an attended transfer instead; the colleague ``agent`` consulted took
    the call over (its visit with the first agent ended). A new visit of the call in
    the same queue, neither offered nor answered again in its figures; the agent,
    available or paused for the consultation, goes on call and then follows the
    queue's wrap-up rules, not back to the pause.
    """

    call_id: CallId
    queue: str
    agent: AgentId
    answered_at: float
    caller: str = ""
    priority: int = 0
    handover: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallLeft:
    """The caller hung up while waiting or while an agent's phone rang.

    On a virtual callback (the caller already gone) only a reason other than
    ``abandoned`` counts: it withdraws the callback, e.g. ``cancelled``.
    """

    call_id: CallId
    reason: str = "abandoned"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLoggedIn:
    """The agent signed in (desktop or a registered phone); they become available."""

    agent: AgentId


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLoggedOut:
    """The agent signed out, or their phone unregistered; on a call, after it."""

    agent: AgentId


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentPaused:
    """The agent is not ready (``reason``: break, lunch, training...); on a call, after it."""

    agent: AgentId
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentAvailable:
    """The agent is ready for calls again (from a pause, or ending wrap-up early)."""

    agent: AgentId


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferAnswered:
    """The agent's phone answered the offer: caller and agent get bridged."""

    call_id: CallId
    agent: AgentId


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferFailed:
    """The offer could not ring or was refused: ``busy``, ``unreachable``, ``rejected``.

    Not the ring timeout: the core keeps that timer itself.
    """

    call_id: CallId
    agent: AgentId
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFinished:
    """The connected call ended (either side hung up); the agent goes to wrap-up."""

    call_id: CallId


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapUpEnded:
    """The agent pressed "done" before the wrap-up time ran out."""

    agent: AgentId


AcdEvent = (
    CallJoined
    | CallbackRequested
    | CallbackDeferred
    | CallRestored
    | CallLeft
    | AgentLoggedIn
    | AgentLoggedOut
    | AgentPaused
    | AgentAvailable
    | OfferAnswered
    | OfferFailed
    | CallFinished
    | WrapUpEnded
)

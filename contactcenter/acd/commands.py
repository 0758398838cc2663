"""What the ACD core asks the engine and the driver to do: imperatives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.acd.model import AgentId, CallId, OverflowKind
from contactcenter.acd.quick import quick_init


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class OfferCall:
    """Ring the agent's phone for this call; reply OfferAnswered or OfferFailed.

    The core cancels the offer itself after ``ring_timeout`` seconds.
    """

    call_id: CallId
    agent: AgentId
    ring_timeout: float


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOffer:
    """Stop ringing: ``ring_timeout``, ``caller_left``, ``answered_elsewhere`` (ring_all),
    ``agent_paused``, ``agent_logged_out``."""

    call_id: CallId
    agent: AgentId
    reason: str


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectCall:
    """Bridge the caller with the agent who answered."""

    call_id: CallId
    agent: AgentId


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class Announce:
    """Tell the caller their place (1 is next) and the expected wait in seconds.

    ``expected_wait`` is None until the queue has finished a call to measure by.
    """

    call_id: CallId
    position: int
    expected_wait: float | None


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class PlayComfort:
    """Play the queue's periodic comfort message ("your call is important...")."""

    call_id: CallId


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class OverflowCall:
    """The call leaves its queue: to the queue ``target`` (the core has already queued it
    there, keeping its priority and its place in time), to voicemail ``target``, or to a
    callback on the number ``target`` (the core keeps a virtual caller in the queue, and
    offers it to an agent like any call when its turn comes)."""

    call_id: CallId
    kind: OverflowKind
    target: str | None


@quick_init
@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Publish a domain event: ``call.queued``, ``call.offered``, ``call.answered``,
    ``call.abandoned``, ``call.overflowed``, ``call.completed``, ``call.wrapped``,
    ``call.rejected``, ``agent.state``, ``queue.stats``."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


AcdCommand = OfferCall | CancelOffer | ConnectCall | Announce | PlayComfort | OverflowCall | Report

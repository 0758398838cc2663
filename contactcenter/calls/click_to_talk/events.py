"""What the engine tells the click-to-talk core: an agent's request, legs' news, and
call control's news of a call it has.

Events are "asked" or past-tense facts, frozen and keyword-only. A request
carries what the engine knows when it is made; the legs' news may come late or
twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from contactcenter.acd.states import AgentState


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAsked:
    """``agent`` asks to call ``number``, under the id the call gate checked it as."""

    call_id: str
    agent: str
    number: str
    registered: bool  #: the agent has a phone registered
    endpoint: str  #: the phone to ring (the one they registered last)
    agent_state: AgentState | None  #: the ACD's; None for an agent the ACD does not know
    cleared: bool  #: the call gate cleared the call (``PLACED``)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentAnswered:
    call_id: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerAnswered:
    """The customer's leg answered; ``under_control``: call control takes the call now."""

    call_id: str
    leg: str
    under_control: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LegGone:
    """A leg ended (hung up, busy, never answered, or could not start)."""

    leg: str
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentReleased:
    """Call control: the agent's part of the call is over (they transferred it, or left)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandedOver:
    """Call control: a consulted agent took the call over, on their leg ``leg``."""

    call_id: str
    agent: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerHangUpAsked:
    """Call control: nobody is left for the customer (a customer dialed waits in no queue)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlEnded:
    """Call control is done with the call: its legs are gone or hung up."""

    call_id: str


ClickEvent = (CallAsked | AgentAnswered | CustomerAnswered | LegGone | AgentReleased
              | HandedOver | CustomerHangUpAsked | ControlEnded)

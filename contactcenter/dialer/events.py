"""What the engine (or a simulator) tells the dialer core: past-tense, frozen, keyword-only
facts. Any of the call and agent news may come late or twice: the core ignores what no
longer fits (``Dialer.ignored`` counts it). ``docs/dialer.md`` has the table."""

from __future__ import annotations

from dataclasses import dataclass

# -- the campaign ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignStarted:
    """The campaign manager started the campaign (refused without a caller ID)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignPaused:
    """No new dial until resumed; the dials under way end as they will."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignResumed:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignStopped:
    """No new dial ever; the dials under way end as they will."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """A person to call: ``attempts`` made so far, due from ``earliest``; higher
    ``priority`` first; ``abandoned_at``: when a call to them was last abandoned."""

    record_id: str
    number: str  #: E.164
    priority: int = 0
    attempts: int = 0
    earliest: float = 0.0
    abandoned_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordsLoaded:
    """Records for the list; one already known is replaced unless a dial of it is under way.
    ``whole``: these are the whole list now (a list uploaded again): the records it does
    not name are dropped, but for a dial under way and a callback agreed."""

    records: tuple[Record, ...]
    whole: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonBudgetSet:
    """How many more humans may be abandoned now without breaking the abandoned-rate
    limit (the law's rolling windows; ``inf``: no limit). Dials beyond the free agents
    are capped by it."""

    budget: float


# -- agents ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentReady:
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentTalking:
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentWrappingUp:
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentPaused:
    agent: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLoggedOut:
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewDialed:
    """The agent previewing the dial's record asked to dial it."""

    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewSkipped:
    """The agent previewing the dial's record skipped it."""

    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackAgreed:
    """``agent`` and the person of ``record_id`` agreed on a call back at ``at`` (the
    agent's disposition): the record is due then, reserved to that agent while they are
    on the campaign (busy, it waits ``callback_wait`` for them), else to any agent."""

    record_id: str
    number: str  #: E.164
    at: float
    agent: str


# -- the gate --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DialChecked:
    """The call gate's answer to ``CheckDial``: ``cleared``, or refused by ``rule`` (a
    refusal with ``retry_at`` puts the record back then: the calling window's opening)."""

    dial_id: str
    cleared: bool
    rule: str = ""
    reason: str = ""
    retry_at: float | None = None


# -- a dial ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DialPlaced:
    """The network took the dial."""

    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialRinging:
    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanAnswered:
    """Answered, and the machine detection says a human."""

    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineAnswered:
    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialBusy:
    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialNoAnswer:
    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialFailed:
    dial_id: str
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanConnected:
    """The human is bridged with the agent of ``ConnectCall``."""

    dial_id: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanAbandoned:
    """The human was not connected (the bridge failed, or they hung up first)."""

    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded:
    """The dial's call is over (after an answer; before one it counts as failed)."""

    dial_id: str


CampaignEvent = (CampaignStarted | CampaignPaused | CampaignResumed | CampaignStopped
                 | RecordsLoaded | AbandonBudgetSet)
AgentEvent = (AgentReady | AgentTalking | AgentWrappingUp | AgentPaused | AgentLoggedOut
              | CallbackAgreed)
DialEvent = (PreviewDialed | PreviewSkipped | DialChecked | DialPlaced | DialRinging
             | HumanAnswered | MachineAnswered | DialBusy | DialNoAnswer | DialFailed
             | HumanConnected | HumanAbandoned | CallEnded)
DialerEvent = CampaignEvent | AgentEvent | DialEvent

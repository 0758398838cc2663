"""One call under control: its parties and what is known of each (times, hold, mute)."""

from __future__ import annotations

from dataclasses import dataclass, field

from contactcenter.calls.control.states import PartyState, Role, TalkState


@dataclass(slots=True)
class Party:
    leg: str
    role: Role
    kind: str  #: "caller", "agent", "number" or "phone"
    who: str  #: the agent's id, the number, the phone's endpoint
    state: PartyState
    since: float  #: when they joined the call (answered)
    muted: bool = False

    @property
    def present(self) -> bool:
        return self.state is not PartyState.GONE


@dataclass(slots=True)
class Talk:
    call_id: str
    queue: str
    priority: int
    bridge: str
    caller: Party
    agent: Party | None
    state: TalkState = TalkState.TALKING
    #: the platform dialed the caller: they cannot go back to a queue
    outbound: bool = False
    #: the consulted party, the conference's third, or a blind transfer's outside party
    other: Party | None = None
    held_since: float | None = None
    held_total: float = 0.0
    #: agents who had the call, in order (the screen-pop's "handled before")
    handled_by: list[str] = field(default_factory=list)
    ring_deadline: float | None = None

    def parties(self) -> list[Party]:
        return [p for p in (self.caller, self.agent, self.other) if p is not None]

    def party(self, leg: str) -> Party | None:
        return next((p for p in self.parties() if p.leg == leg and p.present), None)


@dataclass(frozen=True, slots=True)
class TalkView:
    """What the API shows of a call under control."""

    call_id: str
    state: TalkState
    agent: str | None
    queue: str
    held_total: float
    muted: bool
    parties: tuple[tuple[str, str, str], ...]  #: (role, who, state)
    #: the record its news goes on (the engine's to say: a callback's attempt has its own)
    record: str = ""


def view_of(talk: Talk, now: float) -> TalkView:
    held = talk.held_total + (now - talk.held_since if talk.held_since is not None else 0.0)
    return TalkView(
        call_id=talk.call_id, state=talk.state,
        agent=talk.agent.who if talk.agent is not None and talk.agent.present else None,
        queue=talk.queue, held_total=round(held, 3),
        muted=bool(talk.agent and talk.agent.muted),
        parties=tuple((p.role.value, p.who, p.state.value) for p in talk.parties()
                      if p.present))

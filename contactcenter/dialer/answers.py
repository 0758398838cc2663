"""What becomes of a dial once it is answered, and of the agent held for it.

The half of ``Dialer`` (``core.py``) that settles dials: a human connected to their
agent (or the longest free) or abandoned at once with the message, within the 2 s
rule; a machine given its message or dropped; an answered call's end; every dial's
one end, its line freed and its record refiled by the retry rules; what each dial's
deadline means when it passes without news; and the agents'
moves that the pacer measures talk and wrap-up from. ``core.py`` keeps the campaign,
the pacing and the tables that say which of these each event reaches.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from contactcenter.dialer import commands as dc
from contactcenter.dialer import events as de
from contactcenter.dialer.pacing import Observation, Pacer, Tally
from contactcenter.dialer.states import (
    ABANDON_WITHIN,
    AgentBoard,
    AgentEntry,
    AgentState,
    Campaign,
    DialEntry,
    DialState,
    Outcome,
    RecordBook,
)


class DialOutcomes:
    """Settling dials and holding agents for them; mixed into ``Dialer``."""

    campaign: Campaign
    pacer: Pacer
    tally: Tally
    ignored: int
    _book: RecordBook
    _dials: dict[str, DialEntry]
    _lines: list[int]
    _agents: AgentBoard
    _abandoned: dict[str, float]
    _budget: float
    _out: list[dc.DialerCommand]

    if TYPE_CHECKING:  # provided by ``reserved.py``, mixed into Dialer with this
        def _after_end(self, dial: DialEntry, outcome: Outcome,
                       next_due: float | None) -> None:
            ...

    def _check(self, dial: DialEntry) -> None:
        """The gate is told whether an agent is held for the dial (a redial within 72 h
        of an abandon is refused without one)."""
        dial.state, dial.deadline = DialState.CHECKING, None
        number = dial.record.number
        self._out.append(dc.CheckDial(dial_id=dial.id, record_id=dial.record.id, number=number,
                                      agent=dial.agent, abandoned_at=self._abandoned.get(number)))

    def _deadline_passed(self, dial: DialEntry, now: float) -> None:
        """No news by the dial's deadline: a preview left alone is dialed for its agent; a
        human not bridged within 2 s hears the abandon message; a message (abandon,
        machine) that never ended is cut off; a dial nobody heard of is no answer."""
        if dial.state is DialState.PREVIEW:
            self._check(dial)
        elif dial.state is DialState.CONNECTING:
            self._abandon(dial, now)
        else:
            self._out.append(dc.DropCall(dial_id=dial.id))
            self._end(dial, _CUT_OFF.get(dial.state, Outcome.NO_ANSWER), now)

    def _human(self, dial: DialEntry, event: Any, now: float) -> None:
        """Connected at once to its agent or the longest free; else abandoned at once."""
        dial.answered, dial.deadline = now, None
        self.tally.humans += 1
        self._measured(Observation(kind="answer", duration=now - (dial.placed or now), at=now))
        agent = self._agents.get(dial.agent)
        if agent is None or agent.dial != dial.id:
            agent = self._agents.free()
        self._out.append(self._report("dialer.answered", dial_id=dial.id, human=True,
                                      agent=agent.id if agent is not None else None))
        if agent is None:
            self._abandon(dial, now)
            return
        dial.state, dial.agent = DialState.CONNECTING, agent.id
        dial.deadline = now + ABANDON_WITHIN
        self._hold(agent, AgentState.CONNECTING, dial, now)
        self._out.append(dc.ConnectCall(dial_id=dial.id, agent=agent.id))

    def _abandon(self, dial: DialEntry, now: float, *, play: bool = True) -> None:
        """The abandon message at once (within the 2 s rule), unless the human is gone
        already; counted either way, and the number rested for 72 h."""
        self._let_go(dial, now)
        dial.state, dial.deadline = DialState.ABANDONING, now + self.campaign.message_limit
        self.tally.abandoned += 1
        # spent now: the pacing that follows in this same call must not spend it again
        self._budget = max(0.0, self._budget - 1)
        self._abandoned[dial.record.number] = now
        if play:
            self._out.append(dc.PlayAbandonMessage(dial_id=dial.id,
                                                   message=self.campaign.abandon_message))
        self._out.append(self._report("dialer.abandoned", dial_id=dial.id,
                                      record_id=dial.record.id, heard_message=play))

    def _not_connected(self, dial: DialEntry, event: Any, now: float) -> None:
        self._abandon(dial, now)

    def _machine(self, dial: DialEntry, event: Any, now: float) -> None:
        dial.answered, dial.deadline = now, now + self.campaign.message_limit
        dial.state = DialState.MACHINE
        self._unanswered_after(dial, now)
        self.tally.machines += 1
        self._let_go(dial, now)
        self._out.append(self._report("dialer.answered", dial_id=dial.id, human=False,
                                      agent=None))
        if self.campaign.machine == "message":
            self._out.append(dc.LeaveMachineMessage(dial_id=dial.id,
                                                    message=self.campaign.machine_message))
        else:
            self._out.append(dc.DropCall(dial_id=dial.id))

    def _connected(self, dial: DialEntry, event: de.HumanConnected, now: float) -> None:
        if event.agent != dial.agent:
            self.ignored += 1  # not the agent it was given to
            return
        dial.state, dial.deadline = DialState.TALKING, None
        self.tally.connected += 1
        agent = self._agents.get(event.agent)
        if agent is not None and agent.state is AgentState.CONNECTING:
            self._set_agent(agent, AgentState.TALKING, now)

    def _call_ended(self, dial: DialEntry, event: Any, now: float) -> None:
        """The answered call is over; a human who left before their agent is abandoned."""
        if dial.state is DialState.CONNECTING:
            self._abandon(dial, now, play=False)
        outcome = {DialState.TALKING: Outcome.HUMAN, DialState.ABANDONING: Outcome.ABANDONED,
                   DialState.MACHINE: Outcome.MACHINE}.get(dial.state, Outcome.FAILED)
        if outcome is Outcome.FAILED:
            self.tally.failed += 1
        agent = self._agents.get(dial.agent)
        if outcome is Outcome.HUMAN and agent is not None and agent.dial == dial.id:
            agent.dial = None
            if agent.state is AgentState.TALKING:
                self._set_agent(agent, AgentState.WRAP_UP, now)
        self._end(dial, outcome, now)

    def _let_go(self, dial: DialEntry, now: float) -> None:
        """The agent held for the dial (preview, connecting) is free again."""
        agent = self._agents.get(dial.agent)
        if agent is not None and agent.dial == dial.id:
            agent.dial = None
            if agent.state in (AgentState.PREVIEWING, AgentState.CONNECTING):
                self._set_agent(agent, AgentState.READY, now)
        dial.agent = None

    def _end(self, dial: DialEntry, outcome: Outcome, now: float, *,
             retry_at: float | None = None, why: str = "") -> None:
        """Every dial ends here, once: its line freed, its record refiled or done."""
        assert dial.state is not DialState.ENDED, dial
        if dial.answered is None:
            self._unanswered_after(dial, now)
        if outcome is not Outcome.HUMAN:
            self._let_go(dial, now)
        dial.state, dial.deadline = DialState.ENDED, None
        del self._dials[dial.id]
        heapq.heappush(self._lines, dial.line)
        record = dial.record
        next_due = self._book.settle(record, outcome, now, self.campaign, retry_at)
        self._out += [
            dc.RecordOutcome(dial_id=dial.id, record_id=record.id, number=record.number,
                             outcome=outcome.value, attempts=record.attempts,
                             agent=dial.agent, next_due=next_due),
            self._report("dialer.ended", dial_id=dial.id, record_id=record.id,
                         outcome=outcome.value, attempts=record.attempts, line=dial.line,
                         next_due=next_due, rule=why or None)]
        self._after_end(dial, outcome, next_due)

    def _hold(self, agent: AgentEntry, state: AgentState, dial: DialEntry, now: float) -> None:
        agent.dial = dial.id
        self._set_agent(agent, state, now)

    def _set_agent(self, agent: AgentEntry, state: AgentState, now: float) -> None:
        """Talk and wrap-up are measured as they end, for the pacer's estimates."""
        ended = self._agents.move(agent, state, now)
        if ended is not None:
            self._measured(Observation(kind=ended[0], duration=ended[1], at=now))

    def _unanswered_after(self, dial: DialEntry, now: float) -> None:
        """A placed dial that stopped waiting for an answer without a human: its age then
        is what an answer-delay estimate needs of it (no human by then)."""
        if dial.placed is not None:
            self._measured(Observation(kind="unanswered", duration=now - dial.placed, at=now))

    def _measured(self, observation: Observation) -> None:
        self.tally.add(observation)
        self.pacer.observe(observation)

    def _report(self, kind: str, **data: object) -> dc.Report:
        return dc.Report(type=kind, data={"campaign": self.campaign.name, **data})


#: a dial cut off at its deadline in this state ends so (any other: no answer)
_CUT_OFF = {DialState.ABANDONING: Outcome.ABANDONED, DialState.MACHINE: Outcome.MACHINE}

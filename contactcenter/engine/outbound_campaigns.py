"""The campaigns the platform runs, by name, and whose news each driver event is.

Each campaign is a ``CampaignRunner`` (``campaigns.py``); this module only
finds the one a leg belongs to, and runs their tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId
from contactcenter.acd.states import AgentState
from contactcenter.engine.agent_store import OUTBOUND_PAUSE
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.distribution import Distributor
from contactcenter.telephony import events as de


class SeatRefused(Exception):
    """An agent cannot join this campaign now; the message says why."""


class Campaigns:
    """Every outbound campaign; the engine hands it the driver's news first."""

    def __init__(self, distributor: Distributor | None = None) -> None:
        self.runners: dict[str, CampaignRunner] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        #: the ACD: an agent on a campaign's open line takes no inbound call meanwhile
        self._distributor = distributor
        #: whether the telephony can place a dial now on behalf of a caller id (set by
        #: the serve process: the engine that number runs on)
        self.can_dial: Callable[[str], bool] = lambda _caller_id: True

    def add(self, runner: CampaignRunner) -> CampaignRunner:
        self.runners[runner.name] = runner
        runner.on_seat = self._seat_changed
        runner.can_dial = lambda: self.can_dial(runner.caller_id)
        self._tasks[runner.name] = asyncio.ensure_future(runner.run())
        return runner

    async def remove(self, name: str) -> CampaignRunner | None:
        """Take a campaign's runner off, its tasks stopped: its settings changed, and a
        runner with the new ones takes its place (nothing may be under way)."""
        runner = self.runners.pop(name, None)
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return runner

    def seated_in(self, agent: str) -> str | None:
        """The campaign whose open line the agent is on (or joining), if any."""
        return next((name for name, runner in self.runners.items()
                     if runner.seats.seat(agent) is not None), None)

    def join(self, campaign: str, agent: str, endpoint: str) -> None:
        """The agent joins ``campaign``; ``SeatRefused`` while they work another one."""
        elsewhere = self.seated_in(agent)
        if elsewhere not in (None, campaign):
            raise SeatRefused(f"{agent} works campaign {elsewhere!r}: leave it first")
        self.runners[campaign].join(agent, endpoint)

    def _seat_changed(self, agent: str, open_: bool) -> None:
        """Paused in the ACD (reason ``outbound``) while on a campaign's line; available
        again when it closes, if nobody paused them otherwise meanwhile."""
        distributor = self._distributor
        if distributor is None or agent not in distributor.acd.config.agents:
            return
        view = distributor.acd.agent_state(agent)
        if open_ and view.state is not AgentState.LOGGED_OUT:
            distributor.agent_event(ae.AgentPaused(agent=AgentId(agent),
                                                   reason=OUTBOUND_PAUSE))
        elif not open_ and view.state is AgentState.PAUSED and view.reason == OUTBOUND_PAUSE:
            distributor.agent_event(ae.AgentAvailable(agent=AgentId(agent)))

    def get(self, name: str) -> CampaignRunner | None:
        return self.runners.get(name)

    def channels(self) -> set[str]:
        return set().union(*(runner.channels() for runner in self.runners.values()))

    def records(self) -> set[str]:
        """The dials under way: their records are the campaigns' to end."""
        return set().union(*(runner.dials() for runner in self.runners.values()))

    def resynced(self, present: set[str],
                 mine: Callable[[str], bool] = lambda _leg: True) -> None:
        """After a driver's reconnect: the calls from before a restart, found or not
        (``mine``: the legs that driver carries; another engine's are not its news)."""
        for runner in self.runners.values():
            runner.resynced(present, mine)

    def resume_after_restart(self) -> None:
        for runner in self.runners.values():
            runner.resume_after_restart()

    def codes_of(self, campaign: str) -> list[dict[str, Any]] | None:
        """The codes agents give the campaign's calls (None: the queue's)."""
        runner = self.runners.get(campaign)
        return list(runner.codes) if runner is not None and runner.codes else None

    def disposed(self, campaign: str, call_id: str, *, agent: str, code: str,
                 callback_at: float | None) -> bool:
        """An agent's code for a campaign's call; True when it ended their wrap-up."""
        runner = self.runners.get(campaign)
        if runner is None:
            return False
        return runner.disposed(call_id, agent=agent, callback_at=callback_at)

    def on_driver_event(self, event: de.DriverEvent) -> bool:
        """True when the event was a campaign's."""
        runners = self.runners.values()
        match event:
            case de.DialAnswered():
                return any(runner.dial_answered(event) for runner in runners) \
                    or self._stray(event)
            case de.DialUnanswered():
                return any(runner.dial_unanswered(event) for runner in runners)
            case de.AgentAnswered(leg_id=leg):
                return any(runner.seat_answered(leg) for runner in runners)
            case de.CallEnded(call_id=leg, cause=cause):
                return any(runner.leg_ended(leg, cause) for runner in runners)
            case de.PlaybackEnded(call_id=leg):
                return any(runner.playback_ended(leg) for runner in runners)
        return False

    def _stray(self, event: de.DialAnswered) -> bool:
        """A campaign's callee no runner knows (dial ids are ``<campaign>-<n>``)."""
        campaign = event.call_id.rpartition("-")[0]
        runner = self.runners.get(campaign)
        if runner is None:
            return False
        runner.stray_answered(event.leg_id, event.human)
        return True

    async def close(self) -> None:
        """Stop every campaign's tasks (idempotent: the engine closes them too)."""
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task

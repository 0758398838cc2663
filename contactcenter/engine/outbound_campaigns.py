"""The campaigns the platform runs, by name, and whose news each driver event is.

Each campaign is a ``CampaignRunner`` (``campaigns.py``); this module only
finds the one a leg belongs to, and runs their tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.telephony import events as de


class Campaigns:
    """Every outbound campaign; the engine hands it the driver's news first."""

    def __init__(self) -> None:
        self.runners: dict[str, CampaignRunner] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def add(self, runner: CampaignRunner) -> CampaignRunner:
        self.runners[runner.name] = runner
        self._tasks[runner.name] = asyncio.ensure_future(runner.run())
        return runner

    def get(self, name: str) -> CampaignRunner | None:
        return self.runners.get(name)

    def channels(self) -> set[str]:
        return set().union(*(runner.channels() for runner in self.runners.values()))

    def records(self) -> set[str]:
        """The dials under way: their records are the campaigns' to end."""
        return set().union(*(runner.dials() for runner in self.runners.values()))

    def resynced(self, present: set[str]) -> None:
        """After the driver's reconnect: the calls from before a restart, found or not."""
        for runner in self.runners.values():
            runner.resynced(present)

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
                return any(runner.dial_answered(event) for runner in runners)
            case de.DialUnanswered():
                return any(runner.dial_unanswered(event) for runner in runners)
            case de.AgentAnswered(leg_id=leg):
                return any(runner.seat_answered(leg) for runner in runners)
            case de.CallEnded(call_id=leg, cause=cause):
                return any(runner.leg_ended(leg, cause) for runner in runners)
            case de.PlaybackEnded(call_id=leg):
                return any(runner.playback_ended(leg) for runner in runners)
        return False

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task

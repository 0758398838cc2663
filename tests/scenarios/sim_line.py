"""The scenarios' line on the simulated switch (``contactcenter.telephony.sim.switch``).

``SimSwitch`` plays Asterisk's part for simulation runs, where callers press keys from a
script and every agent answers alike. A scenario needs more of the world, so
``ScenarioSwitch`` adds it on top, through the switch's own channels: a caller who presses
keys and hangs up when the scenario says so, each agent's phone answering or not, the
prompts each call heard, and a campaign's dials (``PlaceDial``, which simulation runs do
not place) answered as the dialed number's ``Kind`` says: a person or a machine
(``DialAnswered``, as Asterisk's detector reports it), busy or no answer
(``DialUnanswered``, as a failed originate). The switch runs on the loop's real clock
with short prompts, so a scenario takes about a second.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.owners import Owners
from contactcenter.telephony.router import DriverRouter
from contactcenter.telephony.sim.scenario import Caller as SimCaller
from contactcenter.telephony.sim.switch import NO_ANSWER, NORMAL, SimSwitch, Wire, _Channel
from tests.integration.platform import EventWatcher
from tests.scenarios.lines import PATIENCE, Kind
from tests.scenarios.served import Served, served, write_settings
from tests.support import until

#: a talk that lasts until someone hangs up
FOREVER = 1e6
#: seconds of the simulated world: short prompts, phones answered at once
WIRE = Wire(answer_delay=0.1, prompt_seconds=0.2, key_delay=0.1, message_seconds=1.0,
            customer_answer=0.2, customer_talk=FOREVER)
#: how long a dialed phone rings before it is answered, and the cause texts of Asterisk
RING, BUSY_CAUSE = 0.2, "User busy"
#: a phone nobody answers: its network gives up ringing after this long
NO_ANSWER_SECONDS = 1.0


class ScenarioSwitch(SimSwitch):
    """``SimSwitch`` with the people of a scenario behind it."""

    def __init__(self, on_event: Any, wire: Wire = WIRE) -> None:
        super().__init__(on_event, wire)
        self.answering: dict[str, bool] = {}  #: endpoint -> whether its agent answers
        self.callees: dict[str, Kind] = {}
        self.heard: defaultdict[str, list[str]] = defaultdict(list)  #: call -> media
        self.on_phone: dict[str, str] = {}  #: endpoint -> the leg it answered last

    async def execute(self, command: dc.DriverCommand) -> None:
        if isinstance(command, dc.PlayMedia):
            self.heard[command.call_id].extend(command.media)
        if isinstance(command, dc.RecordMessage) and command.beep:
            self.heard[command.call_id].append("beep")  # the message is being taken
        if isinstance(command, dc.PlaceDial):
            self._place(command)
            return
        await super().execute(command)

    def alive(self, channel_id: str) -> bool:
        return channel_id in self._channels

    def press(self, channel_id: str, digit: str) -> None:
        """A key pressed at any time: Asterisk reports DTMF whatever plays."""
        self._emit(de.DigitReceived(call_id=channel_id, digit=digit))

    def hang_up(self, channel_id: str) -> None:
        self._gone(channel_id, NORMAL)

    def _ring(self, command: dc.RingAgent) -> None:
        """An agent's phone answers after the wire's delay if its agent answers at all;
        otherwise it rings until the platform's timeout."""
        if self.answering.get(command.endpoint, False):
            self.on_phone[command.endpoint] = command.leg_id
            super()._ring(command)
            return
        leg = self._channels[command.leg_id] = _Channel(command.leg_id)
        leg.timers.append(self._loop.call_later(command.timeout, self._gone,
                                                command.leg_id, NO_ANSWER))

    def _dial(self, command: dc.DialCustomer) -> None:
        """A customer called back (or clicked) answers unless the number's kind says busy
        or no answer: then the leg ends with Asterisk's cause text."""
        kind = self.callees.get(command.number, "human")
        if kind in ("human", "machine"):
            super()._dial(command)
            return
        self._channels[command.leg_id] = _Channel(command.leg_id)
        seconds, cause = (RING, BUSY_CAUSE) if kind == "busy" else (
            min(command.timeout, NO_ANSWER_SECONDS), NO_ANSWER)
        self._loop.call_later(seconds, self._gone, command.leg_id, cause)

    def _place(self, command: dc.PlaceDial) -> None:
        """A campaign's dial, answered as the number's kind says (a person by default)."""
        kind = self.callees.get(command.number, "human")
        if kind == "busy":
            self._later(RING, de.DialUnanswered(call_id=command.call_id, reason="busy",
                                                cause=BUSY_CAUSE))
        elif kind == "no_answer":  # its network gives up ringing first (as on Twilio's line)
            self._later(min(command.timeout, NO_ANSWER_SECONDS), de.DialUnanswered(
                call_id=command.call_id, reason="no_answer", cause="No answer"))
        else:
            self._loop.call_later(RING, self._dial_answered, command, kind == "human")

    def _dial_answered(self, command: dc.PlaceDial, human: bool) -> None:
        self._channels[command.leg_id] = _Channel(
            command.leg_id, caller=SimCaller(at=0.0, handle=FOREVER), up=True)
        self._emit(de.DialAnswered(call_id=command.call_id, leg_id=command.leg_id,
                                   human=human, detection="HUMAN" if human else "MACHINE"))

    def _later(self, seconds: float, event: de.DriverEvent) -> None:
        self._loop.call_later(seconds, self._emit, event)


@dataclass
class SimCallerLine:
    """A caller on the simulated switch."""

    switch: ScenarioSwitch
    call_id: str

    async def heard(self, prompt: str, seconds: float = PATIENCE) -> None:
        await until(lambda: any(_named(media) == prompt
                                for media in self.switch.heard[self.call_id]),
                    seconds=seconds, what=f"{self.call_id} never heard {prompt!r}")

    async def press(self, digits: str) -> None:
        for digit in digits:
            self.switch.press(self.call_id, digit)
            await asyncio.sleep(0)  # one key after the other, in order

    async def hang_up(self) -> None:
        self.switch.hang_up(self.call_id)

    async def gone(self, seconds: float = PATIENCE) -> None:
        await until(lambda: not self.switch.alive(self.call_id), seconds=seconds,
                    what=f"{self.call_id} is still on the line")


@dataclass
class SimPhone:
    switch: ScenarioSwitch
    agent: str

    async def hang_up(self) -> None:
        leg = self.switch.on_phone.get(self.agent)
        assert leg is not None and self.switch.alive(leg), f"{self.agent} is on no call"
        self.switch.hang_up(leg)


def _named(media: str) -> str:
    """``sound:hello`` -> ``hello``; ``digits:42`` -> ``42``."""
    return media.partition(":")[2] or media


@dataclass
class SimLine:
    platform: Served
    switch: ScenarioSwitch
    events: EventWatcher
    name: str = "sim"
    number: str = "5000"

    async def call_in(self, caller: str, number: str | None = None) -> SimCallerLine:
        call_id = self.switch.dial_in(SimCaller(at=0.0, handle=FOREVER),
                                      dialed=number or self.number, number=caller)
        return SimCallerLine(self.switch, call_id)

    async def phone(self, agent: str, *, answers: bool = True) -> SimPhone:
        self.switch.answering[agent] = answers
        self.switch.register(agent)
        distributor = self.platform.engine.distributor
        assert distributor is not None
        await until(lambda: agent in distributor.registered, seconds=PATIENCE,
                    what=f"{agent}'s phone never registered")
        return SimPhone(self.switch, agent)

    def callee(self, number: str, kind: Kind) -> None:
        self.switch.callees[number] = kind


@asynccontextmanager
async def sim_line(folder: Path, sections: dict[str, Any]) -> AsyncIterator[SimLine]:
    """The platform on the simulated switch, customers dialed through it."""
    path = write_settings(folder, sections={**sections,
                                            "asterisk": {"outbound_host": "127.0.0.1"}})
    async with served(path) as platform:
        engine = platform.engine
        router = DriverRouter(Owners(default="sim", numbers={}),
                              on_event=engine.on_driver_event, on_resync=engine.resync)
        switch = router.add("sim", lambda on_event, _resync: ScenarioSwitch(on_event))
        engine.send, engine.engine_of = router.execute, router.engine_of  # as serve's
        if engine.campaigns is not None:
            engine.campaigns.can_dial = lambda _caller_id: True
        async with EventWatcher(platform) as watcher:  # type: ignore[arg-type]
            yield SimLine(platform, switch, watcher)

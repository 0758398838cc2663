"""The scenarios' line on a real Asterisk, with the integration tests' parts: the
platform run as ``contactcenter serve`` (``tests.integration.platform``), agents'
phones that are baresip (``tests.integration.baresip``), and the people the platform
dials behind its outbound peer, one sipp answering each number as its digit says
(``tests.integration.dial_callees``: the ``Kind`` a scenario sets must agree with it).

A caller is a baresip too, which dials the IVR's number without registering (Asterisk
takes it for a local caller by its address) and sends its keys as RFC 4733 events
(``sndcode``). What a caller hears cannot be named from outside Asterisk: a prompt
counts as heard once the platform entered the IVR node that plays it (``ivr.step``),
or refused the key that brings it (``ivr.invalid``), as its flow says.

The platform, its Asterisk and the outbound peer are the session's: each scenario
gets a line of its own, whose phones stop and whose agents are logged out after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from contactcenter.ivr.loader import load_flow
from tests.integration.baresip import AgentPhone, _config
from tests.integration.platform import EventWatcher, Platform
from tests.scenarios.lines import PATIENCE, Kind, event, events_of
from tests.scenarios.served import ROOT, Reachable
from tests.support import free_port_range, free_ports, until

FLOW = load_flow(ROOT / "config/ivr/main.yaml")
#: seconds between two keys a caller presses
KEY_PACE = 0.3


def _nodes_playing(prompt: str) -> tuple[set[str], set[str]]:
    """(nodes whose own prompt plays ``prompt``, menus whose refusal plays it); digits
    (a balance) are played by any node whose prompt speaks a variable."""
    own, refusals = set(), set()
    for name, node in FLOW.nodes.items():
        media = getattr(node, "prompt", None) or ()
        if prompt in _names(media) or (prompt.isdigit() and any("{" in m for m in media)):
            own.add(name)
        if prompt in _names(getattr(node, "invalid_prompt", None) or ()):
            refusals.add(name)
    return own, refusals


def _names(media: tuple[str, ...]) -> set[str]:
    """``sound:hello`` -> ``hello``."""
    return {item.partition(":")[2] for item in media}


class CallerPhone(AgentPhone):
    """A baresip that only calls: no registration (``regint=0``)."""

    async def start(self) -> None:
        sip_port, _tls_port = free_port_range(2)
        (self.ctrl_port,) = free_ports(1)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "config").write_text(_config(sip_port, self.ctrl_port, self.tone, None))
        (self.folder / "accounts").write_text(
            f"<sip:{self.agent}@127.0.0.1;transport=udp>;regint=0;answermode=manual\n")
        (self.folder / "contacts").write_text("")
        self._process = await asyncio.to_thread(self._spawn)
        await self._connect()


def _password(endpoint: str) -> str:
    """The demo's SIP passwords (config/demo.yaml)."""
    return "demo-sip-sup-pass" if endpoint == "supervisor1" else f"demo-sip-{endpoint[-3:]}-pass"


@dataclass
class AsteriskCaller:
    line: AsteriskLine
    phone: CallerPhone
    call_id: str

    async def heard(self, prompt: str, seconds: float = PATIENCE) -> None:
        if prompt == "beep":  # a message is being recorded
            await event(self.line, "voicemail.started", seconds,  # type: ignore[arg-type]
                        call_id=self.call_id)
            return
        own, refusals = _nodes_playing(prompt)
        assert own or refusals, f"no node of the flow plays {prompt!r}"
        await self.line.events.wait_for(
            lambda e: e.get("call_id") == self.call_id and (
                (e.get("type") == "ivr.step" and e.get("node") in own)
                or (e.get("type") == "ivr.invalid" and e.get("node") in refusals)),
            timeout=seconds)

    async def press(self, digits: str) -> None:
        """At a person's pace: baresip sends each key as RFC 4733 events over some
        100 ms, and a key sent on top of the one before can be lost on the way."""
        for digit in digits:
            await asyncio.sleep(KEY_PACE)
            await self.phone.command("sndcode", digit)

    async def hang_up(self) -> None:
        await self.phone.command("/hangup")
        await self.gone()

    async def gone(self, seconds: float = PATIENCE) -> None:
        await self.phone.wait_for("CALL_CLOSED", timeout=seconds)


@dataclass
class AsteriskAgentPhone:
    phone: AgentPhone

    @property
    def agent(self) -> str:
        return self.phone.agent

    async def hang_up(self) -> None:
        await self.phone.command("/hangup")


@dataclass
class AsteriskPlatform(Reachable):
    base_url: str
    http_port: int
    token: str


@dataclass
class AsteriskLine:
    platform: AsteriskPlatform
    events: EventWatcher
    sip_port: int
    folder: Path
    name: str = "asterisk"
    number: str = "5000"
    phones: list[AgentPhone] = field(default_factory=list)

    async def call_in(self, caller: str, number: str | None = None) -> AsteriskCaller:
        phone = CallerPhone(self.folder / f"caller{caller}", caller, "", self.sip_port,
                            auto_answer=False)
        await phone.start()
        self.phones.append(phone)
        await phone.command("dial", f"sip:{number or self.number}@127.0.0.1:{self.sip_port}")
        arrived = await event(self, "call.arrived", caller=caller)  # type: ignore[arg-type]
        return AsteriskCaller(self, phone, arrived["call_id"])

    async def phone(self, agent: str, *, answers: bool = True) -> AsteriskAgentPhone:
        phone = AgentPhone(self.folder / agent, agent, _password(agent), self.sip_port,
                           auto_answer=answers)
        await phone.start()
        self.phones.append(phone)

        async def registered() -> bool:
            agents = (await self.platform.api("GET", "/api/v1/agents"))["agents"]
            if agent not in agents:  # a supervisor's phone is no ACD agent
                return bool(events_of(self, "endpoint.state",  # type: ignore[arg-type]
                                      endpoint=agent, registered=True))
            return bool(agents[agent]["registered"])

        await until(registered, seconds=PATIENCE, what=f"{agent} never registered",
                    every=0.1)
        return AsteriskAgentPhone(phone)

    def callee(self, number: str, kind: Kind) -> None:
        """The outbound peer answers each number as its digit says (``dial_callees``)."""


@asynccontextmanager
async def asterisk_line(platform: Platform, folder: Path) -> AsyncIterator[AsteriskLine]:
    reach = AsteriskPlatform(platform.base_url, platform.http_port, platform.token)
    async with EventWatcher(platform) as watcher:
        line = AsteriskLine(reach, watcher, platform.sip_port, folder)
        try:
            yield line
        finally:
            for phone in line.phones:
                await phone.stop()
            for agent in ("agent101", "agent102"):
                await reach.api("PUT", f"/api/v1/agents/{agent}/state",
                                {"state": "logged_out"}, expect=None)

"""The people a benchmark campaign calls: the simulator's records, played by one sipp.

Each record of a simulator cell (``contactcenter.dialer.simulator.World``) becomes a
UK mobile number that says how its callee behaves: ``+447 K AA TTT III``, where K is
the outcome (1 a person, 2 busy, 3 rings out, 4 an answering machine, 5 a failed
line), AA the seconds until the answer (or the busy tone or failure), TTT the
seconds the person talks once answered, and III the record's index (so that numbers
differ). sipp reads those digits from the INVITE and pauses for them, so that the
real calls meet the very records the simulator drew for the same seed.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from contactcenter.dialer.simulator import World
from tests.integration.dial_callees import (
    ANSWER,
    HANG_UP,
    KEEP_DIALOG,
    endings,
    reply,
    write_greetings,
)

#: the simulator's outcome index (human, machine, busy, no answer, failed) -> K
KIND = {0: 1, 1: 4, 2: 2, 3: 3, 4: 5}
OUTCOME = {1: "human", 2: "busy", 3: "no_answer", 4: "machine", 5: "failed"}


def record_number(world: World, index: int) -> str:
    outcome, delay, quick, talk, _wrap, _amd = world.record(index)
    kind = KIND[outcome]
    wait = quick if kind in (2, 5) else delay
    return f"+447{kind}{min(99, round(wait)):02d}{min(999, round(talk)):03d}{index % 1000:03d}"


def kind_of(number: str) -> str:
    return OUTCOME[int(number[4])]


def scenario(hello: Path, greeting: Path) -> str:
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="campaign-people">
<recv request="INVITE" crlf="true">
  <action>
    <ereg regexp="INVITE sip:\\+447([1-5])([0-9]{{2}})([0-9]{{3}})" search_in="msg"
          check_it="true" assign_to="all,kind,wait,talk"/>
    {KEEP_DIALOG}
    <log message="dialed [$all]"/>
    <todouble assign_to="k" variable="kind"/>
    <todouble assign_to="wait_ms" variable="wait"/>
    <multiply assign_to="wait_ms" value="1000"/>
    <todouble assign_to="talk_ms" variable="talk"/>
    <multiply assign_to="talk_ms" value="1000"/>
    <test assign_to="busy" variable="k" compare="equal" value="2"/>
    <test assign_to="ringing" variable="k" compare="equal" value="3"/>
    <test assign_to="machine" variable="k" compare="equal" value="4"/>
    <test assign_to="failed" variable="k" compare="equal" value="5"/>
  </action>
</recv>
{reply("180 Ringing")}<nop next="ringing" test="ringing"/>
<pause variable="wait_ms"/>
<nop next="busy" test="busy"/>
<nop next="failed" test="failed"/>
{ANSWER}<nop next="machine" test="machine"/>
<nop><action><exec rtp_stream="{hello},1,8"/></action></nop>
<pause variable="talk_ms"/>
{HANG_UP}<nop next="end"/>
{endings(greeting)}</scenario>
"""


@dataclass
class CampaignPeople:
    """One sipp taking every call of the campaign on ``port``."""

    workdir: Path
    port: int
    media_port: int
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = shutil.which("sipp")
        assert binary, "sipp is not installed (Debian package sip-tester)"
        hello, greeting = write_greetings(self.workdir)
        path = self.workdir / "people.xml"
        path.write_text(scenario(hello, greeting))
        self.process = await asyncio.create_subprocess_exec(
            binary, "-sf", str(path), "-i", "127.0.0.1", "-p", str(self.port),
            "-mi", "127.0.0.1", "-mp", str(self.media_port), "-nostdin",
            "-trace_err", "-error_file", str(self.workdir / "people-errors.log"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            cwd=self.workdir)
        try:  # a scenario sipp refuses ends it at once: say why, not "no answer" later
            await asyncio.wait_for(self.process.wait(), 1.0)
        except TimeoutError:
            return
        assert self.process.stderr is not None
        raise RuntimeError(f"sipp refused the scenario: {await self.process.stderr.read()!r}")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

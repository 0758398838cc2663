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
from tests.integration.dial_callees import write_greetings
from tests.integration.sipp import BYE_ANSWER

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


_HEAD = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]b[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>"""


def _reply(status: str) -> str:
    return f"<send><![CDATA[\nSIP/2.0 {status}\n{_HEAD}\nContent-Length: 0\n\n]]></send>\n"


def scenario(hello: Path, greeting: Path) -> str:
    ok = f"""<send retrans="500"><![CDATA[
SIP/2.0 200 OK
{_HEAD}
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
a=sendrecv

]]></send>
<recv request="ACK" crlf="true"/>
"""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="campaign-people">
<recv request="INVITE" crlf="true">
  <action>
    <ereg regexp="INVITE sip:\\+447([1-5])([0-9]{{2}})([0-9]{{3}})" search_in="msg"
          check_it="true" assign_to="all,kind,wait,talk"/>
    <ereg regexp=".*" search_in="hdr" header="From:" assign_to="from"/>
    <ereg regexp=".*" search_in="hdr" header="To:" assign_to="to"/>
    <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
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
{_reply("180 Ringing")}
<nop next="ringing" test="ringing"/>
<pause variable="wait_ms"/>
<nop next="busy" test="busy"/>
<nop next="failed" test="failed"/>
{ok}
<nop next="machine" test="machine"/>
<nop><action><exec rtp_stream="{hello},1,8"/></action></nop>
<pause variable="talk_ms"/>
<send retrans="500"><![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$to];tag=[pid]b[call_number]
To: [$from]
[last_Call-ID:]
CSeq: 1 BYE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" crlf="true"/>
<nop next="end"/>
<label id="machine"/>
<nop><action><exec rtp_stream="{greeting},1,8"/></action></nop>
<recv request="BYE"/>
{BYE_ANSWER}
<nop next="end"/>
<label id="ringing"/>
<recv request="CANCEL"/>
{_reply("200 OK")}
{_reply("487 Request Terminated")}
<recv request="ACK"/>
<nop next="end"/>
<label id="busy"/>
{_reply("486 Busy Here")}
<recv request="ACK"/>
<nop next="end"/>
<label id="failed"/>
{_reply("503 Service Unavailable")}
<recv request="ACK"/>
<label id="end"/>
</scenario>
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

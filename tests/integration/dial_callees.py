"""The people a campaign calls, for the tests: one sipp behind the platform's outbound
peer taking every call, and answering each as its number says.

A number ``+1555010KNNN`` behaves by its digit K: 1 a person who answers after
``ring_ms`` and says "hello?" (a short burst of sound, then silence: Asterisk's
machine detection hears a person), 2 busy, 3 a phone that rings until given up,
4 an answering machine (a long greeting of many short bursts: detection hears a
machine). A person hangs up ``talk_ms`` after answering unless the platform hangs up
first; a machine waits for the platform's hang-up.
"""

from __future__ import annotations

import asyncio
import math
import shutil
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.platform import ROOT, Platform, running_platform
from tests.integration.sipp import BYE_ANSWER

HUMAN, BUSY, NO_ANSWER, MACHINE = 1, 2, 3, 4
RATE = 8000


def number(kind: int, index: int) -> str:
    return f"+1555010{kind}{index:03d}"


def _alaw(sample: int) -> int:
    """One 16-bit linear sample as G.711 A-law (ITU-T G.711's segment encoding)."""
    sign = 0x80 if sample >= 0 else 0
    magnitude = min(abs(sample), 32635) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        segment = magnitude.bit_length() - 5
        code = (segment << 4) | ((magnitude >> segment) & 0x0F)
    return (code | sign) ^ 0x55


def _sound(bursts: list[tuple[float, float]], total: float) -> bytes:
    """A-law audio: tones of 440 Hz for each (start, length) in seconds, silence elsewhere."""
    samples = bytearray()
    for n in range(int(total * RATE)):
        t = n / RATE
        loud = any(start <= t < start + length for start, length in bursts)
        samples.append(_alaw(int(12000 * math.sin(2 * math.pi * 440 * t)) if loud else 0))
    return bytes(samples)


def write_greetings(folder: Path) -> tuple[Path, Path]:
    """A person's "hello?" and a machine's long greeting, as raw A-law files."""
    hello, greeting = folder / "hello.al", folder / "greeting.al"
    hello.write_bytes(_sound([(0.3, 0.7)], 6.0))
    words = [(0.3 + 0.55 * i, 0.4) for i in range(17)]  # 9.5 s of speech-like bursts
    greeting.write_bytes(_sound(words, 12.0))
    return hello, greeting


HEAD = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]dialed[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>"""

#: kept from the INVITE, for a BYE of the callee's own
KEEP_DIALOG = """<ereg regexp=".*" search_in="hdr" header="From:" assign_to="from"/>
    <ereg regexp=".*" search_in="hdr" header="To:" assign_to="to"/>
    <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>"""


def reply(status: str) -> str:
    """A response with no body, to the INVITE (or the CANCEL) just received."""
    return f"<send><![CDATA[\nSIP/2.0 {status}\n{HEAD}\nContent-Length: 0\n\n]]></send>\n"


#: the callee answers with A-law (what the greetings are) and waits for the ACK
ANSWER = f"""<send retrans="500"><![CDATA[
SIP/2.0 200 OK
{HEAD}
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

#: the callee hangs up: a BYE of their own, answered
HANG_UP = """<send retrans="500"><![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$to];tag=[pid]dialed[call_number]
To: [$from]
[last_Call-ID:]
CSeq: 1 BYE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" crlf="true"/>
"""


def endings(greeting: Path) -> str:
    """The labelled branches a scenario jumps to: a machine's greeting until the
    platform hangs up, a phone ringing until cancelled, busy, failed; then ``end``."""
    return f"""<label id="machine"/>
<nop><action><exec rtp_stream="{greeting},1,8"/></action></nop>
<recv request="BYE"/>
{BYE_ANSWER}
<nop next="end"/>
<label id="ringing"/>
<recv request="CANCEL"/>
{reply("200 OK")}{reply("487 Request Terminated")}<recv request="ACK"/>
<nop next="end"/>
<label id="busy"/>
{reply("486 Busy Here")}<recv request="ACK"/>
<nop next="end"/>
<label id="failed"/>
{reply("503 Service Unavailable")}<recv request="ACK"/>
<label id="end"/>
"""


def _scenario(hello: Path, greeting: Path, ring_ms: int, talk_ms: int) -> str:
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="dialed">
<recv request="INVITE" crlf="true">
  <action>
    <ereg regexp="INVITE sip:\\+1555010{BUSY}" search_in="msg" check_it="false"
          assign_to="busy"/>
    <ereg regexp="INVITE sip:\\+1555010{NO_ANSWER}" search_in="msg" check_it="false"
          assign_to="ringing"/>
    <ereg regexp="INVITE sip:\\+1555010{MACHINE}" search_in="msg" check_it="false"
          assign_to="machine"/>
    {KEEP_DIALOG}
  </action>
</recv>
<nop next="busy" test="busy"/>
{reply("180 Ringing")}<nop next="ringing" test="ringing"/>
<pause milliseconds="{ring_ms}"/>
{ANSWER}<nop next="machine" test="machine"/>
<nop><action><exec rtp_stream="{hello},1,8"/></action></nop>
<recv request="BYE" timeout="{talk_ms}" ontimeout="hang_up"/>
{BYE_ANSWER}
<nop next="end"/>
<label id="hang_up"/>
{HANG_UP}<nop next="end"/>
{endings(greeting)}</scenario>
"""


def campaign_platform(tmp: Path, install: AsteriskInstall, agents: Iterable[str],
                      campaigns: Path, outbound_port: int, *, wrap_up: float = 1
                      ) -> AbstractContextManager[Platform]:
    """The platform with a sales team of ``agents`` (wrap-up ``wrap_up`` s), the
    ``campaigns`` file, the outbound peer at ``outbound_port`` and calls allowed all
    day (the 555 and test numbers could be in any zone of their country)."""
    queue = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": wrap_up,
             "announce_on_join": False}
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "sales": queue, "support": queue, "operator": queue}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        agent: {"skills": {"sales": 5}, "queues": {"sales": 1}} for agent in agents}}))
    return running_platform(
        tmp, {"dir": str(ROOT / "config/ivr")}, install,
        acd={"queues": str(tmp / "queues.yaml"), "agents": str(tmp / "agents.yaml")},
        asterisk={"outbound_host": "127.0.0.1", "outbound_port": outbound_port},
        sections={"dialer": {"calling_hours": ["00:00", "23:59"],
                             "campaigns": str(campaigns)}})


@dataclass
class DialedPeople:
    """One sipp taking every call the campaign places, on ``port``."""

    workdir: Path
    port: int
    media_port: int
    ring_ms: int = 1000
    talk_ms: int = 4000
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = shutil.which("sipp")
        assert binary, "sipp is not installed (Debian package sip-tester)"
        hello, greeting = write_greetings(self.workdir)
        path = self.workdir / "dialed.xml"
        path.write_text(_scenario(hello, greeting, self.ring_ms, self.talk_ms))
        self.process = await asyncio.create_subprocess_exec(
            binary, "-sf", str(path), "-i", "127.0.0.1", "-p", str(self.port),
            "-mi", "127.0.0.1", "-mp", str(self.media_port), "-nostdin", "-trace_err",
            "-error_file", str(self.workdir / "dialed-errors.log"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            cwd=self.workdir)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

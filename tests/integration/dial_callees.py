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
from dataclasses import dataclass
from pathlib import Path

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


_HEAD = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]dialed[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>"""

_OK_SDP = f"""SIP/2.0 200 OK
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
    <ereg regexp=".*" search_in="hdr" header="From:" assign_to="from"/>
    <ereg regexp=".*" search_in="hdr" header="To:" assign_to="to"/>
    <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
  </action>
</recv>
<nop next="busy" test="busy"/>
<send><![CDATA[
SIP/2.0 180 Ringing
{_HEAD}
Content-Length: 0

]]></send>
<nop next="ringing" test="ringing"/>
<pause milliseconds="{ring_ms}"/>
<send retrans="500"><![CDATA[
{_OK_SDP}
]]></send>
<recv request="ACK" crlf="true"/>
<nop next="machine" test="machine"/>
<nop><action><exec rtp_stream="{hello},1,8"/></action></nop>
<recv request="BYE" timeout="{talk_ms}" ontimeout="hang_up"/>
{BYE_ANSWER}
<nop next="end"/>
<label id="hang_up"/>
<send retrans="500"><![CDATA[
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
<nop next="end"/>
<label id="machine"/>
<nop><action><exec rtp_stream="{greeting},1,8"/></action></nop>
<recv request="BYE"/>
{BYE_ANSWER}
<nop next="end"/>
<label id="ringing"/>
<recv request="CANCEL"/>
<send><![CDATA[
SIP/2.0 200 OK
{_HEAD}
Content-Length: 0

]]></send>
<send><![CDATA[
SIP/2.0 487 Request Terminated
{_HEAD}
Content-Length: 0

]]></send>
<recv request="ACK"/>
<nop next="end"/>
<label id="busy"/>
<send><![CDATA[
SIP/2.0 486 Busy Here
{_HEAD}
Content-Length: 0

]]></send>
<recv request="ACK"/>
<label id="end"/>
</scenario>
"""


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

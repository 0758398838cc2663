"""sipp callers for the tests: a scenario made from a list of steps.

Each step waits (while answering an early BYE) and then sends its digits as
RFC 4733 telephone-events with sipp's ``play_dtmf``. After the last step the
caller stays on the line for ``hold_ms`` unless the platform hangs up first.
"""

from __future__ import annotations

import asyncio
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

_INVITE = """<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Test caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 96
a=rtpmap:0 PCMU/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-16
a=ptime:20
a=sendrecv

]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
<recv response="200" rtd="true"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Test caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

_WAIT = '<recv request="BYE" timeout="{ms}" ontimeout="{next}" next="far_bye"/>\n<label id="{next}"/>\n'
_DTMF = '<nop><action><exec play_dtmf="{digits}"/></action></nop>\n'
_SPEAK = '<nop><action><exec rtp_stream="{path},1,0"/></action></nop>\n'

#: the 200 OK that answers the far end's BYE (a caller's, or a callee's in callee.py)
BYE_ANSWER = """<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
"""

_ENDINGS = """<send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Test caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" next="done"/>
<label id="far_bye"/>
{bye_answer}<label id="done"/>
"""


def _ulaw(sample: int) -> int:
    """One 16-bit sample in G.711 u-law (ITU-T G.711: the PCMU the caller offers)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def ulaw_tone(path: Path, seconds: float = 3.0, hertz: int = 440) -> Path:
    """A tone as raw 8 kHz u-law, for a step's ``speak``."""
    path.write_bytes(bytes(_ulaw(int(12000 * math.sin(2 * math.pi * hertz * n / 8000)))
                           for n in range(int(seconds * 8000))))
    return path


@dataclass(frozen=True)
class Step:
    """Wait ``wait_ms`` on the line, then press ``digits`` (may be empty)."""

    wait_ms: int
    digits: str = ""
    #: then speak: stream this file of raw 8 kHz u-law audio (sipp's ``rtp_stream``,
    #: no root needed), e.g. a message left after the beep
    speak: str = ""


def scenario(caller: str, steps: list[Step], hold_ms: int) -> str:
    body = [_INVITE.format(caller=caller)]
    for index, step in enumerate(steps):
        body.append(_WAIT.format(ms=max(step.wait_ms, 1), next=f"step{index}"))
        if step.digits:
            body.append(_DTMF.format(digits=step.digits))
        if step.speak:
            body.append(_SPEAK.format(path=step.speak))
    body.append(_WAIT.format(ms=max(hold_ms, 1), next="hang_up"))
    body.append(_ENDINGS.format(caller=caller, bye_answer=BYE_ANSWER))
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="caller">\n'
            + "".join(body) + "</scenario>\n")


@dataclass
class SippResult:
    returncode: int
    output: str


async def call(*, sip_port: int, number: str, caller: str, steps: list[Step], hold_ms: int,
               workdir: Path, local_port: int, media_port: int,
               timeout: float = 120, rtp_echo: bool = False) -> SippResult:
    """Place one call with sipp and wait for it to finish; with ``rtp_echo`` the caller
    sends back every RTP packet it gets (the far end hears itself: media both ways
    without root for pcap play)."""
    binary = shutil.which("sipp")
    assert binary, "sipp is not installed (Debian package sip-tester)"
    path = workdir / f"caller-{local_port}.xml"
    path.write_text(scenario(caller, steps, hold_ms))
    process = await asyncio.create_subprocess_exec(
        binary, f"127.0.0.1:{sip_port}", "-sf", str(path), "-s", number,
        "-i", "127.0.0.1", "-p", str(local_port), "-mi", "127.0.0.1", "-mp", str(media_port),
        "-m", "1", "-l", "1", "-timeout", f"{int(timeout)}s", "-timeout_error",
        "-nostdin", "-trace_err", "-error_file", str(workdir / f"sipp-{local_port}-errors.log"),
        *(["-rtp_echo"] if rtp_echo else []),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=workdir)
    output, _ = await process.communicate()
    return SippResult(process.returncode or 0, output.decode(errors="replace"))

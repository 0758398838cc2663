"""A customer's phone for the tests: sipp answering one call (or refusing it busy).

The platform dials customers out through its outbound peer; pointing that peer at
this sipp makes it the customer. Answered, it stays on the line until the platform
hangs up (a BYE), and records the caller id it was shown.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.integration.sipp import BYE_ANSWER

_RESPONSE_HEAD = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]callee[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>"""

_ANSWER = f"""<recv request="INVITE" crlf="true">
  <action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="from"/>
          <log message="FROM [$from]"/></action>
</recv>
<send><![CDATA[
SIP/2.0 180 Ringing
{_RESPONSE_HEAD}
Content-Length: 0

]]></send>
<pause milliseconds="{{ring_ms}}"/>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
{_RESPONSE_HEAD}
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv

]]></send>
<recv request="ACK" crlf="true"/>
<recv request="BYE"/>
{BYE_ANSWER}"""

_BUSY = f"""<recv request="INVITE" crlf="true"/>
<send><![CDATA[
SIP/2.0 486 Busy Here
{_RESPONSE_HEAD}
Content-Length: 0

]]></send>
<recv request="ACK"/>
"""


@dataclass
class Callee:
    """One sipp that takes one call on ``port``; ``busy`` refuses it."""

    workdir: Path
    port: int
    media_port: int
    busy: bool = False
    ring_ms: int = 500
    #: send back what it hears (the caller then hears themselves: proof of the path)
    echo: bool = False
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = shutil.which("sipp")
        assert binary, "sipp is not installed (Debian package sip-tester)"
        body = _BUSY if self.busy else _ANSWER.format(ring_ms=self.ring_ms)
        path = self.workdir / f"callee-{self.port}.xml"
        path.write_text('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
                        f'<scenario name="callee">\n{body}</scenario>\n')
        self.process = await asyncio.create_subprocess_exec(
            binary, "-sf", str(path), "-i", "127.0.0.1", "-p", str(self.port),
            "-mi", "127.0.0.1", "-mp", str(self.media_port), "-m", "1", "-nostdin",
            "-timeout", "90s", "-timeout_error", "-trace_logs",
            *(["-rtp_echo"] if self.echo else []),
            "-log_file", str(self.log_path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=self.workdir)

    @property
    def log_path(self) -> Path:
        return self.workdir / f"callee-{self.port}.log"

    async def finished(self, timeout: float = 60) -> tuple[int, str]:
        """sipp's exit code once its one call is over (0: the scenario ran to its end)."""
        assert self.process is not None
        output, _ = await asyncio.wait_for(self.process.communicate(), timeout)
        return self.process.returncode or 0, output.decode(errors="replace")

    def shown_caller(self) -> str:
        """The From header of the INVITE the customer's phone rang with."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return next((line[5:] for line in text.splitlines() if line.startswith("FROM ")), "")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

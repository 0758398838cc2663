"""baresip as an agent's phone: registers as a demo agent and answers by itself.

Each phone gets a config folder of its own, a tone for its microphone (there is
no sound card here), and the ``ctrl_tcp`` module, whose netstring JSON events
(REGISTER_OK, CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, ...) the tests read
instead of log text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import free_port_range, free_ports, until

MODULES = ("g711.so", "ausine.so", "aubridge.so", "account.so", "menu.so", "ctrl_tcp.so")


def _config(sip_port: int, ctrl_port: int, tone: int, record: Path | None) -> str:
    lines = [
        "poll_method epoll",
        f"sip_listen 127.0.0.1:{sip_port}",
        f"audio_source ausine,{tone}",
        "audio_player aubridge,null",
        "audio_alert aubridge,null",
        "ausrc_srate 48000",
        "ausrc_channels 2",
        "module_path /usr/lib/baresip/modules",
        *(f"module {name}" for name in MODULES if name not in ("account.so", "menu.so",
                                                               "ctrl_tcp.so")),
        "module_app account.so",
        "module_app menu.so",
        "module_app ctrl_tcp.so",
        f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        "audio_buffer 20-160",
    ]
    if record is not None:  # what the phone hears (and says), as WAV files in ``record``
        lines += ["module sndfile.so", f"snd_path {record}"]
    return "\n".join(lines) + "\n"


@dataclass
class AgentPhone:
    """One baresip registered to Asterisk as ``agent``."""

    folder: Path
    agent: str
    password: str
    asterisk_sip_port: int
    #: False: the phone rings until hung up (an agent away from the desk)
    auto_answer: bool = True
    #: the frequency of the tone its microphone sends, to tell who is heard
    tone: int = 440
    #: keep what the phone hears as WAV files (``heard``)
    record: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    _process: subprocess.Popen[bytes] | None = None
    _reader: asyncio.Task[None] | None = None
    _writer: asyncio.StreamWriter | None = None

    async def start(self) -> None:
        # baresip also opens SIP over TLS on the next port up: both must be free
        sip_port, _tls_port = free_port_range(2)
        (self.ctrl_port,) = free_ports(1)
        self.folder.mkdir(parents=True, exist_ok=True)
        recordings = self.folder / "heard" if self.record else None
        if recordings is not None:
            recordings.mkdir(exist_ok=True)
        (self.folder / "config").write_text(_config(sip_port, self.ctrl_port, self.tone,
                                                    recordings))
        (self.folder / "accounts").write_text(
            f"<sip:{self.agent}@127.0.0.1:{self.asterisk_sip_port};transport=udp>"
            f";auth_pass={self.password};answermode={'auto' if self.auto_answer else 'manual'}"
            ";regint=60\n")
        (self.folder / "contacts").write_text("")
        self._process = await asyncio.to_thread(self._spawn)
        await self._connect()

    def _spawn(self) -> subprocess.Popen[bytes]:
        with (self.folder / "baresip.log").open("wb") as log:
            return subprocess.Popen(["baresip", "-f", str(self.folder)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    async def _connect(self, timeout: float = 10) -> None:
        streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

        async def opened() -> bool:
            try:
                streams.append(await asyncio.open_connection("127.0.0.1", self.ctrl_port))
            except OSError:
                assert self._process is not None and self._process.poll() is None, self.log()
                return False
            return True

        await until(opened, seconds=timeout, what="baresip's control port never opened",
                    every=0.05)
        reader, self._writer = streams[0]
        self._reader = asyncio.ensure_future(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Netstrings: ``<length>:<json>,``."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                length = int((await reader.readuntil(b":"))[:-1])
                payload = await reader.readexactly(length + 1)
                message = json.loads(payload[:-1])
                if message.get("event"):
                    self.events.append(message)

    async def wait_for(self, kind: str, timeout: float = 10, after: int = 0) -> dict[str, Any]:
        """The first event of ``kind`` from index ``after`` on."""
        found: list[dict[str, Any]] = []

        def arrived() -> bool:
            found.extend(event for event in self.events[after:] if event.get("type") == kind)
            return bool(found)

        await until(arrived, seconds=timeout,
                    what=f"{self.agent}: no {kind} (see {self.folder / 'baresip.log'})")
        return found[0]

    async def command(self, text: str, params: str = "") -> None:
        """A menu command (``/hangup``, ``/reginfo``, ``dial`` with the number...)."""
        assert self._writer is not None
        body = json.dumps({"command": text.lstrip("/"), "params": params,
                           "token": "t"}).encode()
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        await self._writer.drain()

    def heard(self) -> Path:
        """The WAV file of what the phone heard on its (last) call."""
        files = sorted((self.folder / "heard").glob("*-dec.wav"))
        assert files, f"{self.agent} recorded nothing (see {self.folder / 'baresip.log'})"
        return files[-1]

    def log(self) -> str:
        path = self.folder / "baresip.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._writer is not None:
            self._writer.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                await asyncio.to_thread(self._process.wait, 5)
            except subprocess.TimeoutExpired:
                self._process.kill()

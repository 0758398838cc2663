"""Run the whole platform (``contactcenter serve``) as a subprocess for a test.

Ports come from CC_* environment variables, so each test run sits beside any
other instance. The event stream is read over the real WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import aiohttp
import yaml

from contactcenter.config.settings import load_settings
from contactcenter.events.catalogue import UNCATALOGUED
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import remove_runtime
from contactcenter.web.app import FAILED
from tests.support import free_port_range, free_ports

ROOT = Path(__file__).resolve().parents[2]


def with_traceback(lines: list[str], at: int) -> str:
    """The log line at ``at`` with the traceback logged under it (the lines up to the next
    one that starts with a date), so that a failure names its cause without the log."""
    following = itertools.takewhile(lambda line: not line[:4].isdigit(), lines[at + 1:])
    return "\n".join([lines[at], *following])


@dataclass
class Platform:
    config: Path
    state_dir: Path
    http_port: int
    sip_port: int
    ari_port: int
    ami_port: int
    rtp_ports: tuple[int, int] = (0, 0)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    token: str = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def environment(self) -> dict[str, str]:
        rtp_start, rtp_end = self.rtp_ports
        return {**os.environ,
                "CC_HTTP_PORT": str(self.http_port), "CC_SIP_PORT": str(self.sip_port),
                "CC_ARI_PORT": str(self.ari_port), "CC_AMI_PORT": str(self.ami_port),
                "CC_STATE_DIR": str(self.state_dir),
                "CC_ASTERISK_RTP_START": str(rtp_start),
                "CC_ASTERISK_RTP_END": str(rtp_end)}

    def seed(self) -> None:
        """The demo customers in this platform's CRM (``contactcenter db seed``)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "contactcenter", "db", "seed",
                        "--config", str(self.config)],
                       cwd=ROOT, env=self.environment(), check=True, capture_output=True)

    def start(self, timeout: float = 90) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.state_dir / "serve.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "contactcenter", "--log-level", "INFO", "serve",
             "--config", str(self.config)],
            cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.wait_ready(timeout)
        self.token = self.login("admin", "demo-admin-pass")

    def wait_ready(self, timeout: float) -> None:
        """Until the platform says it has both ARI and AMI."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"serve exited early:\n{self.log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                health = _get_json(f"{self.base_url}/api/v1/health")
                if health["asterisk"]["ari"] and health["asterisk"]["ami"]:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"platform not ready in {timeout} s:\n{self.log_tail()}")

    def login(self, username: str, password: str) -> str:
        import urllib.request

        request = urllib.request.Request(
            f"{self.base_url}/api/v1/auth/token", method="POST",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return str(json.loads(response.read())["token"])

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def server_errors(self) -> list[str]:
        """The requests the platform answered with 500, the events it published outside
        the catalogue, and tasks left behind or failing unseen as it stopped, from its log."""
        if self.log_path is None or not self.log_path.exists():
            return []
        marker = FAILED.split("%s %s ", 1)[1]
        wrong = (UNCATALOGUED.split("%s", 1)[0], *UNCLEAN_STOP)
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [with_traceback(lines, n) for n, line in enumerate(lines)
                if line.endswith(marker) or any(text in line for text in wrong)]

    def crash(self) -> None:
        """SIGKILL the app alone, as a crash would; its Asterisk keeps running."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _get_json(url: str) -> Any:
    import urllib.request

    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def running_platform(tmp: Path, ivr: dict[str, Any], install: AsteriskInstall,
                     acd: dict[str, str] | None = None,
                     asterisk: dict[str, Any] | None = None,
                     sections: dict[str, Any] | None = None) -> Iterator[Platform]:
    """The demo config with ``ivr`` (and ``acd``, ``asterisk``, other ``sections``)
    settings of the test's own, started and cleaned up."""
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config.pop("dialer", None)  # the demo's campaigns name the demo's scripts, not a test's
    config["ivr"].update(ivr)
    config["asterisk"].update(asterisk or {})
    config.update(sections or {})
    config["acd"] = acd or {"queues": str(ROOT / "config/queues.yaml"),
                            "agents": str(ROOT / "config/agents.yaml"),
                            "voicemail": str(ROOT / "config/voicemail.yaml")}
    (tmp / "cc.yaml").write_text(yaml.safe_dump(config))
    running = make_platform(tmp, tmp / "cc.yaml")
    try:
        running.seed()
        running.start()
        yield running
    finally:
        running.stop()
        settings = load_settings(running.config, environ=running.environment())
        remove_runtime(settings, install)
    failed = running.server_errors()  # only when the test passed: a 500 fails it
    assert not failed, (f"the platform answered 500, or published an event outside the "
                        f"catalogue: {failed[:5]} (see {running.log_path})")


#: what asyncio says of a task nobody owned: left running at the end, or failed unseen
UNCLEAN_STOP = ("Task was destroyed but it is pending", "Task exception was never retrieved",
                "background task")


def make_platform(tmp: Path, config: Path) -> Platform:
    http, sip, ari, ami = free_ports(4)
    return Platform(config=config, state_dir=tmp / "state", http_port=http, sip_port=sip,
                    ari_port=ari, ami_port=ami, rtp_ports=free_port_range(200))


@dataclass
class EventWatcher:
    """Collects the domain events from /api/v1/events while a test runs."""

    platform: Platform
    events: list[dict[str, Any]] = field(default_factory=list)
    _session: aiohttp.ClientSession | None = None
    _socket: aiohttp.ClientWebSocketResponse | None = None
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        url = f"ws://127.0.0.1:{self.platform.http_port}/api/v1/events"
        self._socket = await self._session.ws_connect(
            url, headers={"Authorization": f"Bearer {self.platform.token}"})
        hello = await self._socket.receive_json(timeout=5)
        assert hello["type"] == "hello"
        self._task = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            self.events.append(json.loads(message.data))
            self._changed.set()

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool],
                       timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if predicate(event):
                    return event
            seen = len(self.events)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching event; saw {self.events[-15:]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def of_call(self, call_id: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("call_id") == call_id]

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()

"""The ACD benchmark's fixtures: its settings, the caller's scenario, the agents' phones.

One platform, one Asterisk, ten baresip agents registered once for the whole run.
The platform's path is number 7000: a one-node IVR flow whose only node is the
exit to the queue ``bench`` (longest idle, no wrap-up, no announcements). The
baseline is 6100, Asterisk's ``Queue(baseline)`` over the same ten endpoints
(asterisk/queues.conf). Each call lasts ``talk`` seconds after the caller and the
agent are bridged: the agent's phone hangs up then (baresip's ``/hangup``), the
same way on both paths, and the caller (sipp) waits for that BYE. Callers come at
random times (``arrivals``), which sipp reads from an injection file.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tests.integration.baresip import AgentPhone

PLATFORM_NUMBER, BASELINE_NUMBER = "7000", "6100"
QUEUE = "bench"
AGENT_ID = re.compile(r"agent\d+")
SETTINGS_FILE = "cc-bench-acd.yaml"
FLOW = "bench"
ADMIN = ("admin", "demo-admin-pass")  #: config/demo.yaml's admin user

#: Wait until this call's arrival time (milliseconds, from the injection file: sipp
#: opens every call at once), INVITE, wait for the answer, ACK, 100 ms of audio
#: (Answer() waits up to 500 ms for the caller's first frame), then wait for the
#: agent's side to hang up.
SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="acd-bench">
  <nop><action>
    <assignstr assign_to="arrival" value="[field0]"/>
    <todouble assign_to="arrival_ms" variable="arrival"/>
  </action></nop>
  <pause variable="arrival_ms"/>
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+1555777[call_number]@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- [call_number] 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+1555777[call_number]@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><exec play_pcap_audio="{audio}"/></action></nop>
  <recv request="BYE" timeout="{hold_ms}"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
</scenario>
"""


def write_settings(workdir: Path, demo: Path) -> Path:
    """The demo settings with 7000 -> the one-node flow -> queue ``bench``, and as SIP
    endpoints only the demo's agents agent101... (not the supervisor's phone: the
    baseline queue's members are every endpoint of the settings)."""
    config = yaml.safe_load(demo.read_text())
    config["agents"] = [a for a in config["agents"] if AGENT_ID.fullmatch(a["id"])]
    ids = {a["id"] for a in config["agents"]}
    config["users"] = [u for u in config["users"] if u.get("agent") in (None, *ids)]
    flows = workdir / "ivr"
    flows.mkdir(parents=True, exist_ok=True)
    (flows / f"{FLOW}.yaml").write_text(yaml.safe_dump(
        {"start": "to_queue", "nodes": {"to_queue": {"type": "queue", "queue": QUEUE}}}))
    queue = {"strategy": "longest_idle", "wrap_up": 0, "ring_timeout": 15,
             "after_ring_timeout": "available", "announce_on_join": False}
    (workdir / "queues.yaml").write_text(yaml.safe_dump({"queues": {QUEUE: queue}}))
    agents = {a["id"]: {"name": a["name"], "queues": {QUEUE: 1}} for a in config["agents"]}
    (workdir / "agents.yaml").write_text(yaml.safe_dump({"agents": agents}))
    config["ivr"].update({"dir": str(flows), "numbers": {PLATFORM_NUMBER: FLOW}})
    config["acd"] = {"queues": str(workdir / "queues.yaml"),
                     "agents": str(workdir / "agents.yaml")}
    path = workdir / SETTINGS_FILE
    path.write_text(yaml.safe_dump(config))
    return path


def arrivals(rate: float, seconds: float, seed: int, even: bool = False) -> list[float]:
    """Poisson arrivals at ``rate`` over ``seconds``, given their number: that many
    times drawn uniformly and sorted (a Poisson process conditioned on its count).
    Random arrivals matter: evenly paced callers (``even``, as sipp's ``-r`` paces them)
    at under ten agents per 5 s never queue at all, and over it they phase-lock with
    Queue()'s once-a-second retries."""
    count = round(rate * seconds)
    if even:
        return [index / rate for index in range(count)]
    draw = random.Random(seed)
    return sorted(draw.uniform(0, seconds) for _ in range(count))


def write_arrivals(path: Path, times: list[float], opened_per_second: int) -> None:
    """sipp's injection file: each call's pause before its INVITE, in milliseconds,
    less the moment sipp opens it (call ``i`` at ``i / opened_per_second``)."""
    pauses = (max(0, round(1000 * (t - i / opened_per_second))) for i, t in enumerate(times))
    path.write_text("SEQUENTIAL\n" + "".join(f"{pause};\n" for pause in pauses))


def passwords(settings_file: Path) -> dict[str, str]:
    """Agent id -> SIP password, from the settings the platform runs with."""
    config = yaml.safe_load(settings_file.read_text())
    return {a["id"]: a["sip_password"] for a in config["agents"]}


class Api:
    """The platform's REST API as an admin: set agents' states, read registrations."""

    def __init__(self, http_port: int) -> None:
        self.base = f"http://127.0.0.1:{http_port}/api/v1"
        self.token = ""

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base + path, method=method, headers=headers,
            data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    async def login(self) -> None:
        user, password = ADMIN
        answer = await asyncio.to_thread(self._call, "POST", "/auth/token",
                                         {"username": user, "password": password})
        self.token = str(answer["token"])

    async def agents(self) -> dict[str, Any]:
        return dict((await asyncio.to_thread(self._call, "GET", "/agents"))["agents"])

    async def set_state(self, agent: str, state: str) -> None:
        await asyncio.to_thread(self._call, "PUT", f"/agents/{agent}/state", {"state": state})


class Phones:
    """The ten agents' baresip phones; ``hang_up_later`` ends a call after the talk."""

    def __init__(self, folder: Path, secrets: dict[str, str], sip_port: int,
                 talk: float) -> None:
        self.talk = talk
        self.phones = {agent: AgentPhone(folder / agent, agent, password, sip_port)
                       for agent, password in secrets.items()}
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self, api: Api, timeout: float = 30) -> None:
        for phone in self.phones.values():
            await phone.start()
        deadline = time.monotonic() + timeout
        while not all(state["registered"] for name, state in (await api.agents()).items()
                      if name in self.phones):
            if time.monotonic() > deadline:
                raise TimeoutError("the agents' phones did not all register")
            await asyncio.sleep(0.2)

    def hang_up_later(self, agent: str, channel: str) -> None:
        """Called when the agent's channel is bridged with a caller."""
        asyncio.get_running_loop().call_later(self.talk, self._hang_up, agent)

    def _hang_up(self, agent: str) -> None:
        task = asyncio.ensure_future(self.phones[agent].command("/hangup"))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def stop(self) -> None:
        for phone in self.phones.values():
            await phone.stop()

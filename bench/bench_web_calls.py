"""A web visitor's call: from the button press to the agent's phone ringing, with the
platform's part apart from the browser's own set-up.

Starts ``contactcenter serve`` (its managed Asterisk) on free loopback ports with the
help page's button on (``web_calls``: the support queue), registers agent101 as a
baresip phone that rings and does not answer, makes agent101 available, and opens /help
in headless Chromium (a fake microphone). Then, one call after the other, the page does
what the button does (``window.ccWebCall``: ask for a grant, call with it); once the
agent's phone rings the page hangs up, which cancels the ring, and the next call starts
when the agent is free again.

Per call, all on this machine's one clock (``Date.now()`` in Chromium, ``time.time()``
in serve and here):

- t_press:   the page asks for a grant (the button's press)
- t_grant:   the page has the grant (the platform's part: checks, CRM, two ARI pushes)
- t_arrived: ``call.arrived``'s time: serve met the call (the browser's part before it:
  the SIP WebSocket, the microphone, ICE candidates, the INVITE and its digest)
- t_offered: ``call.offered``'s time: the ACD rang the agent (the platform's part: the
  grant matched, the queue, the ACD)
- t_ring:    the agent's phone's ``CALL_INCOMING`` (Asterisk's part: the ring's INVITE)

    .venv/bin/python bench/bench_web_calls.py [--calls 200]

Needs baresip, Chromium (Debian's) and Playwright.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from bench_ivr_asterisk import Platform
from screenpop_desk import Api, ringing_phone, rings
from siptrace import percentile

from tests.browser.support import CHROMIUM_FLAGS, MEDIA_FLAGS

CHROMIUM = "/usr/bin/chromium"
QUEUE = {"strategy": "longest_idle", "ring_timeout": 30, "wrap_up": 0,
         "announce_on_join": False, "service_level_target": {"percent": 80, "seconds": 20}}

#: the button's press in the page: a grant, then the call; the times it saw
PRESS = """async () => {
  const press = Date.now();
  const answer = await window.ccWebCall.askGrant(window.location.origin, "support", "");
  const granted = Date.now();
  if (!answer.ok) return {press, granted, error: answer.status};
  const phone = new window.ccWebCall.WebPhone(answer.body);
  window.benchPhone = phone;
  phone.call();
  return {press, granted, error: null};
}"""


def write_config(workdir: Path) -> Path:
    (workdir / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        name: QUEUE for name in ("support", "sales", "operator")}}))
    (workdir / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        "agent101": {"skills": {"support": 5}, "queues": {"support": 1}}}}))
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config.pop("dialer", None)
    config["ivr"]["dir"] = str(ROOT / "config/ivr")
    config["scripts"] = {"dir": str(ROOT / "config/scripts")}
    config["acd"] = {"queues": str(workdir / "queues.yaml"),
                     "agents": str(workdir / "agents.yaml"),
                     "voicemail": str(ROOT / "config/voicemail.yaml")}
    config["web_calls"] = {"targets": {"support": {"queue": "support"}},
                           "help_target": "support", "grants_per_address": 10_000}
    path = workdir / "cc.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class Events:
    """The platform's event stream as admin: call.arrived, call.offered, agent.state."""

    def __init__(self, http_port: int, token: str) -> None:
        self.url = f"ws://127.0.0.1:{http_port}/api/v1/events"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.seen: list[dict[str, Any]] = []
        self.changed = asyncio.Event()

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(
                self.url, headers=self.headers) as socket:
            async for message in socket:
                self.seen.append(json.loads(message.data))
                self.changed.set()

    async def wait(self, kind: str, since: int, timeout: float = 15,
                   **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.seen[since:]:
                if event.get("type") == kind and all(event.get(k) == v
                                                      for k, v in match.items()):
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind} {match}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                continue


async def one_call(page: Any, events: Events, phone: Any) -> dict[str, float]:
    since, rung = len(events.seen), len(rings(phone))
    pressed = await page.evaluate(PRESS)
    if pressed["error"] is not None:
        raise RuntimeError(f"grant refused: {pressed['error']}")
    offered = await events.wait("call.offered", since, agent="agent101")
    call_id = offered["call_id"]
    arrived = await events.wait("call.arrived", since, call_id=call_id)
    while len(rings(phone)) <= rung:
        await asyncio.sleep(0.005)
    ring = rings(phone)[rung][0]
    # the visitor hangs up once their call is up (the contact center answered it)
    await page.wait_for_function("() => window.benchPhone.state === 'connected'")
    await page.evaluate("() => window.benchPhone.hangup()")
    await events.wait("call.ended", since, call_id=call_id)
    await events.wait("agent.state", since, agent="agent101", state="available")
    return {"press": pressed["press"] / 1000, "granted": pressed["granted"] / 1000,
            "arrived": float(arrived["time"]), "offered": float(offered["time"]),
            "ring": ring}


async def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, float]]:
    from playwright.async_api import async_playwright

    platform = Platform(workdir, write_config(workdir))
    platform.start()
    phone = ringing_phone(workdir / "phones", "agent101", platform.sip_port)
    try:
        await phone.start()
        admin = Api(platform.ports["HTTP"], "admin", "demo-admin-pass")
        await admin.wait_registered(["agent101"])
        await admin.call("PUT", "/api/v1/agents/agent101/state", {"state": "available"})
        events = Events(admin.http_port, admin.token)
        reader = asyncio.ensure_future(events.run())
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS])
            page = await browser.new_page()
            await page.goto(f"{admin.base_url}/help")
            await page.wait_for_function("() => window.ccWebCall !== undefined")
            calls = []
            for number in range(args.calls):
                calls.append(await one_call(page, events, phone))
                if (number + 1) % 50 == 0:
                    print(f"  {number + 1} calls", flush=True)
            await browser.close()
        reader.cancel()
        return calls
    finally:
        await phone.stop()
        platform.stop()


def report(calls: list[dict[str, float]]) -> str:
    parts = {
        "button press to the agent's phone ringing": lambda c: c["ring"] - c["press"],
        "the platform's part (grant + arrival to ring)":
            lambda c: (c["granted"] - c["press"]) + (c["ring"] - c["arrived"]),
        "  the grant (POST /api/v1/web-calls)": lambda c: c["granted"] - c["press"],
        "  arrival to the ACD's offer": lambda c: c["offered"] - c["arrived"],
        "  offer to the phone ringing (Asterisk's INVITE)": lambda c: c["ring"] - c["offered"],
        "the browser's part (WebSocket, microphone, ICE, INVITE)":
            lambda c: c["arrived"] - c["granted"],
    }
    lines = [f"{len(calls)} web calls, one after the other", "",
             "| part | p50 ms | p99 ms |", "| --- | --- | --- |"]
    for name, part in parts.items():
        values = [part(call) * 1000 for call in calls]
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        lines.append(f"| {name} | {p50:.1f} | {p99:.1f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-calls-") as folder:
        calls = asyncio.run(run(args, Path(folder)))
    print(report(calls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One trial of the web-call capacity benchmark: N calls up at once, measured, ended.

The rig starts once: the platform, the agents' phones, one headless Chromium with a
fake microphone reading a tone. A trial places N calls on one path (web or sip), waits
until Asterisk has bridged every one to an agent (or gives up after a minute), reads
the counters at the start and end of the window, and has the agents hang up.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
from bench_ivr_asterisk import Platform, free_port
from call_quality import (
    BROWSER_STATS,
    CallWindow,
    browser_window,
    cpu_seconds,
    leg_over,
    machine_busy,
    pids_running,
    summary,
)
from screenpop_desk import Api
from web_capacity_setup import (
    ADMIN,
    AGENT_TONE,
    CALLER_TONE,
    QUEUE,
    SCENARIO,
    SIP_NUMBER,
    agent_ids,
    agent_password,
    write_no_pauses,
    write_tone_pcap,
    write_tone_wav,
)

from contactcenter.telephony.asterisk.render import read_credentials
from tests.browser.support import CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.integration.baresip import AgentPhone

CHROMIUM = "/usr/bin/chromium"
CALLS_PER_PAGE = 10
PLACED_PER_SECOND = 10
SETTLE_SECONDS = 3.0
CALL_SECONDS_MAX = 300  #: sipp's tone lasts this long; a trial is far shorter

#: a call as the help page's button places it, kept in window.benchPhones
PRESS = """async (target) => {
  const answer = await window.ccWebCall.askGrant(window.location.origin, target, "");
  if (!answer.ok) return answer.status;
  const audio = document.createElement("audio");  // as the button: the call is heard
  audio.autoplay = true;
  document.body.append(audio);
  const phone = new window.ccWebCall.WebPhone(answer.body, {audio});
  (window.benchPhones = window.benchPhones || []).push(phone);
  phone.call();
  return 0;
}"""
HANG_UP = """() => { for (const p of window.benchPhones || []) p.hangup();
                    window.benchPhones = [];
                    document.querySelectorAll("body > audio").forEach((a) => a.remove()); }"""


class Ari:
    """Asterisk's REST interface: bridges, channels, channel variables."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url.rstrip("/") + "/ari"
        self.auth = aiohttp.BasicAuth(user, password)
        self.session: aiohttp.ClientSession | None = None

    async def get(self, path: str, **params: str) -> Any:
        if self.session is None:
            # a few connections: the bench must not crowd the sessions it measures
            self.session = aiohttp.ClientSession(
                auth=self.auth, connector=aiohttp.TCPConnector(limit=8))
        async with self.session.get(self.url + path, params=params) as response:
            response.raise_for_status()
            return await response.json()

    async def pairs(self) -> list[tuple[str, str]]:
        """(caller channel, agent channel) of each bridge holding exactly those two."""
        names = {c["id"]: c["name"] for c in await self.get("/channels")}
        found = []
        for bridge in await self.get("/bridges"):
            members = [m for m in bridge["channels"] if m in names]
            if len(members) != 2:
                continue
            agents = [m for m in members if names[m].startswith("PJSIP/agent")]
            if len(agents) == 1:
                caller = next(m for m in members if m not in agents)
                found.append((caller, agents[0]))
        return found

    async def rtp_statistics(self, channel: str) -> tuple[float, dict[str, float] | None]:
        """When read, and the counters; None once the channel is gone (its call dropped)."""
        try:
            answer = await self.get(f"/channels/{channel}/rtp_statistics")
        except aiohttp.ClientResponseError as error:
            if error.status != 404:
                raise
            return time.monotonic(), None
        return time.monotonic(), {k: float(v) for k, v in answer.items()
                                  if isinstance(v, int | float)}

    async def codec(self, channel: str) -> str:
        """The format the channel's far end speaks (``opus``, ``ulaw``)."""
        answer = await self.get(f"/channels/{channel}/variable",
                                variable="CHANNEL(audionativeformat)")
        return str(answer.get("value", "")).strip("()")

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


class Rig:
    """Everything the trials share, started once."""

    def __init__(self, workdir: Path, settings: Path, agents: int, window: float) -> None:
        self.workdir, self.window = workdir, window
        self.platform = Platform(workdir, settings)
        self.agents = agent_ids(agents)
        self.phones = [AgentPhone(workdir / "phones" / a, a, agent_password(a),
                                  self.platform.sip_port, tone=AGENT_TONE)
                       for a in self.agents]
        self.pages: list[Any] = []
        self.tone_wav, self.tone_pcap = workdir / "tone.wav", workdir / "tone.pcap"
        self.scenario = workdir / "caller.xml"

    async def start(self) -> None:
        write_tone_wav(self.tone_wav, CALLER_TONE, 10)
        write_tone_pcap(self.tone_pcap, CALLER_TONE, CALL_SECONDS_MAX)
        self.scenario.write_text(SCENARIO.format(audio=self.tone_pcap,
                                                 hold_ms=CALL_SECONDS_MAX * 1000))
        await asyncio.to_thread(self.platform.start)
        credentials = read_credentials(self.platform.asterisk.settings)
        self.ari = Ari(credentials.ari_url, credentials.ari_user, credentials.ari_password)
        for start in range(0, len(self.phones), 10):
            await asyncio.gather(*(p.start() for p in self.phones[start:start + 10]))
        self.api = Api(self.platform.ports["HTTP"], *ADMIN)
        await self.api.wait_registered(self.agents, timeout=120)
        await self.agents_available()
        from playwright.async_api import async_playwright
        self.playwright = await async_playwright().start()
        self.browser = await self.playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, "--autoplay-policy=no-user-gesture-required",
                                            f"--use-file-for-fake-audio-capture={self.tone_wav}"])

    async def stop(self) -> None:
        for step in (self.browser.close, self.playwright.stop, self.ari.close):
            try:
                await step()
            except Exception as error:  # noqa: BLE001 - the rest must still stop
                print(f"  stopping: {error!r}", flush=True)
        for phone in self.phones:
            await phone.stop()
        await asyncio.to_thread(self.platform.stop)

    async def agents_available(self, timeout: float = 60) -> None:
        for agent in self.agents:
            await self.api.call("PUT", f"/api/v1/agents/{agent}/state", {"state": "available"})
        deadline = time.monotonic() + timeout
        while True:
            known = (await self.api.call("GET", "/api/v1/agents"))["agents"]
            if all(known[a].get("state") == "available" for a in self.agents):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("agents not available again")
            await asyncio.sleep(0.5)

    async def page(self, index: int) -> Any:
        while len(self.pages) <= index:
            page = await self.browser.new_page()
            await page.goto(f"{self.api.base_url}/help")
            await page.wait_for_function("() => window.ccWebCall !== undefined")
            self.pages.append(page)
        return self.pages[index]

    async def place(self, path: str, calls: int) -> asyncio.subprocess.Process | None:
        """Start ``calls`` calls, 10 a second: the web visitors' presses, or one sipp."""
        if path == "sip":
            pauses = self.workdir / "pauses.csv"
            write_no_pauses(pauses, calls)
            command = ["sipp", "-inf", str(pauses), f"127.0.0.1:{self.platform.sip_port}", "-sf", str(self.scenario),
                       "-s", SIP_NUMBER, "-i", "127.0.0.1", "-p", str(free_port()),
                       "-mi", "127.0.0.1", "-mp", str(free_port()), "-r",
                       str(PLACED_PER_SECOND), "-m", str(calls), "-l", str(calls),
                       "-nostdin", "-timeout", f"{CALL_SECONDS_MAX}s"]
            return await asyncio.create_subprocess_exec(
                *command, cwd=self.workdir, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
        for number in range(calls):
            page = await self.page(number // CALLS_PER_PAGE)
            refused = await page.evaluate(PRESS, QUEUE)
            if refused:
                raise RuntimeError(f"grant refused: {refused}")
            await asyncio.sleep(1 / PLACED_PER_SECOND)
        return None

    async def bridged(self, calls: int, timeout: float) -> list[tuple[str, str]]:
        """The call pairs once ``calls`` are bridged, or as many as there are at the
        deadline."""
        deadline = time.monotonic() + timeout
        while True:
            pairs = await self.ari.pairs()
            if len(pairs) >= calls or time.monotonic() > deadline:
                return pairs
            await asyncio.sleep(0.5)

    def cpu(self, sipp: asyncio.subprocess.Process | None) -> dict[str, float]:
        parts = self.platform.cpu_seconds()
        callers = [sipp.pid] if sipp is not None else pids_running("chromium")
        return {"asterisk": parts["asterisk"], "serve": parts["serve"],
                "callers": sum(cpu_seconds(pid) for pid in callers),
                "agents": sum(cpu_seconds(p._process.pid) for p in self.phones
                              if p._process is not None),
                "machine": machine_busy()[0], "clock": time.monotonic()}

    async def snapshot(self, pairs: list[tuple[str, str]],
                       sipp: asyncio.subprocess.Process | None) -> dict[str, Any]:
        channels = [c for pair in pairs for c in pair]
        qos = await asyncio.gather(*(self.ari.rtp_statistics(c) for c in channels))
        browsers = []
        if sipp is None:
            for page in self.pages:
                browsers += await page.evaluate(BROWSER_STATS)
        return {"qos": dict(zip(channels, qos, strict=True)), "browsers": browsers,
                "cpu": self.cpu(sipp)}

    async def trial(self, path: str, calls: int) -> dict[str, Any]:
        sipp = await self.place(path, calls)
        pairs = await self.bridged(calls, 60 + calls / PLACED_PER_SECOND)
        try:
            await asyncio.sleep(SETTLE_SECONDS)  # past the calls' first jitter-buffer fill
            before = await self.snapshot(pairs, sipp)
            await asyncio.sleep(self.window)  # the measured window
            after = await self.snapshot(pairs, sipp)
            codecs = "/".join([await self.ari.codec(c) for c in pairs[0]]) if pairs else "-"
        finally:
            await self.end_calls(sipp)
        return {**figures(path, calls, pairs, before, after), "codecs": codecs}

    async def end_calls(self, sipp: asyncio.subprocess.Process | None) -> None:
        """The agents hang up; then every call must be gone and every agent available."""
        for phone in self.phones:
            await phone.command("/hangup")
        for page in self.pages:
            await page.evaluate(HANG_UP)
        if sipp is not None:
            try:
                await asyncio.wait_for(sipp.wait(), 60)
            except TimeoutError:
                sipp.kill()
        await asyncio.to_thread(self.platform.drain)
        await self.agents_available()


def figures(path: str, calls: int, pairs: list[tuple[str, str]], before: dict[str, Any],
            after: dict[str, Any]) -> dict[str, Any]:
    """One trial's row: quality over its calls, CPU over its window."""
    windows, dropped = [], 0
    for caller, agent in pairs:
        (t0, q0), (t1, q1) = before["qos"][caller], after["qos"][caller]
        (a0, r0), (a1, r1) = before["qos"][agent], after["qos"][agent]
        if q0 is None or q1 is None or r0 is None or r1 is None:
            dropped += 1  # a leg hung up inside the window
            continue
        windows.append(CallWindow(leg_over(caller, q0, q1, t1 - t0),
                                  leg_over(agent, r0, r1, a1 - a0)))
    seconds = after["cpu"]["clock"] - before["cpu"]["clock"]

    def cores(part: str) -> str:
        return f"{(after['cpu'][part] - before['cpu'][part]) / seconds:.2f}"

    browsers = [browser_window(b0, b1) for b0, b1 in
                zip(before["browsers"], after["browsers"], strict=False)]
    delivered = summary([w.delivered() * 100 for w in windows])
    jitter = summary([w.jitter_ms() for w in windows])
    # which side arrives unevenly: the callers' audio, or the agents' phones'
    caller_jitter = summary([w.caller.jitter_ms for w in windows])
    agent_jitter = summary([w.agent.jitter_ms for w in windows])
    loss = summary([w.loss() * 100 for w in windows] + [b["loss"] * 100 for b in browsers])
    concealed = summary([b["concealed"] * 100 for b in browsers])
    silent = sum(1 for b in browsers if b["energy"] <= 0)
    hung_up = sum(1 for b in after["browsers"] if b.get("state") != "connected")
    return {"path": path, "calls": calls, "bridged": len(pairs), "dropped": dropped,
            "delivered": _fmt(delivered["min"]), "loss": _fmt(loss["max"], 2),
            "jitter": f"{_fmt(jitter['p50'])} / {_fmt(jitter['max'])}",
            "jitter_callers": f"{_fmt(caller_jitter['p50'])} / {_fmt(caller_jitter['max'])}",
            "jitter_agents": f"{_fmt(agent_jitter['p50'])} / {_fmt(agent_jitter['max'])}",
            "concealed": _fmt(concealed["max"], 2) if browsers else "-",
            "silent_browsers": silent, "browsers_not_connected": hung_up, "cpu_asterisk": cores("asterisk"),
            "cpu_serve": cores("serve"), "cpu_callers": cores("callers"),
            "cpu_agents": cores("agents"), "machine": cores("machine"),
            "_raw": {"delivered": delivered, "loss": loss, "jitter": jitter,
                     "concealed": concealed, "browsers": len(browsers)}}


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def verdict(row: dict[str, Any]) -> str:
    """Carried: every call bridged, and every direction of every call delivered at least
    97 % of its frames, loss under 1 %, jitter under 20 ms, (web) under 3 % of the played
    audio concealed (what Opus hides well), and every browser heard sound."""
    raw = row["_raw"]
    reasons = []
    if row["bridged"] < row["calls"]:
        reasons.append(f"{row['bridged']} of {row['calls']} bridged")
    if row["dropped"]:
        reasons.append(f"{row['dropped']} dropped in the window")
    if raw["delivered"]["min"] is None or raw["delivered"]["min"] < 97:
        reasons.append("frames missing")
    if raw["loss"]["max"] is not None and raw["loss"]["max"] >= 1:
        reasons.append("loss")
    if raw["jitter"]["max"] is not None and raw["jitter"]["max"] >= 20:
        reasons.append("jitter")
    if row["path"] == "web" and (raw["browsers"] < row["calls"]
                                 or (raw["concealed"]["max"] or 0) >= 3
                                 or row["silent_browsers"] or row["browsers_not_connected"]):
        reasons.append("browser audio")
    return "yes" if not reasons else "no: " + ", ".join(reasons)

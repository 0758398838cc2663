"""Agents in control of their calls, on real calls: hold, transfer, consult, conference.

The caller is a baresip phone that dials straight into the support queue and
keeps what it hears; each agent's phone sends a tone of its own, so what the
caller heard says whom they heard, and when: the agent, the next agent, both,
or the queue's music while on hold. The assertions read the event stream, the
API's answers, the call's record and that audio.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.process import AsteriskProcess
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.audio import Heard
from tests.integration.baresip import AgentPhone
from tests.integration.callee import Callee
from tests.integration.platform import EventWatcher, Platform, running_platform
from tests.integration.test_acd_calls import _api, _registered, set_state
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

QUEUE = {"strategy": "longest_idle", "ring_timeout": 8, "wrap_up": 1,
         "announce_on_join": False}
AGENTS = {"agent101": {"skills": {"support": 5}, "queues": {"support": 1}},
          "agent103": {"skills": {"support": 5, "sales": 5},
                       "queues": {"sales": 1, "support": 2}}}
#: between two notes of the scale, where hold music has little energy of its own
TONES = {"agent101": 1141, "agent103": 1710, "agent109": 300}
DIRECT = "5100"  # straight into the support queue, no menu
OUTBOUND_PORT, OUTBOUND_MEDIA = free_ports(2)  # the outbound peer: an outside party
#: seconds of sound kept on each side of a change, for the phones' own jitter buffers
MARGIN = 0.8


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("control")
    ivr = tmp / "ivr"
    ivr.mkdir()
    (ivr / "direct.yaml").write_text(yaml.safe_dump({
        "start": "support", "nodes": {"support": {"type": "queue", "queue": "support"}}}))
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": QUEUE, "sales": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    with running_platform(tmp, {"dir": str(ivr), "numbers": {DIRECT: "direct"}},
                          asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          asterisk={"outbound_host": "127.0.0.1",
                                    "outbound_port": OUTBOUND_PORT},
                          sections={"dialer": {"calling_hours": ["00:00", "23:59"]}},
                          ) as running:
        yield running


@pytest.fixture
async def phones(platform: Platform, tmp_path: Path) -> AsyncIterator[dict[str, AgentPhone]]:
    """The two agents' phones answer by themselves; agent109's phone is the caller's."""
    started = {name: AgentPhone(tmp_path / name, name, f"demo-sip-{name[-3:]}-pass",
                                platform.sip_port, tone=tone,
                                record=name in ("agent109", "agent101"))
               for name, tone in TONES.items()}
    for phone in started.values():
        await phone.start()
    try:
        for agent in AGENTS:
            await _registered(platform, agent)
        yield started
    finally:
        for agent in AGENTS:
            try:
                await set_state(platform, agent, "logged_out")
            except urllib.error.HTTPError:
                pass
        for phone in started.values():
            await phone.stop()


class Call:
    """The caller's call: placed, its times on the caller's own clock, and what they heard."""

    def __init__(self, platform: Platform, phones: dict[str, AgentPhone],
                 watcher: EventWatcher) -> None:
        self.platform, self.phones, self.watcher = platform, phones, watcher
        self.caller = phones["agent109"]
        self.call_id = ""
        self._start = 0.0

    async def place(self) -> None:
        """Dial in and wait until agent101 is talking to the caller."""
        await set_state(self.platform, "agent101", "available")
        await self.caller.command("dial", DIRECT)
        await self.caller.wait_for("CALL_ESTABLISHED")
        self._start = asyncio.get_running_loop().time()  # the caller's recording starts
        answered = await self.watcher.wait_for(lambda e: e["type"] == "call.answered")
        self.call_id = answered["call_id"]
        await self.phones["agent101"].wait_for("CALL_ESTABLISHED")

    def now(self) -> float:
        """Seconds into the caller's recording."""
        return asyncio.get_running_loop().time() - self._start

    async def control(self, action: str, **to: str) -> dict[str, Any]:
        body: dict[str, Any] = {"action": action, **({"to": to} if to else {})}
        return dict(await asyncio.to_thread(_api, self.platform, "POST",
                                            f"/api/v1/calls/{self.call_id}/control", body))

    async def refused(self, action: str, **to: str) -> tuple[int, str]:
        with pytest.raises(urllib.error.HTTPError) as failure:
            await self.control(action, **to)
        return failure.value.code, json.loads(failure.value.read())["error"]

    async def event(self, kind: str, **match: Any) -> dict[str, Any]:
        return await self.watcher.wait_for(
            lambda e: e["type"] == kind and e.get("call_id") == self.call_id
            and all(e.get(key) == value for key, value in match.items()))

    async def agent_state(self, agent: str, state: str, **more: str) -> dict[str, Any]:
        """The next ``agent.state`` report of ``agent`` in ``state`` (with ``more`` fields)."""
        return await self.watcher.wait_for(
            lambda e: e["type"] == "agent.state" and e["agent"] == agent
            and e["state"] == state and all(e.get(k) == v for k, v in more.items()))

    async def hang_up(self) -> dict[str, Any]:
        await self.caller.command("/hangup")
        await self.caller.wait_for("CALL_CLOSED")
        return await self.event("call.ended")

    def heard(self) -> Heard:
        return Heard.read(self.caller.heard())


async def listen(seconds: float) -> None:
    """Let the call run for a stretch of sound to judge (the test's own sound, not a wait
    for the platform)."""
    await asyncio.sleep(seconds)


def assert_heard(heard: Heard, start: float, end: float, who: str) -> None:
    share = heard.share(start + MARGIN, end - MARGIN, TONES[who])
    assert share > 0.5, f"{start:.1f}-{end:.1f} s: {who} was not heard ({share:.2f})"


def assert_music(heard: Heard, start: float, end: float) -> None:
    begin, stop = start + MARGIN, end - MARGIN
    for agent in AGENTS:
        share = heard.share(begin, stop, TONES[agent])
        assert share < 0.25, f"{start:.1f}-{end:.1f} s: {agent} heard on hold ({share:.2f})"
    assert heard.loudness(begin, stop) > 100, f"{start:.1f}-{end:.1f} s: no music on hold"


async def test_a_held_caller_hears_music_not_the_agent_and_the_hold_is_on_the_record(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        talking = call.now()
        await listen(3)
        held = await call.control("hold")
        assert held["state"] == "holding"
        on_hold = call.now()
        assert (await call.event("agent.talk", state="holding"))["agent"] == "agent101"
        shown = await asyncio.to_thread(_api, platform, "GET",
                                        f"/api/v1/calls/{call.call_id}/control")
        assert (shown["state"], shown["agent"]) == ("holding", "agent101")
        await listen(4)
        assert (await call.refused("hold"))[0] == 409  # already on hold
        muted = await call.control("mute")
        assert muted["muted"] is True
        resumed = await call.control("resume")
        back = call.now()
        assert resumed["state"] == "talking"
        assert (await call.event("call.retrieved"))["held"] >= 3.5
        await call.control("unmute")
        await listen(3)
        done = call.now()
        ended = await call.hang_up()
        assert ended["outcome"] == "answered"
        summary = await call.event("call.control_ended")
        assert summary["held_total"] >= 3.5 and summary["handled_by"] == ["agent101"]
    heard = call.heard()
    assert_heard(heard, talking, on_hold, "agent101")
    assert_music(heard, on_hold, back)
    assert_heard(heard, back, done, "agent101")
    record = await asyncio.to_thread(_api, platform, "GET", f"/api/v1/calls/{call.call_id}")
    kinds = [event["type"] for event in record["events"]]
    assert kinds.index("call.held") < kinds.index("call.retrieved") < kinds.index("call.ended")


async def _queue_figures(platform: Platform) -> dict[str, dict[str, Any]]:
    return dict((await asyncio.to_thread(_api, platform, "GET", "/api/v1/queues"))["queues"])


async def test_a_blind_transfer_to_a_queue_reaches_its_agent_with_who_had_the_call(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "available")
    before = await _queue_figures(platform)
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        talking = call.now()
        await listen(3)
        moved = await call.control("transfer", queue="sales")
        assert moved["state"] == "requeued"
        left = call.now()
        await phones["agent101"].wait_for("CALL_CLOSED")
        transferred = await call.event("call.transferred")
        assert (transferred["kind"], transferred["to"]) == ("blind", "sales")
        await call.agent_state("agent101", "wrap_up")
        again = await call.event("call.answered", agent="agent103")
        assert again["queue"] == "sales"
        pop = await call.event("screen.pop", agent="agent103")
        assert [entry["agent"] for entry in pop["handled_before"]] == ["agent101"]
        await phones["agent103"].wait_for("CALL_ESTABLISHED")
        with_next = call.now()
        await listen(3)
        done = call.now()
        assert (await call.hang_up())["outcome"] == "answered"
    heard = call.heard()
    assert_heard(heard, talking, left, "agent101")
    assert_heard(heard, with_next, done, "agent103")
    after = await _queue_figures(platform)
    # once in the queue it left, once in the queue it joined
    assert after["support"]["answered"] - before["support"]["answered"] == 1
    assert after["sales"]["offered"] - before["sales"]["offered"] == 1
    assert after["sales"]["answered"] - before["sales"]["answered"] == 1


async def test_an_attended_transfer_consults_the_next_agent_while_the_caller_hears_music(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "available")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        talking = call.now()
        await listen(3)
        consulting = await call.control("consult", agent="agent103")
        assert consulting["state"] == "consulting"
        held = call.now()
        await phones["agent103"].wait_for("CALL_ESTABLISHED")
        await call.event("call.consult_answered", to="agent103")
        await call.agent_state("agent103", "paused", reason="consult")
        await listen(3)
        completed = await call.control("complete")
        back = call.now()
        assert (completed["state"], completed["agent"]) == ("talking", "agent103")
        await phones["agent101"].wait_for("CALL_CLOSED")
        await call.agent_state("agent103", "on_call")
        await listen(3)
        done = call.now()
        assert (await call.hang_up())["outcome"] == "answered"
        summary = await call.event("call.control_ended")
        assert summary["handled_by"] == ["agent101", "agent103"]
        await call.agent_state("agent103", "wrap_up")
    heard = call.heard()
    assert_heard(heard, talking, held, "agent101")
    assert_music(heard, held, back)
    assert_heard(heard, back, done, "agent103")


async def test_a_cancelled_consultation_brings_the_caller_back_and_frees_the_consulted(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "available")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        await call.control("consult", agent="agent103")
        held = call.now()
        await call.event("call.consult_answered", to="agent103")
        assert (await call.refused("transfer", queue="sales"))[0] == 409  # not mid-consult
        await listen(3)
        cancelled = await call.control("cancel")
        back = call.now()
        assert cancelled["state"] == "talking"
        await phones["agent103"].wait_for("CALL_CLOSED")
        await call.agent_state("agent103", "available")
        await listen(3)
        done = call.now()
        assert (await call.hang_up())["outcome"] == "answered"
    heard = call.heard()
    assert_music(heard, held, back)
    assert_heard(heard, back, done, "agent101")


async def test_a_conference_the_agent_leaves_with_the_other_two_still_talking(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "available")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        await call.control("consult", agent="agent103")
        await call.event("call.consult_answered", to="agent103")
        together = await call.control("conference")
        assert together["state"] == "conference"
        three = call.now()
        await listen(3)
        left = await call.control("leave")
        alone = call.now()
        assert (left["state"], left["agent"]) == ("talking", "agent103")
        await phones["agent101"].wait_for("CALL_CLOSED")
        await listen(3)
        done = call.now()
        assert (await call.hang_up())["outcome"] == "answered"
    heard = call.heard()
    for agent in AGENTS:  # both, at once
        share = heard.share(three + MARGIN, alone - MARGIN, TONES[agent])
        assert share > 0.2, f"{agent} not heard in the conference ({share:.2f})"
    assert_heard(heard, alone, done, "agent103")


async def test_requests_that_cannot_be_done_are_refused_with_the_reason_and_change_nothing(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await asyncio.to_thread(_api, platform, "POST", "/api/v1/contacts", {
        "first_name": "Dee", "last_name": "Nocall", "do_not_call": True,
        "phones": [{"number": "+15550009998"}]})
    await set_state(platform, "agent103", "logged_out")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        talking = call.now()
        assert await call.refused("transfer", queue="nowhere") == (404, "no queue 'nowhere'")
        assert (await call.refused("transfer", agent="agent999"))[0] == 404
        code, reason = await call.refused("transfer", agent="agent103")
        assert code == 409 and "logged_out" in reason
        code, reason = await call.refused("transfer", number="+1 555 000 9998")
        assert code == 409 and "do-not-call" in reason
        refusal = await call.event("call.transfer_refused")
        assert (refusal["rule"], refusal["number"]) == ("do_not_call", "+15550009998")
        assert (await call.refused("consult", queue="sales"))[0] == 422
        assert (await call.refused("dance"))[0] == 422
        assert (await call.refused("resume"))[0] == 409  # not on hold
        other = await asyncio.to_thread(platform.login, "agent103", "demo-agent103-pass")
        with pytest.raises(urllib.error.HTTPError) as foreign:
            await asyncio.to_thread(_post, platform, other,
                                    f"/api/v1/calls/{call.call_id}/control", {"action": "hold"})
        assert foreign.value.code == 403
        await listen(3)
        done = call.now()  # all the while, the caller talked with agent101
        assert not [e for e in watcher.of_call(call.call_id) if e["type"] in (
            "call.held", "call.transferred", "call.consulting")]
        await set_state(platform, "agent103", "available")
        twice = await asyncio.gather(call.control("transfer", queue="sales"),
                                     call.control("transfer", queue="sales"),
                                     return_exceptions=True)
        answered = [result for result in twice if isinstance(result, dict)]
        failed = [result for result in twice if isinstance(result, urllib.error.HTTPError)]
        assert len(answered) == 1 and [f.code for f in failed] in ([404], [409])
        await call.event("call.answered", agent="agent103")
        assert (await call.hang_up())["outcome"] == "answered"
        transfers = [e for e in watcher.of_call(call.call_id) if e["type"] == "call.transferred"]
        assert len(transfers) == 1
    assert_heard(call.heard(), talking, done, "agent101")


async def test_a_blind_transfer_to_an_outside_number_connects_the_caller_with_them(
        platform: Platform, phones: dict[str, AgentPhone], tmp_path: Path) -> None:
    outside = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA, echo=True)
    await outside.start()
    try:
        async with EventWatcher(platform) as watcher:
            call = Call(platform, phones, watcher)
            await call.place()
            handed = await call.control("transfer", number="+15557770111")
            assert handed["state"] == "handed_off"
            await phones["agent101"].wait_for("CALL_CLOSED")
            await call.event("call.transfer_answered", to="+15557770111")
            joined = call.now()
            await listen(3)
            done = call.now()
            assert (await call.hang_up())["outcome"] == "answered"
            code, output = await outside.finished()
            assert code == 0, output[-2000:]  # the outside party was hung up with the call
    finally:
        await outside.stop()
    # the outside party sends back what it hears: the caller hears their own voice
    share = call.heard().share(joined + MARGIN, done - MARGIN, TONES["agent109"])
    assert share > 0.5, f"the caller did not reach the outside party ({share:.2f})"


async def test_a_caller_handed_to_an_outside_number_talks_on_across_an_app_crash(
        platform: Platform, phones: dict[str, AgentPhone], tmp_path: Path) -> None:
    """The app dies while a caller its agent transferred out talks with the outside
    party: the new app picks the two up again (not hung up as a call with no agent), and
    the caller hanging up later ends the call, answered, the outside party with it."""
    outside = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA, echo=True)
    await outside.start()
    try:
        async with EventWatcher(platform) as watcher:
            call = Call(platform, phones, watcher)
            await call.place()
            await call.control("transfer", number="+15557770111")
            await call.event("call.transfer_answered", to="+15557770111")
        platform.crash()
        platform.start()  # Asterisk was left running: the new app adopts its calls
        view = await asyncio.to_thread(_api, platform, "GET",
                                       f"/api/v1/calls/{call.call_id}/control")
        assert view["state"] == "handed_off" and view["agent"] is None
        assert {p["role"]: p["state"] for p in view["parties"]} == {
            "caller": "bridged", "outside": "bridged"}
        async with EventWatcher(platform) as watcher:
            call.watcher = watcher
            await listen(3)  # a stretch of the call after the restart: still up
            again = await asyncio.to_thread(_api, platform, "GET",
                                            f"/api/v1/calls/{call.call_id}/control")
            assert again["state"] == "handed_off"
            ended = await call.hang_up()
            assert ended["outcome"] == "answered" and ended["cause"] != "gone"
            summary = await call.event("call.control_ended")
            assert summary["handled_by"] == ["agent101"]
            code, output = await outside.finished()
            assert code == 0, output[-2000:]  # hung up with the call, not left alone
    finally:
        await outside.stop()


async def test_a_call_handed_over_to_a_consulted_agent_stays_theirs_across_an_app_crash(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    """After an attended transfer the call is the consulted agent's, on the leg that rang
    them for the consultation: the new app adopts that leg as the call's agent leg, so
    the agent still controls the call and wraps up when it ends."""
    await set_state(platform, "agent103", "available")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        await call.control("consult", agent="agent103")
        await call.event("call.consult_answered", to="agent103")
        await call.control("complete")
        await phones["agent101"].wait_for("CALL_CLOSED")
        await call.agent_state("agent103", "on_call")
    platform.crash()
    platform.start()
    view = await asyncio.to_thread(_api, platform, "GET",
                                   f"/api/v1/calls/{call.call_id}/control")
    assert (view["state"], view["agent"]) == ("talking", "agent103")
    async with EventWatcher(platform) as watcher:
        call.watcher = watcher
        held = await call.control("hold")  # the agent still controls it
        assert held["state"] == "holding"
        await call.control("resume")
        ended = await call.hang_up()
        assert ended["outcome"] == "answered" and ended["cause"] != "gone"
        await call.agent_state("agent103", "wrap_up")


async def test_a_click_to_talk_call_is_held_consulted_and_refused_a_queue_like_any(
        platform: Platform, phones: dict[str, AgentPhone], tmp_path: Path) -> None:
    """The customer the agent called echoes what they hear: the agent hears their own tone
    while the customer is with them; on hold the customer is out of the agent's bridge."""
    customer = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA, echo=True)
    await customer.start()
    agent = phones["agent101"]
    token = await asyncio.to_thread(platform.login, "agent101", "demo-agent101-pass")
    try:
        async with EventWatcher(platform) as watcher:
            placed = await asyncio.to_thread(_post, platform, token, "/api/v1/click-to-talk",
                                             {"number": "+15557770122"})
            call_id = placed["call_id"]
            await agent.wait_for("CALL_ESTABLISHED")
            start = asyncio.get_running_loop().time()  # the agent's recording starts

            def now() -> float:
                return asyncio.get_running_loop().time() - start

            await watcher.wait_for(lambda e: e["type"] == "call.answered"
                                   and e["call_id"] == call_id, timeout=15)
            control = f"/api/v1/calls/{call_id}/control"
            await until(lambda: asyncio.to_thread(_controllable, platform, token, control),
                        seconds=5, what="the click-to-talk call never came under control",
                        every=0.1)
            talking = now()
            await listen(3)
            held = await asyncio.to_thread(_post, platform, token, control, {"action": "hold"})
            assert held["state"] == "holding"
            on_hold = now()
            assert await _in_bridge(platform, call_id) == ["agent101"]  # the customer left
            await listen(3)
            with pytest.raises(urllib.error.HTTPError) as refused:
                await asyncio.to_thread(_post, platform, token, control,
                                        {"action": "transfer", "to": {"queue": "sales"}})
            assert refused.value.code == 409  # a customer we called waits in no queue
            await asyncio.to_thread(_post, platform, token, control, {"action": "resume"})
            back = now()
            assert sorted(await _in_bridge(platform, call_id)) == ["agent101", "customers"]
            await listen(3)
            done = now()
            await agent.command("/hangup")
            assert (await customer.finished())[0] == 0
            ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                           and e["call_id"] == call_id)
            assert ended["outcome"] == "answered"
            kinds = [e["type"] for e in watcher.of_call(call_id)]
            assert "call.held" in kinds and "call.retrieved" in kinds  # on its own record
    finally:
        await customer.stop()
    heard = Heard.read(agent.heard())  # their own tone, sent back by the customer
    assert_heard(heard, talking, on_hold, "agent101")
    # nothing reached the agent while the customer was held, so the phone wrote nothing
    # then: the recording is that much shorter, and ends with the customer back
    assert heard.seconds < done - (back - on_hold) + MARGIN
    assert_heard(heard, heard.seconds - 2.5, heard.seconds, "agent101")


async def _in_bridge(platform: Platform, call_id: str) -> list[str]:
    """The endpoints whose channels Asterisk has in the call's bridge now."""
    settings = load_settings(platform.config, environ=platform.environment())
    shown = await asyncio.to_thread(AsteriskProcess(settings).rx, f"bridge show bridge-{call_id}")
    return [line.split("/", 1)[1].rsplit("-", 1)[0] for line in shown.splitlines()
            if line.startswith("Channel: PJSIP/")]


def _post(platform: Platform, token: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{platform.base_url}{path}", method="POST", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _controllable(platform: Platform, token: str, path: str) -> bool:
    """Whether call control has the call (a mute is harmless: it is undone at once)."""
    try:
        _post(platform, token, path, {"action": "mute"})
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise
    _post(platform, token, path, {"action": "unmute"})
    return True

"""Callers waiting in a queue over the emulated Twilio, their announcements played by the
ACD (not the callers' tasks). The end of an announcement (a playback's gather, with no
key) leads the ACD to put the caller back on its music (``StartHold``, through the ACD's
one sender, shared by every caller); that webhook's answer should be the music, not the
call parked with the music following as a call update. With REST answers taking a
realistic 0.1 s, the ACD's sender is often busy with another caller's update when the
caller's task has settled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.served import scenario_sections
from tests.scenarios.twilio_line import twilio_line
from tests.support import until
from tests.unit.twilio_fake_api import FakeTwilio

QUEUE = {"strategy": "longest_idle", "ring_timeout": 3, "wrap_up": 1,
         "announce_on_join": True, "announce_every": 1}
QUEUES = {"support": QUEUE, "sales": QUEUE, "operator": QUEUE}
AGENTS = {"agent101": {"skills": {"support": 5}, "queues": {"support": 1}}}
CALLERS = 4
#: what a REST request to Twilio takes, about
LATENCY = 0.05


def _ends_of_announcements(posted: list[tuple[str, dict[str, str], str]],
                           ) -> list[tuple[str, str]]:
    return [(url, answer) for url, form, answer in posted
            if "/twilio/gather" in url and "announce" in url and not form.get("Digits")]


@pytest.fixture
def slow_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = FakeTwilio._answer

    async def slowly(self: FakeTwilio, request: Any) -> Any:
        await asyncio.sleep(LATENCY)
        return await answer(self, request)

    monkeypatch.setattr(FakeTwilio, "_answer", slowly)


async def test_an_announcement_s_end_is_answered_with_the_music(
        tmp_path: Path, slow_rest: None) -> None:
    sections = scenario_sections(tmp_path, queues=QUEUES, agents=AGENTS)
    async with twilio_line(tmp_path, sections) as line:
        assert line.platform.twilio is not None
        callers = []
        for n in range(CALLERS):
            caller = await line.call_in(f"+1212555016{n}")
            await caller.heard("basic-pbx-ivr-main")
            await caller.press("2")
            callers.append(caller)
        poster = line.emulator.poster
        await until(lambda: len(_ends_of_announcements(poster.posted)) >= 4 * CALLERS,
                    seconds=30, what="too few announcements ended")
        ends = _ends_of_announcements(poster.posted)
        parked = [url for url, answer in ends if "/twilio/park" in answer]
        for caller in callers:
            await caller.hang_up()
        assert not parked, (f"{len(parked)} of {len(ends)} announcements' ends answered "
                            "with the call parked (the music then went as a call update)")

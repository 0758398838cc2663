"""The ``line`` fixture: each scenario runs once per driver, on a platform of its own.

The platform is the demo's (its IVR flow ``main``: 1 sales, 2 support, 3 account
balance, 9 more options) with the scenarios' queues, agents and campaign: short ring
timeouts and wrap-ups, a sales queue that offers a callback to whoever waits 2 s, and a
progressive campaign ``spring`` over ``PEOPLE``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.lines import Line
from tests.scenarios.served import scenario_sections
from tests.scenarios.sim_line import sim_line
from tests.scenarios.twilio_line import twilio_line

QUEUE = {"strategy": "longest_idle", "ring_timeout": 3, "wrap_up": 1,
         "announce_on_join": False}
QUEUES = {"sales": {**QUEUE, "max_wait": 2, "overflow": {"kind": "callback"}},
          "support": QUEUE, "operator": QUEUE}
AGENTS = {"agent101": {"skills": {"support": 5, "sales": 5},
                       "queues": {"support": 1, "sales": 1}},
          "agent102": {"skills": {"support": 5, "sales": 5},
                       "queues": {"support": 1, "sales": 1}}}
CAMPAIGN = "spring"
#: the people the campaign dials, and what each turns out to be
PEOPLE = {"+12125550101": "human", "+12125550102": "machine",
          "+12125550103": "no_answer", "+12125550104": "busy"}


def _campaigns(folder: Path) -> dict[str, Any]:
    (folder / "people.csv").write_text("phone\n" + "\n".join(PEOPLE) + "\n")
    once = {"delay": 3600, "max_attempts": 1}
    return {CAMPAIGN: {
        "mode": "progressive", "queue": "support", "caller_id": "+15550009000",
        "max_lines": 4, "ring_seconds": 15, "machine": {"action": "drop"},
        "retries": {**{kind: once for kind in ("busy", "no_answer", "machine", "failed")},
                    "abandoned": {"delay": 72 * 3600, "max_attempts": 2}},
        "list": {"csv": "people.csv"}}}


LINES = {"sim": sim_line, "twilio": twilio_line}


@pytest.fixture(params=sorted(LINES))
async def line(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Line]:
    sections = scenario_sections(tmp_path, queues=QUEUES, agents=AGENTS,
                                 campaigns=_campaigns(tmp_path))
    opened: AbstractAsyncContextManager[Line] = LINES[request.param](tmp_path, sections)
    async with opened as running:
        yield running

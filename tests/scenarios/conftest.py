"""The ``line`` fixture: each scenario runs once per driver, on a platform of its own.

The platform is the demo's (its IVR flow ``main``: 1 sales, 2 support, 3 account
balance, 9 more options) with the scenarios' queues, agents and campaign: short ring
timeouts and wrap-ups, a sales queue that offers a callback to whoever waits 2 s, and a
progressive campaign ``spring`` over ``PEOPLE``.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import asterisk_install
from tests.integration.dial_callees import BUSY, HUMAN, MACHINE, NO_ANSWER, number, write_greetings
from tests.integration.dial_callees import _scenario as callee_scenario
from tests.integration.platform import Platform, running_platform
from tests.scenarios.asterisk_line import asterisk_line
from tests.scenarios.lines import Line
from tests.scenarios.served import ROOT, scenario_sections
from tests.scenarios.sim_line import sim_line
from tests.scenarios.twilio_line import twilio_line
from tests.support import free_ports, require_tool

__all__ = ["asterisk_install"]  # the integration tests' session fixture, used here

QUEUE = {"strategy": "longest_idle", "ring_timeout": 3, "wrap_up": 1,
         "announce_on_join": False}
QUEUES = {"sales": {**QUEUE, "max_wait": 2, "overflow": {"kind": "callback"}},
          "support": QUEUE, "operator": QUEUE}
AGENTS = {"agent101": {"skills": {"support": 5, "sales": 5},
                       "queues": {"support": 1, "sales": 1}},
          "agent102": {"skills": {"support": 5, "sales": 5},
                       "queues": {"support": 1, "sales": 1}}}
CAMPAIGN = "spring"
#: the people the campaign dials, and what each turns out to be (numbers that the
#: Asterisk line's outbound peer answers as such: ``tests.integration.dial_callees``)
PEOPLE = {number(HUMAN, 1): "human", number(MACHINE, 1): "machine",
          number(NO_ANSWER, 1): "no_answer", number(BUSY, 1): "busy"}


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
#: every driver; a scenario module leaves out (and says why) one it cannot run on
DRIVERS = [pytest.param("asterisk", marks=pytest.mark.asterisk), "sim", "twilio"]


@pytest.fixture(scope="session")
def outbound_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """The people the Asterisk platform dials: one sipp behind its outbound peer, running
    ``dial_callees``' scenario (started here, outside any test's event loop)."""
    sipp = require_tool("sipp")
    folder = tmp_path_factory.mktemp("dialed")
    port, media = free_ports(2)
    hello, greeting = write_greetings(folder)
    (folder / "dialed.xml").write_text(callee_scenario(hello, greeting, 1000, 30000))
    process = subprocess.Popen(
        [sipp, "-sf", str(folder / "dialed.xml"), "-i", "127.0.0.1", "-p", str(port),
         "-mi", "127.0.0.1", "-mp", str(media), "-nostdin", "-trace_err",
         "-error_file", str(folder / "dialed-errors.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
    try:
        yield folder, port
    finally:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def asterisk_platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: Any,
                      outbound_peer: tuple[Path, int]) -> Iterator[Platform]:
    """The scenarios' platform on a real Asterisk, for the whole session."""
    require_tool("baresip")
    folder = tmp_path_factory.mktemp("asterisk-scenarios")
    sections = scenario_sections(folder, queues=QUEUES, agents=AGENTS,
                                 campaigns=_campaigns(folder))
    with running_platform(folder, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd=sections["acd"],
                          asterisk={"outbound_host": "127.0.0.1",
                                    "outbound_port": outbound_peer[1]},
                          sections={"dialer": sections["dialer"]}) as running:
        yield running


@pytest.fixture(params=DRIVERS)
async def line(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Line]:
    if request.param == "asterisk":
        platform = request.getfixturevalue("asterisk_platform")
        async with asterisk_line(platform, tmp_path) as running:
            yield running
        return
    sections = scenario_sections(tmp_path, queues=QUEUES, agents=AGENTS,
                                 campaigns=_campaigns(tmp_path))
    opened: AbstractAsyncContextManager[Line] = LINES[request.param](tmp_path, sections)
    async with opened as running:
        yield running

"""``Engine.settled`` once the course has stopped waiting: a lookup the IVR gave up on
(its ``timeout`` passed, the menu plays) must not keep the call unsettled. The Twilio
driver waits on ``settled`` before answering each of the call's webhooks, so a call
that never settles has every webhook held for the whole ``answer_within``, even one
whose document was given at once."""

from __future__ import annotations

import asyncio

import pytest

from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from tests.support import elapse
from tests.unit.test_engine import arrive, engine, soon  # noqa: F401 - the fixture

pytestmark = pytest.mark.virtual_time


class SlowCrm:
    """A CRM that answers long after the IVR's lookup timeout (2 s in ``main``)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.asked = 0

    async def lookup(self, kind: str, key: str) -> dict[str, str] | None:
        self.asked += 1
        await asyncio.sleep(self.seconds)
        return None


async def test_a_lookup_the_ivr_gave_up_on_does_not_keep_the_call_unsettled(
        engine) -> None:  # noqa: F811 - the fixture
    built, wire = engine
    built.directory = SlowCrm(seconds=600.0)
    arrive(built)
    # the IVR's lookup timeout passes: it goes on without the caller's data, the menu plays
    await soon(lambda: bool(wire.of(c.PlayMedia)), seconds=10.0)
    await elapse(1)
    sent = len(wire.sent)
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="7"))  # no such choice
    await soon(lambda: len(wire.sent) > sent)  # the menu said so at once
    settled = asyncio.ensure_future(built.settled("c1"))
    await elapse(5)  # call time: the driver's answer_within is 2 s, far past it
    done = settled.done()
    settled.cancel()
    assert done, "the call did not settle while a lookup the IVR gave up on was out"


async def test_a_lookup_answered_in_time_lets_the_call_settle(engine) -> None:  # noqa: F811
    """The same call with a CRM that answers within the IVR's timeout: it settles."""
    built, wire = engine
    built.directory = SlowCrm(seconds=0.5)
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)), seconds=10.0)
    sent = len(wire.sent)
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="7"))  # no such choice
    await soon(lambda: len(wire.sent) > sent)
    assert await asyncio.wait_for(built.settled("c1"), 1) is True  # call time


async def test_a_call_that_has_ended_stays_settled(engine) -> None:  # noqa: F811
    """``CallTask.settled``: "at once for a call that has ended". News that reaches the
    task after its end (a late lookup answer, the ACD's word) must not unsettle it."""
    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    task = built.calls["c1"]
    built.on_driver_event(e.CallEnded(call_id="c1", cause="normal"))
    await soon(lambda: "c1" not in built.calls)
    await asyncio.wait_for(task.settled(), 1)  # settled: it has ended
    task.hang_up("normal")  # the ACD's word, late
    settled = asyncio.ensure_future(task.settled())
    await elapse(5)
    done = settled.done()
    settled.cancel()
    assert done, "an ended call's task fed once more did not settle again"

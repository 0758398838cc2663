"""A webhook is answered once the engine has handled its events (``opened.Waits``):
with the last document they gave the call, or with its waiting document at once when they
gave none; a call the engine cannot tell of still waits for a document. The driver's
fixed waits (``answer_within``, ``quiet``) are set far beyond the test's own wait, so a
webhook held for them fails the test."""

from __future__ import annotations

import asyncio

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from tests.support import until
from tests.unit.test_twilio_driver import CALLER, VOICE, Rig, driver_rig, verbs
from tests.unit.twilio_fake_api import post_signed

#: far beyond ``until``'s 10 s: a webhook that waits for these fails the test
LONG = 3600.0


def _menu(call_id: str, playback: str) -> dc.PlayMedia:
    return dc.PlayMedia(call_id=call_id, playback_id=playback, media=(f"sound:{playback}",))


def _greet_after(rig: Rig, gate: asyncio.Event, playback: str, *, own_task: bool) -> None:
    """On a call's arrival: answer it (in its own task only), wait for ``gate`` (a
    lookup, the ACD), then play ``playback``; in a task of the call's own (``own_task``)
    or elsewhere."""
    driver = rig.driver

    async def greet(call_id: str) -> None:
        if own_task:
            await driver.execute(dc.AnswerCall(call_id=call_id))
        await gate.wait()
        await driver.execute(_menu(call_id, playback))

    def react(event: de.DriverEvent) -> list[dc.DriverCommand]:
        if isinstance(event, de.CallArrived):
            task = asyncio.ensure_future(greet(event.call_id))
            if own_task:
                rig.engine.tasks.append(task)
        return []

    rig.engine.react = react


async def test_a_key_that_leads_to_no_document_is_answered_as_soon_as_it_is_handled() -> None:
    async with driver_rig(answer_within=LONG, quiet=LONG, asks_engine=True) as rig:
        await rig.driver.execute(dc.AnswerCall(call_id=CALLER))
        doc = rig.driver.book.running[CALLER][0]
        posted = asyncio.ensure_future(post_signed(rig.client, "/twilio/gather",
                                                   {"CallSid": CALLER, "Digits": "4"},
                                                   {"call": CALLER, "doc": doc}))
        await until(posted.done, what="the key's webhook waited out the fixed wait")
        assert verbs(await posted.result().text())[1:] == ["Gather", "Redirect"]
        assert rig.engine.events == [de.DigitReceived(call_id=CALLER, digit="4")]


async def test_the_answer_is_the_last_document_the_events_led_to_however_late() -> None:
    """A lookup between two documents: the fixed settle (none here) would have answered
    with the first; the engine's word waits for the second."""
    lookup_done = asyncio.Event()
    async with driver_rig(answer_within=LONG, quiet=LONG, settle=0.0,
                          asks_engine=True) as rig:
        _greet_after(rig, lookup_done, "vip-menu", own_task=True)
        posted = asyncio.ensure_future(post_signed(rig.client, "/twilio/voice", VOICE["form"]))
        await until(lambda: CALLER in rig.driver.book.running, what="no first document")
        assert not posted.done()
        lookup_done.set()
        await until(posted.done, what="the voice webhook was not answered")
        xml = await posted.result().text()
        assert "playback=vip-menu" in xml and verbs(xml)[1:] == ["Gather", "Play"]
        assert rig.twilio.sent == []  # both in the one answer: no call update


async def test_a_call_the_engine_cannot_tell_of_waits_for_its_document() -> None:
    """An agent's leg answered: the ACD, not a call task of its own, gives its document;
    the webhook waits for one rather than answering with the leg parked."""
    bridged = asyncio.Event()
    async with driver_rig(answer_within=LONG, quiet=LONG, asks_engine=True) as rig:
        rig.engine.strangers.add(CALLER)
        _greet_after(rig, bridged, "whisper", own_task=False)
        posted = asyncio.ensure_future(post_signed(rig.client, "/twilio/voice", VOICE["form"]))
        await until(lambda: bool(rig.engine.events), what="the webhook did not arrive")
        bridged.set()
        await until(posted.done, what="the webhook was not answered with its document")
        assert "playback=whisper" in await posted.result().text()

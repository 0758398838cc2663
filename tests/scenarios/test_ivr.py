"""IVR paths, over every driver: the demo's main menu walked with the keypad.

A caller hears the menu, presses 2 and waits in the support queue; another enters an
account number and hears its balance, read from the directory by the flow's data dip;
another presses a key the menu has not; another leaves a voicemail.
"""

from __future__ import annotations

from tests.scenarios.lines import Line, event, events_of

MENU = "basic-pbx-ivr-main"


async def test_a_caller_walks_the_menu_to_the_support_queue(line: Line) -> None:
    caller = await line.call_in("+12125550150")
    arrived = await event(line, "call.arrived", call_id=caller.call_id)
    assert (arrived["caller"], arrived["flow"]) == ("+12125550150", "main")
    await caller.heard(MENU)
    await caller.press("2")
    queued = await event(line, "call.queued", call_id=caller.call_id)
    assert queued["queue"] == "support"
    digits = events_of(line, "ivr.digits", call_id=caller.call_id)
    assert [(e["node"], e["digits"]) for e in digits] == [("main_menu", "2")]
    steps = [e["node"] for e in events_of(line, "ivr.step", call_id=caller.call_id)]
    assert steps[-2:] == ["main_menu", "support"]
    await caller.hang_up()
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"] == "abandoned_in_queue"


async def test_a_caller_hears_the_balance_of_their_account(line: Line) -> None:
    caller = await line.call_in("+12125550151")
    await caller.heard(MENU)
    await caller.press("3")
    await caller.heard("astcc-followed-by-the-pound-key")
    await caller.press("12345#")
    looked_up = await event(line, "ivr.lookup", call_id=caller.call_id, node="account_lookup")
    assert (looked_up["key"], looked_up["found"]) == ("12345", True)
    await caller.heard("250")  # the demo directory's balance of account 12345
    collected = events_of(line, "ivr.digits", call_id=caller.call_id, node="account_number")
    assert [(e["digits"], e.get("variable")) for e in collected] == [("12345", "account")]
    await caller.hang_up()
    await caller.gone()
    await event(line, "call.ended", call_id=caller.call_id)


async def test_a_caller_leaves_a_voicemail_from_more_options(line: Line) -> None:
    """The message ends with the caller's hang-up: on Asterisk, whose news of it has no
    length, the call's course measures it from the start of the recording."""
    caller = await line.call_in("+12125550152")
    await caller.heard(MENU)
    await caller.press("9")
    await caller.heard("vm-tocallback")
    await caller.press("1")
    await event(line, "voicemail.started", call_id=caller.call_id)
    await caller.heard("beep")
    await caller.hang_up()  # the message said: the caller hangs up
    recorded = await event(line, "voicemail.recorded", call_id=caller.call_id)
    assert (recorded["mailbox"], recorded["status"]) == ("main", "done"), recorded
    assert recorded["duration"] > 0
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"] == "voicemail"


async def test_a_key_the_menu_has_not_is_refused_and_the_menu_asked_again(
        line: Line) -> None:
    caller = await line.call_in("+12125550153")
    await caller.heard(MENU)
    await caller.press("7")
    invalid = await event(line, "ivr.invalid", call_id=caller.call_id)
    assert (invalid["node"], invalid["digits"], invalid["attempt"]) == ("main_menu", "7", 1)
    await caller.heard("pbx-invalid")
    await caller.press("2")
    queued = await event(line, "call.queued", call_id=caller.call_id)
    assert queued["queue"] == "support"
    await caller.hang_up()

"""A campaign's dial as Asterisk tells it: AMI's answers to the originate and the
channel's hang-up, the verdict of machine detection on entering the app. The messages
are as Asterisk 22 sent them (recorded from a campaign on this machine), ids shortened."""

from __future__ import annotations

from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.telephony.asterisk.dialing import (
    dial_hung_up,
    originate_action,
    originate_outcome,
)
from contactcenter.telephony.asterisk.translate import ami_event, ari_event

DIAL = c.PlaceDial(call_id="spring-3", leg_id="dial-ab12-spring-3", number="+15550102001",
                   caller_id="+15550009000", timeout=15)
QUEUED = {"Response": "Success", "ActionID": "a/1", "Message": "Originate successfully queued"}


def _originate_response(response: str, reason: str) -> dict[str, str]:
    return {"Event": "OriginateResponse", "ActionID": "a/1", "Response": response,
            "Channel": "PJSIP/+15550102001@customers", "Context": "dialer-detect",
            "Exten": "s", "Reason": reason, "Uniqueid": "<null>",
            "CallerIDNum": "+15550009000", "CallerIDName": "<unknown>"}


def test_a_dial_is_originated_into_machine_detection_with_its_ids() -> None:
    action = originate_action(DIAL, "customers")
    assert action["Channel"] == "PJSIP/+15550102001@customers"
    assert (action["Context"], action["Exten"]) == ("dialer-detect", "s")
    assert action["ChannelId"] == DIAL.leg_id and action["Variable"] == "DIAL_ID=spring-3"
    assert action["Timeout"] == "15000" and action["CallerID"] == "+15550009000"
    unchecked = originate_action(c.PlaceDial(call_id="d", leg_id="dial-d", number="+1",
                                             detect_machine=False), "customers")
    assert unchecked["Exten"] == "direct" and "CallerID" not in unchecked


def test_an_answered_dial_waits_for_the_app_and_an_unanswered_one_says_why() -> None:
    assert originate_outcome(DIAL, [QUEUED, _originate_response("Success", "4")]) is None
    rang_out = originate_outcome(DIAL, [QUEUED, _originate_response("Failure", "3")])
    assert rang_out == e.DialUnanswered(call_id="spring-3", reason="no_answer",
                                        cause="originate reason 3")
    no_channel = originate_outcome(DIAL, [QUEUED, _originate_response("Failure", "0")])
    assert no_channel is not None and no_channel.reason == "failed"
    refused = originate_outcome(DIAL, {"Response": "Error", "Message": "Permission denied"})
    assert refused == e.DialUnanswered(call_id="spring-3", reason="failed",
                                       cause="Permission denied")


def test_the_hang_up_cause_of_a_dial_tells_busy_from_no_answer() -> None:
    hangup = {"Event": "Hangup", "Channel": "PJSIP/customers-00000004",
              "Uniqueid": "dial-ab12-spring-3", "Cause": "17", "Cause-txt": "User busy"}
    assert ami_event(hangup) == e.DialUnanswered(call_id="dial-ab12-spring-3",
                                                 reason="busy", cause="17 User busy")
    unanswered = dial_hung_up({**hangup, "Cause": "19", "Cause-txt": "No answer"})
    assert unanswered is not None and unanswered.reason == "no_answer"
    assert ami_event({**hangup, "Uniqueid": "1796405077.12"}) is None  # not a dial's


def test_machine_detection_s_verdict_enters_the_app_with_the_leg() -> None:
    channel = {"id": "dial-ab12-spring-5", "name": "PJSIP/customers-00000006"}
    machine = ari_event({"type": "StasisStart", "channel": channel,
                         "args": ["dialer", "spring-5", "MACHINE", "MAXWORDS-3-2"]})
    assert machine == e.DialAnswered(call_id="spring-5", leg_id="dial-ab12-spring-5",
                                     human=False, detection="MACHINE-MAXWORDS-3-2")
    unsure = ari_event({"type": "StasisStart", "channel": channel,
                        "args": ["dialer", "spring-5", "NOTSURE", "TOOLONG-5000"]})
    assert isinstance(unsure, e.DialAnswered) and unsure.human  # never drop a person


def test_a_callee_gone_during_detection_is_told_by_its_user_event() -> None:
    gone = {"Event": "UserEvent", "UserEvent": "DialerGone", "Leg": "dial-ab12-spring-5"}
    assert ami_event(gone) == e.CallEnded(call_id="dial-ab12-spring-5",
                                          cause="hung up during machine detection")
    assert ami_event({"Event": "UserEvent", "UserEvent": "Other"}) is None


def test_a_campaign_s_lines_and_callees_found_at_a_reconnect_are_no_callers() -> None:
    from contactcenter.telephony.asterisk.translate import resynced_channel

    for app_data in ("cc,seat,seat-ab12-agent101-1", "cc,dialer,spring-5,HUMAN,HUMAN-800-800"):
        channel = {"id": "x", "dialplan": {"app_name": "Stasis", "app_data": app_data}}
        assert resynced_channel(channel) is None

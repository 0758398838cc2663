"""Pure translation of a campaign's dials: AMI's Originate into the machine-detection
dialplan, and what comes back.

ARI cannot run ``app_amd``, so a dial is originated over AMI into the
``dialer-detect`` context (``asterisk/extensions.conf``): once answered,
``AMD()`` listens to the greeting and the call enters the Stasis app with
``dialer,<dial id>,<AMDSTATUS>,<AMDCAUSE>``; from there ARI drives it like any
other leg. Before the answer, only AMI knows how the dial went: the
``OriginateResponse`` event's ``Reason`` is the last control frame the channel
saw (5 busy, 3 still ringing when the timeout came, 8 congestion, 1 hung up,
0 no channel at all). A callee who hangs up while the detector listens never
reaches the app; the context's ``h`` extension says so with a ``UserEvent``.
See https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/AMI_Actions/Originate/
and .../Dialplan_Applications/AMD/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e

#: the Stasis argument a dial's leg enters the app with: ``dialer,<dial id>,<status>,<cause>``
DIALER_ARG = "dialer"
#: the dialplan context that detects machines, and its extensions
DETECT_CONTEXT, DETECT, NO_DETECTION = "dialer-detect", "s", "direct"
#: the UserEvent of a callee gone before the detector's verdict
GONE_EVENT = "DialerGone"
#: a dial's channel id starts so (``PlaceDial.leg_id``): AMI sends its hang-up
LEG_PREFIX = c.DIAL_LEG_PREFIX
#: OriginateResponse ``Reason`` -> why nobody answered (others: failed)
_REASONS = {"5": "busy", "3": "no_answer"}
#: Q.850 hang-up cause -> why nobody answered: busy, rejected (603: a person said no),
#: no user responding, no answer, subscriber absent (others: failed)
_CAUSES = {"17": "busy", "21": "busy", "18": "no_answer", "19": "no_answer",
           "20": "no_answer"}


def originate_action(command: c.PlaceDial, endpoint: str) -> dict[str, str]:
    """The AMI Originate action of a dial through the outbound ``endpoint``."""
    action = {
        "Action": "Originate", "Channel": f"PJSIP/{command.number}@{endpoint}",
        "Context": DETECT_CONTEXT, "Priority": "1",
        "Exten": DETECT if command.detect_machine else NO_DETECTION,
        "Timeout": str(command.timeout * 1000), "ChannelId": command.leg_id,
        "Variable": f"DIAL_ID={command.call_id}", "Async": "true",
    }
    if command.caller_id:
        action["CallerID"] = command.caller_id
    return action


def originate_outcome(command: c.PlaceDial,
                      replies: Sequence[Mapping[str, str]] | Mapping[str, str] | None,
                      ) -> e.DialUnanswered | None:
    """What AMI answered to the Originate: None once answered (the app hears the rest),
    else why the dial ended unanswered."""
    messages = [replies] if isinstance(replies, Mapping) else list(replies or [])
    final = next((m for m in reversed(messages) if m.get("Event") == "OriginateResponse"),
                 None)
    if final is None:  # refused outright (no such endpoint, AMI gone)
        text = messages[0].get("Message", "") if messages else "no answer from Asterisk"
        return e.DialUnanswered(call_id=command.call_id, reason="failed", cause=text)
    if final.get("Response") == "Success":
        return None
    reason = final.get("Reason", "0")
    return e.DialUnanswered(call_id=command.call_id, reason=_REASONS.get(reason, "failed"),
                            cause=f"originate reason {reason}")


def dial_answered(channel: Mapping[str, object], args: Sequence[str]) -> e.DialAnswered:
    """A dial's leg entering the app: ``args`` after ``dialer`` are the dial, the
    detector's status and cause."""
    status = args[1] if len(args) > 1 else "HUMAN"
    cause = args[2] if len(args) > 2 else ""
    detection = f"{status}-{cause}" if cause else status
    # NOTSURE: a silence the detector could not call is taken for a person, who must not
    # be dropped (a person taken for a machine and hung up on is an abandoned call)
    return e.DialAnswered(call_id=args[0], leg_id=str(channel.get("id", "")),
                          human=status != "MACHINE", detection=detection)


def dial_hung_up(message: Mapping[str, str]) -> e.DialUnanswered | None:
    """AMI's ``Hangup`` of a dial's channel: the network's cause, which ``Originate``'s
    answer does not carry (a busy line's reason is only "no channel"). It names the leg,
    not the dial; for a leg answered before, the call's own end is ARI's to tell."""
    leg = message.get("Uniqueid", "")
    if not leg.startswith(LEG_PREFIX):
        return None
    cause = message.get("Cause", "")
    return e.DialUnanswered(call_id=leg, reason=_CAUSES.get(cause, "failed"),
                            cause=f"{cause} {message.get('Cause-txt', '')}".strip())


def gone_before_verdict(message: Mapping[str, str]) -> e.CallEnded | None:
    """The ``h`` extension's UserEvent: the callee hung up while the detector listened."""
    if message.get("UserEvent") != GONE_EVENT or not message.get("Leg"):
        return None
    return e.CallEnded(call_id=message["Leg"], cause="hung up during machine detection")

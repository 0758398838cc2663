"""What the offers core asks of the engine: driver commands, ACD events, the caller's side.

Commands on legs, the caller's channel and the bridge are the telephony
driver's own (``contactcenter.telephony.commands``), carried out in the order
given. The others are for the engine: an event to feed the ACD, what to tell the
waiting caller's task, a domain event to publish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.acd.events import AcdEvent
from contactcenter.calls.offers.events import OfferEvent
from contactcenter.telephony import commands as dc


@dataclass(frozen=True, slots=True, kw_only=True)
class TellAcd:
    """Feed the ACD ``event`` now and carry out what it answers, before the next
    command; then hand the offers core ``then``, if any."""

    event: AcdEvent
    then: OfferEvent | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectCaller:
    """The caller is with ``agent`` on ``leg_id`` in ``bridge``: tell their task (and
    whoever follows connected calls: recording, call control)."""

    call_id: str
    agent: str
    leg_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OverflowCaller:
    """The caller leaves the ACD (``kind``: voicemail, callback...); they are no
    longer the offers'."""

    call_id: str
    kind: str
    target: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUpCaller:
    """End the caller's side of the call, through their own task; no longer the offers'."""

    call_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Publish:
    """A domain event (``call.announced``) for the bus and the journal."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


#: the driver's commands the offers core gives
DriverCommand = (dc.RingAgent | dc.HangupCall | dc.StopMedia | dc.StopHold | dc.StartHold
                 | dc.PlayMedia | dc.CreateBridge | dc.AddToBridge | dc.DestroyBridge)
OfferCommand = TellAcd | ConnectCaller | OverflowCaller | HangUpCaller | Publish | DriverCommand

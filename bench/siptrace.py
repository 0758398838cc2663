"""Per-call timings from captured SIP and RTP: INVITE->200 and INVITE->first RTP.

A call is keyed by its Call-ID. The 200 OK's SDP names Asterisk's RTP port for
the call, and the first RTP packet sent from that port to the caller after the
200 is the first prompt audio. Asterisk reuses RTP ports across calls, so each
port's packets are attributed to the call answered last on it before them.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pcap import UdpPacket

_CALL_ID = re.compile(rb"^(?:Call-ID|i)\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_CSEQ = re.compile(rb"^CSeq\s*:\s*\d+\s+(\w+)", re.IGNORECASE | re.MULTILINE)
_AUDIO = re.compile(rb"^m=audio (\d+)", re.MULTILINE)
#: RTP may leave Asterisk a hair before its 200 OK reaches the wire (other thread)
EARLY_RTP = 0.05


@dataclass(slots=True)
class CallTrace:
    """What the wire showed of one call; times in seconds of the capture clock."""

    invite: float
    status: int | None = None
    answered: float | None = None
    rtp_port: int | None = None
    first_rtp: float | None = None

    @property
    def answer_delay(self) -> float | None:
        return None if self.answered is None else self.answered - self.invite

    @property
    def rtp_delay(self) -> float | None:
        return None if self.first_rtp is None else self.first_rtp - self.invite


@dataclass
class Trace:
    """All calls of one capture, and the RTP send times per Asterisk port."""

    calls: dict[bytes, CallTrace] = field(default_factory=dict)
    rtp: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    invite_retransmissions: int = 0


def trace_calls(packets: Iterable[UdpPacket], sip_port: int,
                rtp_ports: tuple[int, int]) -> Trace:
    """Sort the packets into calls: SIP to/from ``sip_port``, RTP from Asterisk's range."""
    trace = Trace()
    low, high = rtp_ports
    for packet in packets:
        if low <= packet.src_port <= high and packet.dst_port != sip_port:
            trace.rtp[packet.src_port].append(packet.time)
        elif packet.dst_port == sip_port and packet.payload.startswith(b"INVITE "):
            _on_invite(trace, packet)
        elif packet.src_port == sip_port and packet.payload.startswith(b"SIP/2.0 "):
            _on_response(trace, packet)
    _attribute_rtp(trace)
    return trace


def _on_invite(trace: Trace, packet: UdpPacket) -> None:
    found = _CALL_ID.search(packet.payload)
    if found is None:
        return
    if found.group(1) in trace.calls:
        trace.invite_retransmissions += 1
    else:
        trace.calls[found.group(1)] = CallTrace(invite=packet.time)


def _on_response(trace: Trace, packet: UdpPacket) -> None:
    """The first final response to the INVITE decides the call's fate."""
    payload = packet.payload
    status = int(payload[8:11])
    cseq, found = _CSEQ.search(payload), _CALL_ID.search(payload)
    if status < 200 or cseq is None or found is None or cseq.group(1) != b"INVITE":
        return
    call = trace.calls.get(found.group(1))
    if call is None or call.status is not None:
        return
    call.status = status
    if status == 200:
        call.answered = packet.time
        audio = _AUDIO.search(payload)
        call.rtp_port = int(audio.group(1)) if audio else None


def _attribute_rtp(trace: Trace) -> None:
    """First RTP per call: from its port, after its 200, before the port's next 200."""
    by_port: dict[int, list[CallTrace]] = defaultdict(list)
    for call in trace.calls.values():
        if call.rtp_port is not None and call.answered is not None:
            by_port[call.rtp_port].append(call)
    for port, calls in by_port.items():
        times = trace.rtp.get(port, [])
        calls.sort(key=lambda call: call.answered or 0.0)
        for index, call in enumerate(calls):
            assert call.answered is not None
            start = bisect_left(times, call.answered - EARLY_RTP)
            after = calls[index + 1].answered if index + 1 < len(calls) else math.inf
            if start < len(times) and times[start] < (after or math.inf) - EARLY_RTP:
                call.first_rtp = times[start]


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the value that ``share`` of the samples do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

"""The platform's IVR against Asterisk's own dialplan, on one real Asterisk.

Starts ``contactcenter serve`` (which starts its managed Asterisk) on free
ports, then calls number 5000 (the ARI-driven IVR of the platform) and 6000
(the same menu in plain dialplan, the baseline) with sipp: 3-second calls at
fixed rates, then a search for the highest rate each sustains for a trial with
no failed call and p99 INVITE->200 under 1 s. Calls are timed from a loopback
capture (tcpdump): INVITE->200 OK, and INVITE->first RTP packet from Asterisk
to the caller, i.e. the first sound of the menu prompt.

    .venv/bin/python bench/bench_ivr_asterisk.py [--quick] [--no-docs]

Needs root (tcpdump), sipp and tcpdump. The full run takes about 20 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from pcap import Capture, read_udp  # noqa: E402  (bench/ is the script's own folder)
from report import Measurements, machine_facts, render_markdown, render_text, write_docs  # noqa: E402
from siptrace import percentile, trace_calls  # noqa: E402

from contactcenter.settings import load_settings  # noqa: E402
from contactcenter.telephony.asterisk.process import AsteriskError, AsteriskProcess  # noqa: E402

PLATFORM_IVR, DIALPLAN_IVR = "5000", "6000"
NUMBERS = (PLATFORM_IVR, DIALPLAN_IVR)
CALL_SECONDS = 3
MAX_ANSWER_P99 = 1.0  #: seconds, the sustained-rate criterion
RTP_RANGE = (10000, 30000)  #: below Linux's ephemeral ports, where sipp's own ports land
CALLER = "+15550001001"  #: a caller the demo directory knows, so the lookup finds data

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivr-bench">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:{caller}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- [call_number] 1 IN IP4 [media_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="{pause_ms}"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"""


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A loopback port free for both UDP and TCP, from the kernel's ephemeral range."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", port))
            return port
    raise RuntimeError("no free loopback port")

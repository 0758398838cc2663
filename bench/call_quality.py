"""What each leg of a call carried over a measured window, as Asterisk and the browser saw it.

Asterisk's view is the same for web and plain SIP calls: each channel's RTP statistics
(ARI's ``GET /channels/{id}/rtp_statistics``) count the RTP packets it received and
sent, the packets it found missing, and its interarrival jitter. Read at the start
and the end of the window, the difference is what flowed in it. The browser's view of
a web call is its own ``getStats()``: packets received and lost, jitter, and how much
of the audio it played was concealment (made up for packets that came late or never).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKETS_PER_SECOND = 50  #: 20 ms frames, both G.711 and Opus here


@dataclass(frozen=True)
class Leg:
    """One channel's RTP over the window: ``received`` from its far end, ``sent`` to it."""

    channel: str
    received: float
    sent: float
    lost: float  #: packets Asterisk found missing from what it should have received
    jitter_ms: float  #: Asterisk's interarrival jitter estimate at the window's end
    seconds: float  #: between this channel's two readings

    def share(self, packets: float) -> float:
        """``packets`` as a share of the 20 ms frames due in this leg's window."""
        return packets / (PACKETS_PER_SECOND * self.seconds)


def leg_over(channel: str, before: dict[str, float], after: dict[str, float],
             seconds: float) -> Leg:
    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)
    # rxjitter is in seconds; rxploss counts the packets missing from the sequence
    return Leg(channel, delta("rxcount"), delta("txcount"), max(0.0, delta("rxploss")),
               after.get("rxjitter", 0.0) * 1000, seconds)


@dataclass(frozen=True)
class CallWindow:
    """Both legs of one bridged call over the window."""

    caller: Leg
    agent: Leg

    def delivered(self) -> float:
        """The worst of the four directions, as a share of the packets due in the window:
        caller->Asterisk, Asterisk->agent, agent->Asterisk, Asterisk->caller."""
        return min(self.caller.share(self.caller.received), self.agent.share(self.agent.sent),
                   self.agent.share(self.agent.received), self.caller.share(self.caller.sent))

    def loss(self) -> float:
        received = self.caller.received + self.agent.received
        lost = self.caller.lost + self.agent.lost
        return lost / (received + lost) if received + lost else 0.0

    def jitter_ms(self) -> float:
        return max(self.caller.jitter_ms, self.agent.jitter_ms)


def browser_window(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """The visitor's side over the window: loss and concealed share of what it played."""
    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)
    received, lost = delta("packetsReceived"), max(0.0, delta("packetsLost"))
    samples = delta("totalSamplesReceived")
    return {"received": received,
            "loss": lost / (received + lost) if received + lost else 1.0,
            "concealed": delta("concealedSamples") / samples if samples else 1.0,
            "energy": delta("totalAudioEnergy"), "jitter_ms": after.get("jitter", 0) * 1000}


#: the page's view of each of its calls: the inbound audio's counters
BROWSER_STATS = """async () => {
  const out = [];
  for (const phone of window.benchPhones || []) {
    const connection = phone.session && phone.session.connection;
    const entry = {state: phone.state};
    if (connection) (await connection.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") Object.assign(entry, {
        packetsReceived: s.packetsReceived, packetsLost: s.packetsLost, jitter: s.jitter,
        totalSamplesReceived: s.totalSamplesReceived, concealedSamples: s.concealedSamples,
        totalAudioEnergy: s.totalAudioEnergy});
    });
    out.push(entry);
  }
  return out;
}"""


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_running(program: str) -> list[int]:
    """Every process whose command line's first word ends with ``program``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0", 1)[0]
        except OSError:
            continue
        # Chromium's helpers rewrite their command line into one string with spaces
        first = command.decode(errors="replace").split(" ", 1)[0]
        if first.endswith(program):
            found.append(int(entry.name))
    return found



def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def summary(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    if not ordered:
        return {"min": None, "p50": None, "max": None}
    return {"min": ordered[0], "p50": ordered[len(ordered) // 2], "max": ordered[-1]}

"""The web-call capacity benchmark's fixtures: its settings, the callers' audio.

One platform, one Asterisk, ``agents`` auto-answering baresip agents in one queue
(``support``: longest idle, no wrap-up, no announcement). Web visitors call it with a
grant (``web_calls``' target ``support``); plain SIP callers (sipp) call 7000, a
one-node IVR flow whose node is the exit to the same queue. Every caller sends a
continuous tone for the whole call, so audio flows both ways all along: the web
visitor's from Chromium's fake microphone reading a WAV file, sipp's from a pcap.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import yaml
from acd_setup import SCENARIO as ACD_SCENARIO
from pcap import write_rtp_pcap

#: the ACD benchmark's caller: INVITE (G.711 u-law), ACK, play the pcap, wait for the
#: agent's side to hang up; each call's pause before its INVITE comes from an injection
#: file (``write_no_pauses``: none, sipp's ``-r`` paces the calls)
SCENARIO = ACD_SCENARIO


def write_no_pauses(path: Path, calls: int) -> None:
    """sipp's injection file for SCENARIO: every call placed as sipp's rate allows."""
    path.write_text("SEQUENTIAL\n" + "0;\n" * calls)

QUEUE, FLOW, SIP_NUMBER = "support", "capacity", "7000"
ADMIN = ("admin", "demo-admin-pass")  #: config/demo.yaml's admin user
CALLER_TONE, AGENT_TONE = 700, 1500  #: Hz: what each side's microphone sends

def agent_ids(count: int) -> list[str]:
    return [f"agent{101 + index}" for index in range(count)]


def agent_password(agent: str) -> str:
    return f"capacity-{agent}-pass"


def write_settings(workdir: Path, demo: Path, agents: int) -> Path:
    """The demo settings with ``agents`` SIP agents in queue ``support``, 7000 to it
    through a one-node flow, and web calls to it without per-address limits (every
    visitor here is 127.0.0.1)."""
    config = yaml.safe_load(demo.read_text())
    ids = agent_ids(agents)
    config["agents"] = [{"id": a, "name": f"Agent {a[5:]}", "sip_password": agent_password(a)}
                        for a in ids]
    config["users"] = [u for u in config["users"] if u.get("role") == "admin"]
    config.pop("dialer", None)
    flows = workdir / "ivr"
    flows.mkdir(parents=True, exist_ok=True)
    (flows / f"{FLOW}.yaml").write_text(yaml.safe_dump(
        {"start": "to_queue", "nodes": {"to_queue": {"type": "queue", "queue": QUEUE}}}))
    queue = {"strategy": "longest_idle", "wrap_up": 0, "ring_timeout": 15,
             "after_ring_timeout": "available", "announce_on_join": False}
    # the demo's other queues stay, empty: config/voicemail.yaml names them
    (workdir / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        name: queue for name in (QUEUE, "sales", "operator")}}))
    (workdir / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        a: {"name": f"Agent {a[5:]}", "queues": {QUEUE: 1}} for a in ids}}))
    config["ivr"].update({"dir": str(flows), "numbers": {SIP_NUMBER: FLOW}})
    config["scripts"] = {"dir": str(demo.parent / "scripts")}
    config["acd"] = {"queues": str(workdir / "queues.yaml"),
                     "agents": str(workdir / "agents.yaml"),
                     "voicemail": str(demo.parent / "voicemail.yaml")}
    config["web_calls"] = {"targets": {QUEUE: {"queue": QUEUE}}, "help_target": QUEUE,
                           "grants_per_address": 10_000, "max_live_grants": 10_000}
    path = workdir / "cc-capacity.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def tone_samples(hertz: int, rate: int, seconds: float) -> list[float]:
    return [0.3 * math.sin(2 * math.pi * hertz * n / rate) for n in range(int(rate * seconds))]


def write_tone_wav(path: Path, hertz: int, seconds: float, rate: int = 48_000) -> None:
    """A mono 16-bit WAV of a steady tone: the web visitors' microphone (Chromium loops it)."""
    frames = b"".join(struct.pack("<h", round(s * 32767))
                      for s in tone_samples(hertz, rate, seconds))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def ulaw(sample: float) -> int:
    """G.711 u-law of a sample in [-1, 1] (the standard segment encoding)."""
    value = max(-32635, min(32635, round(sample * 32767)))
    sign = 0x80 if value < 0 else 0
    value = abs(value) + 0x84
    exponent = max(0, value.bit_length() - 8)
    mantissa = (value >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def write_tone_pcap(path: Path, hertz: int, seconds: float) -> None:
    """RTP frames of a u-law tone for sipp's ``play_pcap_audio``."""
    samples = bytes(ulaw(s) for s in tone_samples(hertz, 8000, seconds))
    frames = [samples[start:start + 160] for start in range(0, len(samples) - 159, 160)]
    write_rtp_pcap(path, len(frames), payloads=frames)

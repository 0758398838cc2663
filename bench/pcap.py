"""Loopback capture with tcpdump, and a reader for the classic pcap format.

The benchmark times calls from the wire rather than from sipp's own clock, so
that INVITE->200 and INVITE->first RTP come from one consistent source. The
kernel filters the packets (tcpdump's BPF filter), and only UDP over IPv4 is
decoded here: that is all SIP and RTP on 127.0.0.1 are.
"""

from __future__ import annotations

import re
import shutil
import signal
import struct
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

#: link-layer header lengths by pcap link type: Ethernet (Linux ``lo``), Linux SLL, raw IP
_LINK_HEADER = {1: 14, 113: 16, 101: 0, 228: 0}
_MAGIC = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
          b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}


@dataclass(frozen=True, slots=True)
class UdpPacket:
    """One UDP datagram as seen on the wire; ``time`` is the capture time in seconds."""

    time: float
    src_port: int
    dst_port: int
    payload: bytes


def read_udp(path: Path) -> Iterator[UdpPacket]:
    """The IPv4 UDP datagrams of a pcap file; a truncated last record is ignored."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 24 or data[:4] not in _MAGIC:
        raise ValueError(f"{path}: not a pcap file")
    order, unit = _MAGIC[data[:4]]
    link_type = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    if link_type not in _LINK_HEADER:
        raise ValueError(f"{path}: unsupported link type {link_type}")
    skip = _LINK_HEADER[link_type]
    record = struct.Struct(order + "IIII")
    offset = 24
    while offset + 16 <= len(data):
        seconds, fraction, captured, _ = record.unpack_from(data, offset)
        offset += 16
        if offset + captured > len(data):
            return
        packet = _udp(data, offset + skip, offset + captured, seconds + fraction * unit)
        offset += captured
        if packet is not None:
            yield packet


def _udp(data: bytes, start: int, end: int, when: float) -> UdpPacket | None:
    """Decode IPv4 + UDP at ``data[start:end]``; None for anything else."""
    if end - start < 28 or data[start] >> 4 != 4 or data[start + 9] != 17:
        return None
    udp = start + (data[start] & 0x0F) * 4
    src, dst = struct.unpack_from("!HH", data, udp)
    return UdpPacket(when, src, dst, data[udp + 8:end])


class Capture:
    """tcpdump on ``lo`` writing a pcap file, packet-buffered, for one trial."""

    def __init__(self, path: Path, bpf_filter: str, snaplen: int = 0) -> None:
        binary = shutil.which("tcpdump")
        if binary is None:
            raise RuntimeError("tcpdump is missing: apt-get install -y tcpdump")
        self.path = path
        self.dropped = 0
        self._command = [binary, "-i", "lo", "-n", "-U", "-Z", "root", "-B", "16384",
                         "-w", str(path), *(["-s", str(snaplen)] if snaplen else []),
                         bpf_filter]
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 10
        while not self.path.exists() or self.path.stat().st_size < 24:
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tcpdump did not start: {self._stderr()}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGINT lets tcpdump flush and report its kernel drops."""
        if self._process is None or self._process.poll() is not None:
            return
        time.sleep(0.3)  # the last packets of the trial are still in the kernel buffer
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        found = re.search(r"(\d+) packets? dropped by kernel", self._stderr())
        self.dropped = int(found.group(1)) if found else 0

    def _stderr(self) -> str:
        if self._process is None or self._process.stderr is None:
            return ""
        if self._process.poll() is None:
            return ""
        return self._process.stderr.read().decode(errors="replace")


def write_rtp_pcap(path: Path, packets: int, payload_type: int = 0,
                   payloads: Sequence[bytes] = ()) -> None:
    """A stream of 20 ms RTP frames for sipp's ``play_pcap_audio``: G.711 silence, or
    the 160-byte ``payloads`` given (a tone), one per frame.

    sipp rewrites addresses and ports, so only the UDP payload and the timing count.
    """
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    records = []
    for index in range(packets):
        payload = payloads[index] if payloads else b"\xff" * 160
        rtp = struct.pack("!BBHII", 0x80, payload_type, (index + 1) & 0xFFFF,
                          (index * 160) & 0xFFFFFFFF, 0x5EED) + payload
        udp = struct.pack("!HHHH", 40000, 40000, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), index & 0xFFFF, 0, 64, 17,
                         0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        micros = index * 20_000
        records.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000,
                                   len(frame), len(frame)) + frame)
    path.write_bytes(header + b"".join(records))

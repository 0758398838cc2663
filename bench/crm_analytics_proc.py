"""What /proc says about a process and the PostgreSQL server: memory and CPU time.

The benchmark's Python process is sampled from outside (by the parent) so that the
sampling costs it nothing; the server's processes are found as the postmaster's
children, parallel workers included. CPU time of the server is the sum over its live
processes plus what the postmaster has collected of its children that ended (a
parallel worker lives only as long as its query).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def postmaster() -> int | None:
    """The PostgreSQL server's main process, if this machine runs one we can see: the one
    whose command is the server binary itself (its children rename themselves
    ``postgres: ...``)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if command.endswith(b"/bin/postgres"):
                return int(entry.name)
    return None


def server_processes(main: int) -> list[int]:
    """The postmaster and its children (backends, parallel workers, background)."""
    found = [main]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and fields[1] == str(main):
                found.append(int(entry.name))
    return found


def server_cpu(main: int) -> float:
    """CPU seconds used by the server so far (live processes and reaped children)."""
    total = 0
    for pid in server_processes(main):
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if pid == main:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / TICK


def cpu(pid: int) -> float:
    """CPU seconds (user and system) a process has used so far, all its threads."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def memory(pid: int) -> tuple[int, int]:
    """(resident, private) bytes of a process: VmRSS, and RssAnon (what it alone holds)."""
    values = {"VmRSS": 0, "RssAnon": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in values:
                values[name] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return values["VmRSS"], values["RssAnon"]


@dataclass
class Sampler:
    """Samples a process's RSS, and the server's, every ``interval`` seconds in a thread."""

    pid: int
    server: int | None
    interval: float = 0.1
    #: (time, process RSS, server private total, largest server process RSS,
    #: process CPU seconds, server CPU seconds)
    samples: list[tuple[float, int, int, int, float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, _ = memory(self.pid)
            private, largest, server = 0, 0, 0.0
            if self.server is not None:
                for pid in server_processes(self.server):
                    resident, alone = memory(pid)
                    private += alone
                    largest = max(largest, resident)
                server = server_cpu(self.server)
            self.samples.append((time.time(), rss, private, largest, cpu(self.pid), server))
            self._stop.wait(self.interval)

    def peaks(self, start: float, end: float) -> tuple[int, int, int]:
        """The largest of each figure sampled between ``start`` and ``end``."""
        inside = ([s for s in self.samples if start <= s[0] <= end]
                  or [s for s in self.samples if s[0] <= end][-1:])
        return (max((s[1] for s in inside), default=0), max((s[2] for s in inside), default=0),
                max((s[3] for s in inside), default=0))

    def cpu_between(self, start: float, end: float) -> tuple[float, float]:
        """CPU seconds of the process and of the server from ``start`` to ``end`` (to the
        sampling interval: the last sample before each moment)."""
        before = [s for s in self.samples if s[0] <= start] or self.samples[:1]
        until = [s for s in self.samples if s[0] <= end] or self.samples[:1]
        if not before or not until:
            return 0.0, 0.0
        return until[-1][4] - before[-1][4], until[-1][5] - before[-1][5]

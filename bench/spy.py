"""Sample a running Python process with py-spy and rank where its time goes.

py-spy's ``raw`` output is one collapsed stack per line with a sample count;
own ("self") time is the last frame's, total time counts each function once
per stack. Used to profile ``contactcenter serve`` while calls load it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Profile:
    """Samples per function; ``samples`` is the total, idle samples excluded."""

    samples: int
    own: Counter[str]
    total: Counter[str]

    def top(self, counter: Counter[str], count: int = 25) -> list[tuple[str, float]]:
        return [(name, 100 * hits / max(1, self.samples))
                for name, hits in counter.most_common(count)]


def py_spy() -> str:
    """py-spy from the venv next to this Python, or from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is missing: .venv/bin/pip install py-spy")
    return found


def start_recording(pid: int, seconds: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy record, 200 samples a second, collapsed stacks; it stops by itself."""
    command = [py_spy(), "record", "--pid", str(pid), "--duration", str(seconds),
               "--rate", "200", "--format", "raw", "--output", str(output), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _function(frame: str) -> str:
    """``name (path/to/file.py:123)`` -> ``name (file.py)``: group a function's lines."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({'/'.join(Path(path).parts[-2:])})" if path else name


def read_profile(path: Path) -> Profile:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_function(frame) for frame in stack.split(";")]
        hits = int(count)
        samples += hits
        own[frames[-1]] += hits
        for name in set(frames):
            total[name] += hits
    return Profile(samples, own, total)


def render(profile: Profile, count: int = 20) -> str:
    lines = [f"{profile.samples} samples of a busy thread (idle excluded)", "",
             "own time:"]
    lines += [f"  {share:5.1f}%  {name}" for name, share in profile.top(profile.own, count)]
    lines += ["", "total time (including callees):"]
    lines += [f"  {share:5.1f}%  {name}" for name, share in profile.top(profile.total, count)]
    return "\n".join(lines)

"""The same seed gives the same day in every process, whatever Python's string hashing.

Python salts the hash of ``str`` per process (``PYTHONHASHSEED``), so anything that
iterates a set or a dict built from a set of names can come out in another order in
the next process. A benchmark or a what-if simulation that changes with it cannot be
compared run to run; these run each twice under different salts and compare the lot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: a small day of the ACD benchmark: its config (skills, tiers) and every count it yields
_DAY = """
import random, sys
sys.path.insert(0, "bench")
import bench_acd_core as bench
rng = random.Random(11)
config = bench.build(300, 20, 8, rng)
day = bench.Day(config, rng)
day.run(3000, 300)
stats = day.acd.queue_stats(0.0)
print([sorted(agent.skills.items()) for agent in config.agents.values()][:50])
print(day.events, len(day.decisions), sorted((q, s.answered, s.abandoned, s.overflowed)
                                            for q, s in stats.items()))
"""


def _run(args: list[str], hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    return done.stdout


def test_the_acd_benchmark_day_is_the_same_in_every_process() -> None:
    first, second = (_run(["-c", _DAY], seed) for seed in ("1", "2"))
    assert first == second
    assert "[]" not in first.splitlines()[1]  # the day did route calls


def test_a_simulated_run_is_the_same_in_every_process() -> None:
    args = ["-m", "contactcenter", "simulate", "--agents", "12", "--calls", "3000",
            "--seed", "5", "--strategy", "fewest_calls"]
    first, second = (_run(args, seed) for seed in ("3", "4"))
    assert first == second
    assert "answered" in first.lower() or "service" in first.lower()

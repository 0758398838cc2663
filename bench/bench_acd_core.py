"""How fast the ACD core decides, with 10,000 agents, 500 queues and 50 skills, on one core.

A day in a large contact center on a fake clock, in one thread: every agent
logs in, then callers arrive (Poisson) at a rate that keeps the agents about
95 % busy, so that calls wait in some queues while agents wait in others and
both directions of routing happen: a caller who finds a free agent, and an
agent who comes out of wrap-up to the first caller in line. Agents answer
after 1-4 s (2 % never do: the ring timeout pauses them, and they come back 30 s
later), talk 30-300 s, and wrap up by the core's own timer; 5 % of callers
hang up if they wait more than their patience.

A *decision* is one ``handle`` or ``handle_timer`` call whose commands include
an ``OfferCall``; its time is what the p99 is taken over. Decisions per second
is decisions / the time spent in those calls. The whole day's events are timed
too (every call into the core), for the throughput of everything together.

    python bench/bench_acd_core.py [--calls 100000] [--repeat 5] [--seed 7]

The same day (same seed: the same in every process, whatever ``PYTHONHASHSEED``) is
run ``--repeat`` times; the median day is reported, with every day's rate.
"""

from __future__ import annotations

import argparse
import heapq
import platform
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from contactcenter.acd import (  # after the path set-up above
    Acd,
    AcdConfig,
    AgentAvailable,
    AgentConfig,
    AgentId,
    AgentLoggedIn,
    CallFinished,
    CallId,
    CallJoined,
    CallLeft,
    OfferAnswered,
    OfferCall,
    Overflow,
    QueueConfig,
)
from contactcenter.server.heap import settle_after_start

STRATEGIES = ("longest_idle", "round_robin", "fewest_calls", "skills")
TALK = (30.0, 300.0)
WRAP = 10.0
LOAD = 0.95


def build(agents: int, queues: int, skills: int, rng: random.Random) -> AcdConfig:
    """Queues need one skill each; every agent works 3 queues (tiers 1, 1, 2) and has
    their skills, at random levels, and two more."""
    skill_names = [f"s{n:02d}" for n in range(skills)]
    queue_configs = {}
    for n in range(queues):
        strategy = STRATEGIES[n % len(STRATEGIES)]
        widen = strategy == "skills"
        queue_configs[f"q{n:03d}"] = QueueConfig(
            f"q{n:03d}", strategy, wrap_up=WRAP, required_skill=skill_names[n % skills],
            min_level=4 if widen else 1, widen_after=((10.0, 1),) if widen else (),
            announce_every=30.0, max_wait=600.0, overflow=Overflow("voicemail", "main"),
        )  # fmt: skip
    names = list(queue_configs)
    agent_configs = {}
    for n in range(agents):
        mine = rng.sample(names, 3)
        have = {queue_configs[q].required_skill for q in mine} | set(rng.sample(skill_names, 2))
        agent_configs[f"agent{n:05d}"] = AgentConfig(
            f"agent{n:05d}",
            skills={str(s): rng.randint(1, 10) for s in sorted(have)},
            queues={mine[0]: 1, mine[1]: 1, mine[2]: 2},
        )
    return AcdConfig(queues=queue_configs, agents=agent_configs)


class Day:
    """The driver: callers and phones on a fake clock, feeding one core."""

    def __init__(self, config: AcdConfig, rng: random.Random) -> None:
        self.acd = Acd(config)
        self.rng = rng
        self.queues = list(config.queues)
        self.pending: list[tuple[float, int, Any]] = []  # (time, seq, event)
        self.seq = 0
        self.answered: set[str] = set()
        self.decisions: list[int] = []  # ns per decision
        self.busy_ns = 0
        self.events = 0

    def later(self, when: float, event: Any) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (when, self.seq, event))

    def feed(self, event: Any, now: float) -> None:
        clock = time.perf_counter_ns
        started = clock()
        out = self.acd.handle(event, now) if event is not None else self.acd.handle_timer(now)
        spent = clock() - started
        self.busy_ns += spent
        self.events += 1
        offered = False
        for command in out:
            if type(command) is OfferCall:
                offered = True
                self.on_offer(command, now)
        if offered:
            self.decisions.append(spent)
        if type(event) is CallFinished:
            self.answered.discard(event.call_id)

    def on_offer(self, offer: OfferCall, now: float) -> None:
        rng = self.rng
        if rng.random() < 0.02:  # never answers: the core's ring timeout, then back in 30 s
            self.later(now + offer.ring_timeout + 30.0, AgentAvailable(agent=offer.agent))
            return
        answer_at = now + rng.uniform(1.0, 4.0)
        self.later(answer_at, OfferAnswered(call_id=offer.call_id, agent=offer.agent))
        self.later(answer_at + rng.uniform(*TALK), CallFinished(call_id=offer.call_id))

    def run(self, calls: int, agents: int) -> None:
        for n in range(agents):
            self.feed(AgentLoggedIn(agent=AgentId(f"agent{n:05d}")), 0.0)
        handle = WRAP + sum(TALK) / 2 + 2.5
        rate = LOAD * agents / handle  # calls per second that keep LOAD of the agents busy
        now = 0.0
        for n in range(calls):
            now += self.rng.expovariate(rate)
            self.later(now, self.caller(n))
            if n % 5 == 0:  # some callers have little patience
                self.later(now + self.rng.uniform(5.0, 60.0), CallLeft(call_id=CallId(f"c{n}")))
        self.drain()

    def caller(self, n: int) -> CallJoined:
        vip = self.rng.random() < 0.05
        return CallJoined(
            call_id=CallId(f"c{n}"), queue=self.rng.choice(self.queues), priority=10 if vip else 0
        )

    def drain(self) -> None:
        """Deliver the driver's events and the core's timers in time order."""
        acd, pending = self.acd, self.pending
        while pending or acd.next_deadline() is not None:
            deadline = acd.next_deadline()
            if pending and (deadline is None or pending[0][0] <= deadline):
                when, _, event = heapq.heappop(pending)
                if type(event) is OfferAnswered:
                    self.answered.add(event.call_id)
                elif type(event) is CallLeft and event.call_id in self.answered:
                    continue  # the caller's patience ran out after the answer: no hang-up
                self.feed(event, when)
            else:
                assert deadline is not None
                self.feed(None, deadline)


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1e3


@dataclass
class DayResult:
    """What is reported of one day: kept instead of the day, whose records are large."""

    rate: float
    decisions: list[int]
    answered: int
    abandoned: int
    events: int
    busy_ns: int
    wall: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--skills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="days; the median is reported")
    args = parser.parse_args()
    results = []
    for run in range(args.repeat):
        result = one_day(args)
        print(f"day {run + 1}: {result.rate:,.0f} decisions/s", flush=True)
        results.append(result)
    report(sorted(results, key=lambda result: result.rate), args)


def one_day(args: argparse.Namespace) -> DayResult:
    rng = random.Random(args.seed)  # the same day each time
    day = Day(build(args.agents, args.queues, args.skills, rng), rng)
    settle_after_start()  # as serve does once started: the records built stay out of gc
    started = time.perf_counter()
    day.run(args.calls, args.agents)
    wall = time.perf_counter() - started
    stats = day.acd.queue_stats(0.0).values()
    return DayResult(
        rate=len(day.decisions) / (sum(day.decisions) / 1e9),
        decisions=day.decisions,
        answered=sum(s.answered for s in stats),
        abandoned=sum(s.abandoned for s in stats),
        events=day.events,
        busy_ns=day.busy_ns,
        wall=wall,
    )


def report(results: list[DayResult], args: argparse.Namespace) -> None:
    """The median day's figures (``results`` sorted by rate), and every day's rate."""
    day = results[len(results) // 2]
    decisions = day.decisions
    mean = sum(decisions) / len(decisions) / 1e3
    p50, p99, p999 = (percentile(decisions, share) for share in (0.50, 0.99, 0.999))
    busy = day.busy_ns / 1e9
    rates = ", ".join(f"{other.rate:,.0f}" for other in reversed(results))
    lines = [
        f"ACD core: {args.agents:,} agents, {args.queues} queues, {args.skills} skills, 1 thread",
        f"python {platform.python_version()} on {platform.machine()}, seed {args.seed}",
        f"calls:          {args.calls:,} ({day.answered:,} answered, {day.abandoned:,} abandoned)",
        f"core calls:     {day.events:,} in {busy:.2f} s of core time",
        f"events/s:       {day.events / busy:,.0f} (every handle and timer)",
        f"decisions:      {len(decisions):,} (handle calls that made an offer)",
        f"decisions/s:    {day.rate:,.0f} (median of {len(results)} days: {rates})",
        (
            f"decision time:  mean {mean:.1f} us, p50 {p50:.1f} us, p99 {p99:.1f} us, "
            f"p99.9 {p999:.1f} us, max {max(decisions) / 1e3:.0f} us"
        ),
        f"wall time:      {day.wall:.1f} s (the driver's own work included)",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""The ACD benchmark's trials, verdicts and write-up (text and Markdown).

The Markdown goes between two markers of its own in docs/benchmarks.md, so a new
full run replaces its section and leaves the rest of the page (and the IVR
benchmark's section) alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from acd_analysis import Figures, Spread
from report import md_table, text_table

START = "<!-- bench_acd_asterisk: start (generated, replaced by each full run) -->"
END = "<!-- bench_acd_asterisk: end -->"
PLATFORM, BASELINE = "platform", "Queue()"
NAMES = {PLATFORM: "platform ACD (ARI, 7000)", BASELINE: "Queue() (6100)"}


@dataclass
class Trial:
    """One sipp run on one path; times in seconds, CPU in cores."""

    path: str
    kind: str  #: warm-up, saturation or sustained
    rate: float
    seconds: int
    planned: int  #: calls the trial's arrivals held
    sipp_calls: int
    sipp_failed: int
    stopped_early: str
    figures: Figures
    backlog_at_end: int | None
    serve_cpu: float
    asterisk_cpu: float
    load: tuple[float, float]  #: one-minute load average before and after

    @property
    def failed(self) -> int:
        """sipp's failures, callers who never reached an agent, and those who waited
        past the patience (a caller would have hung up)."""
        f = self.figures
        return max(self.sipp_failed, f.never_connected) + f.over_patience

    def sustained(self, plan: Any) -> bool:
        """Every planned call came, and every one reached an agent within the patience."""
        return (self.kind == "sustained" and not self.stopped_early and self.failed == 0
                and 0 < self.planned == self.figures.callers)

    def describe(self, plan: Any) -> str:
        f = self.figures
        gap, wait = f.free_to_connected, f.caller_wait
        failed = (f"{self.failed} failed" if self.kind == "sustained"
                  else f"{f.never_connected} never connected")
        text = (f"{NAMES[self.path]} @ {self.rate:g} cps x {self.seconds} s ({self.kind}): "
                f"{f.callers} calls, {failed}, {f.placed_rate:.3f} cps placed")
        if f.saturated_rate is not None and self.kind == "saturation":
            text += f", {f.saturated_rate:.3f} cps through"
        text += (f"; free->connected n={gap.count} p50 {_ms(gap.p50)} p99 {_ms(gap.p99)} "
                 f"max {_ms(gap.max)} ms; caller wait p50 {_s(wait.p50)} max {_s(wait.max)} s"
                 f"; waiting at last call {self.backlog_at_end}; CPU serve "
                 f"{self.serve_cpu:.2f} Asterisk {self.asterisk_cpu:.2f}; load "
                 f"{self.load[0]:.2f}->{self.load[1]:.2f}")
        if self.kind == "sustained":
            text += "; sustained" if self.sustained(plan) else "; NOT sustained"
        if self.stopped_early:
            text += f" (stopped early: {self.stopped_early})"
        return text


@dataclass
class Run:
    """Everything one run measured, with how and where."""

    command: str
    date: str
    machine: dict[str, str]
    plan: Any
    talk: float
    agents: int
    trials: list[Trial] = field(default_factory=list)

    def of(self, path: str, kind: str) -> list[Trial]:
        return [t for t in self.trials if t.path == path and t.kind == kind]

    def throughput(self, path: str) -> float | None:
        found = self.saturation(path)
        return found.figures.saturated_rate if found else None

    def sustainable(self, trial: Trial) -> bool:
        """The trial held and its rate is under the path's saturated throughput: above
        it the line grows for as long as callers keep coming, and a trial held only
        because it ended before some caller's wait went past the patience."""
        through = self.throughput(trial.path)
        return trial.sustained(self.plan) and through is not None and trial.rate < through

    def best_sustained(self, path: str) -> float | None:
        held = [t.rate for t in self.of(path, "sustained") if self.sustainable(t)]
        return max(held) if held else None

    def saturation(self, path: str) -> Trial | None:
        found = self.of(path, "saturation")
        return found[0] if found else None


def save(run: Run, path: Path) -> None:
    """The run as JSON, so that the page can be written again without measuring again."""
    path.write_text(json.dumps(asdict(run), indent=1))


def load(path: Path) -> Run:
    data = json.loads(path.read_text())
    trials = [Trial(**{**t, "load": tuple(t["load"]), "figures": Figures(**{
        **t["figures"], **{key: Spread(**t["figures"][key])
                           for key in ("caller_wait", "free_to_connected", "free_to_ring")
                           if key in t["figures"]}})})
              for t in data.pop("trials")]
    return Run(**{**data, "plan": SimpleNamespace(**data["plan"]), "trials": trials})


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _spread_ms(spread: Spread) -> list[str]:
    return [str(spread.count), _ms(spread.p50), _ms(spread.p90), _ms(spread.p99),
            _ms(spread.max)]


def saturation_rows(run: Run) -> list[list[str]]:
    rows = [["path", "offered cps", "s", "calls", "failed (sipp)", "never connected",
             "throughput cps", "free->connected n", "p50 ms", "p90 ms", "p99 ms", "max ms",
             "mean talk s", "CPU serve", "CPU Asterisk", "load before/after"]]
    for t in run.trials:
        if t.kind != "saturation":
            continue
        f = t.figures
        rows.append([NAMES[t.path], f"{t.rate:g}", str(t.seconds), str(f.callers),
                     str(t.sipp_failed), str(f.never_connected), _rate(f.saturated_rate),
                     *_spread_ms(f.free_to_connected), _s(f.talk_mean),
                     f"{t.serve_cpu:.2f}", f"{t.asterisk_cpu:.2f}",
                     f"{t.load[0]:.2f} / {t.load[1]:.2f}"])
    return rows


def sustained_rows(run: Run) -> list[list[str]]:
    rows = [["path", "cps", "s", "calls", "failed", "placed cps", "wait p50 s", "wait p90 s",
             "wait p99 s", "wait max s", "waiting at last call", "free->connected n",
             "p50 ms", "p99 ms", "CPU serve", "CPU Asterisk", "load before/after",
             "verdict"]]
    for t in run.trials:
        if t.kind != "sustained":
            continue
        f, wait, gap = t.figures, t.figures.caller_wait, t.figures.free_to_connected
        verdict = ("sustained" if run.sustainable(t) else
                   "held, above throughput" if t.sustained(run.plan) else "no")
        if t.stopped_early:
            verdict += f" (stopped: {t.stopped_early})"
        rows.append([NAMES[t.path], f"{t.rate:g}", str(t.seconds), str(f.callers),
                     str(t.failed), f"{f.placed_rate:.3f}", _s(wait.p50), _s(wait.p90),
                     _s(wait.p99), _s(wait.max), str(t.backlog_at_end), str(gap.count),
                     _ms(gap.p50), _ms(gap.p99), f"{t.serve_cpu:.2f}",
                     f"{t.asterisk_cpu:.2f}", f"{t.load[0]:.2f} / {t.load[1]:.2f}", verdict])
    return rows


def summary_rows(run: Run) -> list[list[str]]:
    ours, theirs = run.saturation(PLATFORM), run.saturation(BASELINE)
    rows = [["figure", NAMES[PLATFORM], NAMES[BASELINE], "aim"]]
    rows.append(["throughput when saturated, cps",
                 _rate(ours.figures.saturated_rate if ours else None),
                 _rate(theirs.figures.saturated_rate if theirs else None), "at least Queue()'s"])
    rows.append(["highest rate sustained, cps", _rate(run.best_sustained(PLATFORM)),
                 _rate(run.best_sustained(BASELINE)), "at least Queue()'s"])
    for label in ("p50", "p90", "p99", "max"):
        rows.append([f"free agent -> connected {label}, ms (saturated)",
                     _ms(getattr(ours.figures.free_to_connected, label) if ours else None),
                     _ms(getattr(theirs.figures.free_to_connected, label) if theirs else None),
                     "shorter than Queue()'s"])
    for label in ("p50", "p99"):
        rows.append([f"free agent -> its phone rings {label}, ms (saturated)",
                     _ms(getattr(ours.figures.free_to_ring, label) if ours else None),
                     _ms(getattr(theirs.figures.free_to_ring, label) if theirs else None), ""])
    return rows


def aims_met(run: Run) -> dict[str, bool]:
    ours, theirs = run.saturation(PLATFORM), run.saturation(BASELINE)
    mine, base = run.best_sustained(PLATFORM), run.best_sustained(BASELINE)
    ok_rate = mine is not None and (base is None or mine >= base)
    through = (ours is not None and theirs is not None
               and (ours.figures.saturated_rate or 0) >= (theirs.figures.saturated_rate or 0))
    gap = (ours is not None and theirs is not None
           and ours.figures.free_to_connected.p50 is not None
           and theirs.figures.free_to_connected.p50 is not None
           and ours.figures.free_to_connected.p50 < theirs.figures.free_to_connected.p50
           and (ours.figures.free_to_connected.p99 or 0)
           < (theirs.figures.free_to_connected.p99 or 0))
    return {"sustained rate at least Queue()'s": ok_rate,
            "saturated throughput at least Queue()'s": through,
            "free agent -> connected shorter (p50 and p99)": gap}


def render_text(run: Run) -> str:
    parts = ["Saturation:", text_table(saturation_rows(run)), "",
             "Sustained rates:", text_table(sustained_rows(run)), "",
             text_table(summary_rows(run)), ""]
    parts += [f"aim {name}: {'met' if ok else 'NOT met'}" for name, ok in aims_met(run).items()]
    return "\n".join(parts)


METHOD = """\
### How it measures

- `contactcenter serve` runs on free loopback ports with a state folder of its own and
  settings written by the bench: `config/demo.yaml` with only `agent101`...`agent110` as
  SIP endpoints, number 7000 going to a one-node IVR flow whose node is the exit to the
  queue `bench` (`longest_idle`; `wrap_up: 0`, which the loader accepts; `ring_timeout:
  15`; `after_ring_timeout: available`; no announcements), and every agent in that queue.
- 6100 is the product's baseline (`asterisk/extensions.conf`, `asterisk/queues.conf`):
  `Answer()`, then `Queue(baseline)` over the same ten endpoints: `leastrecent`,
  `wrapuptime=0`, `ringinuse=no`, `autofill=yes`, member `timeout=15`, `retry=1` (the
  shortest; 0 means the default 5 s), no announcements, hold music.
- Ten baresip phones register once, for the whole run, as `agent101`...`agent110` and
  answer by themselves. While `Queue()` is measured the agents are `logged_out` in the
  platform, so its ACD rings nobody; while the platform is measured they are `available`
  (set through `PUT /api/v1/agents/{agent}/state`) and nobody dials 6100.
- Callers: one sipp per trial. Arrival times are random: the trial's `rate x seconds`
  calls at times drawn uniformly over the trial (a Poisson process, given its count),
  with the same draw for both paths. Each caller sends INVITE, ACK and 100 ms of audio
  (Asterisk's `Answer()` waits up to 500 ms for a caller's first frame), then holds until
  the BYE. Each call lasts 5 s from the moment caller and agent are bridged: then the
  bench hangs the agent's phone up (baresip's `/hangup` over its control socket), the
  same way on both paths, and Asterisk ends the caller's leg.
- Timing comes from Asterisk itself: a second ARI application subscribed to everything
  (`subscribeAll=true`, filtered to channel creation, bridge entry and exit, hang-up
  request and destruction) records each event with the time Asterisk stamped on it (ms).
  *Connected*: the event after which one bridge holds a caller and an agent. *Agent
  free*: the first sign of the end of the agent's call (the hang-up request the phone's
  BYE makes). *Free agent -> connected*: from there to the same agent's next
  connection, counted only when a caller was waiting who had nobody else (more callers
  waiting than agents ringing for them and other agents idle); otherwise the agent
  waits for callers, which no ACD can shorten. The phones' own events
  (CALL_CLOSED -> CALL_ESTABLISHED) would not do: the phone is established when it
  answers, which on the platform's path comes before the ACD bridges it, so they would
  leave the platform's bridging out; and the platform's AMI user filters events away.
- A call fails when sipp fails it, when its caller never reaches an agent, or when the
  caller waits more than the patience for one (a caller would have hung up).
- CPU: CPU time of `serve` and of Asterisk over the trial (its drain included) divided by
  its length, in cores. Load: the one-minute load average before and after each trial;
  other engineers' test suites were running on the same machine during the run.
"""


def render_markdown(run: Run) -> str:
    plan = run.plan
    machine = "\n".join(f"- {key}: {value}" for key, value in run.machine.items())
    aims = "\n".join(f"- {name}: {'met' if ok else '**not met**'}"
                     for name, ok in aims_met(run).items())
    saturation = (f"{plan.saturation_rate:g} calls per second (random arrivals) offered "
                  f"for {plan.saturation_seconds} s: more than {run.agents} agents can take "
                  f"with {run.talk:g}-second calls, so an agent coming free soon always has "
                  "callers waiting. Throughput: calls completed per second over the longest "
                  "stretch in which every agent that came free had a caller waiting (no "
                  "agent idle), summed over the agents, each from its own first to last "
                  "free moment in that stretch.")
    sustained = (f"{plan.seconds} s of random (Poisson) arrivals at each rate, the same "
                 "arrival times for both paths. A trial *holds* when every call arrives "
                 "and none fails: sipp's failures, callers who never reach an agent, and "
                 f"callers who wait more than {plan.patience:g} s for one (they would have "
                 "hung up); it is cut short once a caller has waited past that, and a path "
                 "stops at its first rate that does not hold. A rate is *sustained* when "
                 "its trial holds and it is under the path's saturated throughput above: "
                 "over it the line grows for as long as callers come (by the difference, "
                 "each second), so a trial that holds there only ended too soon for a "
                 "caller to wait past the patience (\"held, above throughput\"); "
                 "the callers still waiting at the last arrival show the line building up.")
    return "\n\n".join([
        START, "## The ACD on real calls: platform (ARI) against Queue()",
        f"Command: `{run.command}`  \nDate: {run.date}", "Machine:\n\n" + machine,
        "### Summary\n\n" + md_table(summary_rows(run)), "Aims:\n\n" + aims,
        METHOD.rstrip(),
        "### Saturation\n\n" + saturation + "\n\n" + md_table(saturation_rows(run)),
        "### Sustained rates\n\n" + sustained + "\n\n" + md_table(sustained_rows(run)),
        END])


def write_section(path: Path, section: str) -> None:
    """Put the section between this benchmark's markers, or append it to the page."""
    text = path.read_text()
    found = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if found.search(text):
        text = found.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)

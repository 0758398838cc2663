"""Results of the Asterisk IVR benchmark: the figures, the machine, and their write-up.

The results always go to stdout. The write-up goes between two markers in
docs/benchmarks.md only when asked to (``--write-docs``): a new run then replaces its
own section and leaves the rest of the page alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path

START = "<!-- bench_ivr_asterisk: start (generated, replaced by each full run) -->"
END = "<!-- bench_ivr_asterisk: end -->"
NAMES = {"5000": "platform IVR (ARI, 5000)", "6000": "dialplan IVR (6000)"}


@dataclass
class TrialResult:
    """One sipp run at one rate on one number; delays in seconds."""

    number: str
    rate: int
    seconds: int
    calls: int
    failed: int
    answer_p50: float | None
    answer_p99: float | None
    rtp_p50: float | None = None
    rtp_p99: float | None = None
    rtp_missing: int = 0
    achieved_rate: float = 0.0
    stopped_early: bool = False
    dropped_packets: int = 0
    serve_cpu: float = 0.0  #: CPU of ``contactcenter serve``, in cores, over the trial
    asterisk_cpu: float = 0.0

    def sustained(self, max_answer_p99: float) -> bool:
        """No failed call, p99 answer under the bound, and sipp kept up the rate."""
        return (not self.stopped_early and self.failed == 0 and self.calls > 0
                and self.answer_p99 is not None and self.answer_p99 < max_answer_p99
                and self.achieved_rate >= 0.95 * self.rate)


@dataclass
class Measurements:
    """Everything one run measured, with how it was run and where."""

    command: str
    date: str
    machine: dict[str, str]
    fixed: list[TrialResult] = field(default_factory=list)
    search: dict[str, list[TrialResult]] = field(default_factory=dict)
    sustained: dict[str, int] = field(default_factory=dict)
    max_answer_p99: float = 1.0

    def fixed_of(self, number: str, rate: int) -> TrialResult | None:
        return next((t for t in self.fixed if t.number == number and t.rate == rate), None)

    def ratios(self, rate: int = 50) -> dict[str, float | None]:
        """Platform over dialplan: sustained rate, and p99 answer time at ``rate``."""
        platform_rate, dialplan_rate = self.sustained.get("5000"), self.sustained.get("6000")
        ours, theirs = self.fixed_of("5000", rate), self.fixed_of("6000", rate)
        answer = None
        if ours and theirs and ours.answer_p99 and theirs.answer_p99:
            answer = ours.answer_p99 / theirs.answer_p99
        rate_ratio = platform_rate / dialplan_rate if platform_rate and dialplan_rate else None
        return {"rate": rate_ratio, "answer_p99": answer}


def machine_facts(asterisk_version: str, sipp_version: str) -> dict[str, str]:
    """What the figures depend on: CPU, cores, and the versions of the moving parts."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"CPU": cpu, "cores": str(os.cpu_count()), "kernel": platform.release(),
            "Asterisk": asterisk_version, "Python": platform.python_version(),
            "sipp": sipp_version}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def _cores(value: float) -> str:
    return f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def fixed_rows(results: list[TrialResult]) -> list[list[str]]:
    header = ["number", "cps", "calls", "failed", "200 p50 ms", "200 p99 ms",
              "1st RTP p50 ms", "1st RTP p99 ms", "no RTP seen", "CPU serve", "CPU Asterisk"]
    rows = [header]
    for t in results:
        rows.append([NAMES.get(t.number, t.number), str(t.rate), str(t.calls), str(t.failed),
                     _ms(t.answer_p50), _ms(t.answer_p99), _ms(t.rtp_p50), _ms(t.rtp_p99),
                     str(t.rtp_missing), _cores(t.serve_cpu), _cores(t.asterisk_cpu)])
    return rows


def search_rows(search: dict[str, list[TrialResult]], bound: float) -> list[list[str]]:
    rows = [["number", "cps", "s", "calls", "failed", "achieved cps", "200 p50 ms",
             "200 p99 ms", "CPU serve", "CPU Asterisk", "verdict"]]
    for number, trials in search.items():
        for t in trials:
            verdict = "sustained" if t.sustained(bound) else "no"
            if t.stopped_early:
                verdict += " (stopped early)"
            rows.append([NAMES.get(number, number), str(t.rate), str(t.seconds), str(t.calls),
                         str(t.failed), f"{t.achieved_rate:.1f}", _ms(t.answer_p50),
                         _ms(t.answer_p99), _cores(t.serve_cpu), _cores(t.asterisk_cpu),
                         verdict])
    return rows


def summary_rows(m: Measurements) -> list[list[str]]:
    ratios = m.ratios()
    rows = [["figure", "platform (5000)", "dialplan (6000)", "ratio", "aim"]]
    ours, theirs = m.fixed_of("5000", 50), m.fixed_of("6000", 50)
    rows.append(["sustained cps (3 s calls)", str(m.sustained.get("5000", "-")),
                 str(m.sustained.get("6000", "-")), _ratio(ratios["rate"]), ">= 0.60x"])
    rows.append(["p99 INVITE->200 at 50 cps, ms", _ms(ours.answer_p99 if ours else None),
                 _ms(theirs.answer_p99 if theirs else None), _ratio(ratios["answer_p99"]),
                 "<= 2.50x"])
    return rows


def aims_met(m: Measurements) -> dict[str, bool]:
    ratios = m.ratios()
    no_failures = all(t.failed == 0 for t in m.fixed)
    return {"rate >= 0.6x": ratios["rate"] is not None and ratios["rate"] >= 0.6,
            "p99 answer <= 2.5x": ratios["answer_p99"] is not None
            and ratios["answer_p99"] <= 2.5,
            "no failed call at 10 and 50 cps": no_failures}


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join(" --- " for _ in rows[0]) + "|")
    return "\n".join(lines)


def render_text(m: Measurements) -> str:
    parts = ["Fixed rates (3 s calls):", text_table(fixed_rows(m.fixed)), "",
             f"Sustained-rate trials (no failed call, p99 200 < {m.max_answer_p99:g} s):",
             text_table(search_rows(m.search, m.max_answer_p99)), "",
             text_table(summary_rows(m)), ""]
    parts += [f"aim {name}: {'met' if ok else 'NOT met'}" for name, ok in aims_met(m).items()]
    return "\n".join(parts)


def render_markdown(m: Measurements, trial_note: str) -> str:
    machine = "\n".join(f"- {key}: {value}" for key, value in m.machine.items())
    aims = "\n".join(f"- {name}: {'met' if ok else '**not met**'}"
                     for name, ok in aims_met(m).items())
    return "\n\n".join([
        START, "## The IVR on real Asterisk: platform (ARI) against plain dialplan",
        f"Command: `{m.command}`  \nDate: {m.date}", "Machine:\n\n" + machine,
        "### Summary\n\n" + md_table(summary_rows(m)), "Aims:\n\n" + aims,
        "### Fixed rates\n\n" + trial_note + "\n\n" + md_table(fixed_rows(m.fixed)),
        "### Sustained rate\n\n" + md_table(search_rows(m.search, m.max_answer_p99)), END])


def add_docs_option(parser: argparse.ArgumentParser, page: Path) -> None:
    """``--write-docs [PATH]``: write the page only when asked to (default: ``page``).
    ``--no-docs``, the old way to say "do not", is still taken, and does nothing."""
    parser.add_argument("--write-docs", nargs="?", type=Path, const=page, metavar="PATH",
                        help=f"also replace this benchmark's section of PATH (default: "
                             f"{page.parent.name}/{page.name}); without it nothing is written")
    parser.add_argument("--no-docs", action="store_true", help=argparse.SUPPRESS)


def write_docs(path: Path, section: str, title: str = "# Benchmarks") -> None:
    """Replace this benchmark's section of the page, or append it."""
    text = path.read_text() if path.exists() else title + "\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)

"""The platform's IVR against Asterisk's own dialplan, on one real Asterisk.

Starts ``contactcenter serve`` (which starts its managed Asterisk) on free
ports, then calls number 5000 (the ARI-driven IVR of the platform) and 6000
(the same menu in plain dialplan, the baseline) with sipp: 3-second calls at
fixed rates, then a search for the highest rate each sustains for a trial with
no failed call and p99 INVITE->200 under 1 s. Calls are timed from a loopback
capture (tcpdump): INVITE->200 OK, and INVITE->first RTP packet from Asterisk
to the caller, i.e. the first sound of the menu prompt.

    .venv/bin/python bench/bench_ivr_asterisk.py [--quick] [--write-docs [PATH]]

The results go to stdout (a text table and the Markdown section); docs/benchmarks.md is
rewritten only with ``--write-docs``, never by a ``--quick`` run.

Needs root (tcpdump), sipp and tcpdump. The full run takes about 20 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
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
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from pcap import Capture, read_udp, write_rtp_pcap
from report import (
    Measurements,
    TrialResult,
    add_docs_option,
    machine_facts,
    render_markdown,
    render_text,
    write_docs,
)
from siptrace import percentile, trace_calls
from spy import read_profile, start_recording
from spy import render as render_profile

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.process import AsteriskError, AsteriskProcess

PLATFORM_IVR, DIALPLAN_IVR = "5000", "6000"
NUMBERS = (PLATFORM_IVR, DIALPLAN_IVR)
CALL_SECONDS = 3
MAX_ANSWER_P99 = 1.0  #: seconds, the sustained-rate criterion
RTP_RANGE = (10000, 30000)  #: below Linux's ephemeral ports, where sipp's own ports land
CALLER = "+15550001001"  #: a caller the demo directory knows, so the lookup finds data
#: The caller starts its audio after the ACK, as phones do: Asterisk's Answer() waits up
#: to 500 ms for the caller's first frame, which a silent caller would add to 6000's prompt.
CALLER_AUDIO_FRAMES = 5

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
  <nop>
    <action>
      <exec play_pcap_audio="{audio}"/>
    </action>
  </nop>
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


def process_cpu(pid: int) -> float:
    """utime + stime of a process from /proc, in seconds; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get_json(url: str, timeout: float = 3) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class Platform:
    """``contactcenter serve`` with its managed Asterisk, on free ports, state under /tmp."""

    def __init__(self, workdir: Path, config: Path) -> None:
        self.config = config
        self.state_dir = workdir / "state"
        names = ("HTTP", "SIP", "ARI", "AMI")
        self.ports = {name: free_port() for name in names}
        self.env = {**os.environ, "CC_STATE_DIR": str(self.state_dir),
                    "CC_ASTERISK_RTP_START": str(RTP_RANGE[0]),
                    "CC_ASTERISK_RTP_END": str(RTP_RANGE[1]),
                    **{f"CC_{name}_PORT": str(port) for name, port in self.ports.items()}}
        self.asterisk = AsteriskProcess(load_settings(config, self.env), log=lambda _: None)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def sip_port(self) -> int:
        return self.ports["SIP"]

    def start(self, timeout: float = 240) -> None:
        """Start serve and wait until it has both ARI and AMI (a first run may debootstrap)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "serve.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "contactcenter", "--log-level", "WARNING", "serve",
                 "--config", str(self.config)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited early, see {self.state_dir / 'serve.log'}")
            with contextlib.suppress(OSError, ValueError, KeyError):
                state = self.health()["asterisk"]
                if state["ari"] and state["ami"]:
                    return
            time.sleep(0.3)
        raise TimeoutError(f"platform not ready in {timeout} s")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by serve (Python) and by Asterisk, all threads."""
        pids = {"serve": self.process.pid if self.process else 0,
                "asterisk": next(iter(self.asterisk.processes()), 0)}
        return {name: process_cpu(pid) for name, pid in pids.items()}

    def health(self) -> dict[str, Any]:
        return dict(get_json(f"http://127.0.0.1:{self.ports['HTTP']}/api/v1/health"))

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM stops serve and its Asterisk; SIGKILL the group if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.asterisk.stop()

    def channels(self) -> int:
        """Asterisk's live channels (``core show channels count``)."""
        for line in self.asterisk.rx("core show channels count", timeout=10).splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        return -1

    def drain(self, timeout: float = 120) -> None:
        """Wait for Asterisk and the engine to have no call left; hang up stragglers."""
        deadline = time.monotonic() + timeout
        hung_up = False
        while True:
            with contextlib.suppress(AsteriskError, OSError, ValueError):
                if self.channels() == 0 and self.health().get("live_calls", 0) == 0:
                    return
            if time.monotonic() > deadline:
                if hung_up:
                    raise RuntimeError("calls still up after the drain; giving up")
                print("  drain: hanging up the channels still up", flush=True)
                self.asterisk.rx("channel request hangup all")
                deadline, hung_up = time.monotonic() + 30, True
            time.sleep(1)


@dataclass
class SippOutcome:
    """What sipp itself says about a run."""

    failed: int = 0
    successful: int = 0
    stopped_early: bool = False
    why_stopped: str = ""


def sipp_command(sip_port: int, scenario: Path, stats: Path, number: str,
                 rate: int, calls: int) -> list[str]:
    """3-second calls at ``rate`` per second; its own ports come from the kernel."""
    return ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", number,
            "-i", "127.0.0.1", "-p", str(free_port()), "-mi", "127.0.0.1",
            "-mp", str(free_port()), "-r", str(rate), "-m", str(calls),
            "-l", str(max(200, rate * (CALL_SECONDS + 10))), "-nostdin",
            "-recv_timeout", "10000", "-timeout", f"{calls // rate + 60}s",
            "-max_recv_loops", "10000", "-max_sched_loops", "10000",
            "-trace_stat", "-stf", str(stats), "-fd", "1"]


def last_stats(path: Path) -> dict[str, str]:
    """The latest row of sipp's ``-trace_stat`` file, by column name."""
    with contextlib.suppress(OSError):
        lines = path.read_text(errors="replace").splitlines()
        if len(lines) >= 2:
            return dict(zip(lines[0].split(";"), lines[-1].split(";"), strict=False))
    return {}


def overloaded(stats: dict[str, str], rate: int) -> str:
    """Why to stop a trial now: a failed call, or calls piling up (answers over ~2 s)."""
    failed = int(stats.get("FailedCall(C)", "0") or 0)
    current = int(stats.get("CurrentCall", "0") or 0)
    if failed:
        return f"{failed} failed calls"
    if current > rate * (CALL_SECONDS + 2 * MAX_ANSWER_P99) + 20:
        return f"{current} calls up at once"
    return ""


def run_sipp(command: list[str], stats: Path, rate: int, limit: float) -> SippOutcome:
    """Run sipp, stopping it smoothly (SIGUSR1: no new calls) once overloaded."""
    outcome = SippOutcome()
    with open(stats.with_suffix(".log"), "wb") as log:
        sipp = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log, start_new_session=True, cwd=stats.parent)
    deadline = time.monotonic() + limit
    try:
        while sipp.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            why = "" if outcome.stopped_early else overloaded(last_stats(stats), rate)
            if why:
                outcome.stopped_early, outcome.why_stopped = True, why
                sipp.send_signal(signal.SIGUSR1)
                deadline = min(deadline, time.monotonic() + 20)
    finally:
        if sipp.poll() is None:
            sipp.kill()
        sipp.wait()
    final = last_stats(stats)
    outcome.failed = int(final.get("FailedCall(C)", "0") or 0)
    outcome.successful = int(final.get("SuccessfulCall(C)", "0") or 0)
    return outcome


def run_trial(platform: Platform, workdir: Path, number: str, rate: int, seconds: int,
              with_rtp: bool) -> TrialResult:
    """One sipp run under a loopback capture; the figures come from the capture."""
    name = f"{number}-{rate}cps-{time.strftime('%H%M%S')}"
    pcap, stats = workdir / f"{name}.pcap", workdir / f"{name}.csv"
    sip, (low, high) = platform.sip_port, RTP_RANGE
    bpf = f"udp and (port {sip} or src portrange {low}-{high})" if with_rtp else f"udp port {sip}"
    command = sipp_command(sip, workdir / "scenario.xml", stats, number, rate, rate * seconds)
    cpu_before, started = platform.cpu_seconds(), time.monotonic()
    with Capture(pcap, bpf) as capture:
        outcome = run_sipp(command, stats, rate, limit=seconds + 90)
    cpu = {name: (used - cpu_before[name]) / (time.monotonic() - started)
           for name, used in platform.cpu_seconds().items()}
    trace = trace_calls(read_udp(pcap), sip, RTP_RANGE)
    pcap.unlink()
    calls = list(trace.calls.values())
    answers = [c.answer_delay for c in calls if c.answer_delay is not None]
    rtps = [c.rtp_delay for c in calls if c.rtp_delay is not None]
    invites = sorted(c.invite for c in calls)
    span = invites[-1] - invites[0] if len(invites) > 1 else 0.0
    result = TrialResult(
        number=number, rate=rate, seconds=seconds, calls=len(calls),
        failed=max(outcome.failed, len(calls) - len(answers)),
        answer_p50=percentile(answers, 0.5), answer_p99=percentile(answers, 0.99),
        rtp_p50=percentile(rtps, 0.5) if with_rtp else None,
        rtp_p99=percentile(rtps, 0.99) if with_rtp else None,
        rtp_missing=len(answers) - len(rtps) if with_rtp else 0,
        achieved_rate=(len(invites) - 1) / span if span else 0.0,
        stopped_early=outcome.stopped_early, dropped_packets=capture.dropped,
        serve_cpu=cpu["serve"], asterisk_cpu=cpu["asterisk"])
    print(f"  {number} @ {rate:>3} cps x {seconds} s: {describe(result)}"
          + (f"; stopped early: {outcome.why_stopped}" if outcome.stopped_early else ""),
          flush=True)
    return result


def describe(t: TrialResult) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.1f} ms"
    text = (f"{t.calls} calls, {t.failed} failed, {t.achieved_rate:.1f} cps placed, "
            f"200 p50 {ms(t.answer_p50)} p99 {ms(t.answer_p99)}")
    if t.rtp_p50 is not None:
        text += f", 1st RTP p50 {ms(t.rtp_p50)} p99 {ms(t.rtp_p99)} ({t.rtp_missing} none)"
    text += f", CPU serve {t.serve_cpu:.0%} Asterisk {t.asterisk_cpu:.0%} of a core"
    if t.dropped_packets:
        text += f", capture dropped {t.dropped_packets} packets"
    return text


@dataclass
class Plan:
    """How long and how fine the run is; ``--quick`` shrinks it to a smoke run."""

    fixed_rates: tuple[int, ...]
    fixed_seconds: int
    search_seconds: int
    start_rate: int
    ceiling: int
    precision: float  #: stop bisecting once the bracket is this share of the rate


def find_sustained(platform: Platform, workdir: Path, number: str,
                   plan: Plan) -> tuple[int, list[TrialResult]]:
    """Double the rate until a trial fails, then bisect; the best rate that held."""
    trials: list[TrialResult] = []

    def holds(rate: int) -> bool:
        platform.drain()
        trials.append(run_trial(platform, workdir, number, rate, plan.search_seconds, False))
        return trials[-1].sustained(MAX_ANSWER_P99)

    good, bad, rate = 0, 0, plan.start_rate
    while not bad:
        if not holds(rate):
            bad = rate
        elif rate >= plan.ceiling:
            return rate, trials
        else:
            good, rate = rate, min(rate * 2, plan.ceiling)
    while bad - good > max(2, good * plan.precision):
        middle = (good + bad) // 2
        if holds(middle):
            good = middle
        else:
            bad = middle
    return good, trials


def measure(platform: Platform, workdir: Path, plan: Plan, m: Measurements) -> None:
    """Warm up, the fixed rates (numbers interleaved), then the sustained-rate search."""
    for number in NUMBERS:
        platform.drain()
        run_trial(platform, workdir, number, 5, 4, True)  # warm-up, not recorded
    print(f"Fixed rates, {plan.fixed_seconds} s each:", flush=True)
    for rate in plan.fixed_rates:
        for number in NUMBERS:
            platform.drain()
            m.fixed.append(run_trial(platform, workdir, number, rate, plan.fixed_seconds, True))
    for number in NUMBERS:
        print(f"Sustained rate of {number}, {plan.search_seconds} s trials:", flush=True)
        m.sustained[number], m.search[number] = find_sustained(platform, workdir, number, plan)
    platform.drain()


def profile_serve(platform: Platform, workdir: Path, rate: int, seconds: int) -> None:
    """Calls to 5000 at ``rate`` while py-spy samples serve; print where its time goes."""
    assert platform.process is not None
    for number in NUMBERS:  # warm-up, as in a measuring run
        platform.drain()
        run_trial(platform, workdir, number, 5, 4, True)
    platform.drain()
    output = workdir / f"serve-{rate}cps.collapsed"
    recorder = start_recording(platform.process.pid, seconds, output)
    try:
        run_trial(platform, workdir, PLATFORM_IVR, rate, seconds, False)
        recorder.wait(seconds + 30)
    finally:
        if recorder.poll() is None:
            recorder.kill()
            recorder.wait()
    print(render_profile(read_profile(output)))
    print(f"Collapsed stacks: {output}")


def versions(platform: Platform) -> tuple[str, str]:
    """Asterisk's version (from its CLI) and sipp's."""
    asterisk = " ".join(platform.asterisk.rx("core show version").split()[:2])
    sipp = subprocess.run(["sipp", "-v"], capture_output=True, text=True, check=False)
    words = [w for w in (sipp.stdout + sipp.stderr).split() if w.startswith("v")]
    return asterisk, words[0].rstrip(".") if words else "unknown"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short trials: a smoke run")
    parser.add_argument("--fixed-seconds", type=int, help="length of the 10 and 50 cps runs")
    parser.add_argument("--trial-seconds", type=int, help="length of a sustained-rate trial")
    parser.add_argument("--ceiling", type=int, default=400, help="highest rate to try")
    add_docs_option(parser, ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder in /tmp")
    parser.add_argument("--profile", type=int, metavar="CPS",
                        help="instead of measuring, profile serve under calls to 5000 at CPS")
    args = parser.parse_args()
    if args.write_docs and (args.quick or args.profile):
        parser.error("--write-docs takes a full run's figures: not with --quick or --profile")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    return Plan(fixed_rates=(10, 50),
                fixed_seconds=args.fixed_seconds or (8 if quick else 30),
                search_seconds=args.trial_seconds or (12 if quick else 60),
                start_rate=50, ceiling=args.ceiling, precision=0.25 if quick else 0.1)


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    plan = make_plan(args)
    workdir = Path(tempfile.mkdtemp(prefix="cc-bench-ivr-"))
    write_rtp_pcap(workdir / "hello.pcap", CALLER_AUDIO_FRAMES)
    (workdir / "scenario.xml").write_text(SCENARIO.format(
        caller=CALLER, pause_ms=CALL_SECONDS * 1000, audio=workdir / "hello.pcap"))
    platform = Platform(workdir, ROOT / "config" / "demo.yaml")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # also when started in "&"
        signal.signal(signum, interrupt)
    command = " ".join([".venv/bin/python", "bench/bench_ivr_asterisk.py", *sys.argv[1:]])
    ok = False
    try:
        print(f"Starting the platform (work folder {workdir})", flush=True)
        platform.start()
        if args.profile:
            profile_serve(platform, workdir, args.profile, plan.search_seconds)
            args.keep = True
            return 0
        m = Measurements(command=command, date=time.strftime("%Y-%m-%d %H:%M %Z"),
                         machine=machine_facts(*versions(platform)),
                         max_answer_p99=MAX_ANSWER_P99)
        measure(platform, workdir, plan, m)
        ok = True
    except KeyboardInterrupt:
        print("Interrupted: stopping the platform", flush=True)
        return 130
    finally:
        platform.stop()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Work folder kept: {workdir}", flush=True)
    note = (f"3-second calls for {plan.fixed_seconds} s at each rate; delays from the "
            "INVITE on the wire to Asterisk's 200 OK and to its first RTP packet.")
    section = render_markdown(m, note)
    print("\n" + render_text(m) + "\n\nMarkdown:\n\n" + section)
    if args.write_docs:
        write_docs(args.write_docs, section)
        print(f"Wrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

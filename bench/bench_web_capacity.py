"""How many simultaneous web calls this machine carries with audio flowing, against the
same number of plain SIP calls.

Starts ``contactcenter serve`` (its managed Asterisk) on free loopback ports with one
queue (``support``) and as many auto-answering baresip agents as the largest level
(each sends a 1500 Hz tone). At each level N, two trials, one path each:

- web: N calls from headless Chromium, as the help page's button places them (a grant,
  then JsSIP over the SIP WebSocket: DTLS-SRTP, ICE, Opus), each sending a 700 Hz tone
  from the fake microphone;
- sip: N sipp calls to 7000 (a one-node flow into the same queue), G.711 u-law over
  plain RTP, each sending the same tone.

Calls are placed 10 per second. Once all N are bridged to agents, and 3 s later, the
bench reads each call's RTP counters from Asterisk (ARI's ``rtp_statistics``, the
same for both paths) and, for web calls, the browser's own (``getStats``), then again
``--window`` seconds on. The agents' phones then hang up. A level is *carried* when
every call was bridged and every call, in every direction, delivered at least 97 % of
its 20 ms frames with under 1 % loss, jitter under 20 ms and (web) under 3 % of the
played audio concealed. The web path stops at its first level not carried; the SIP
path is measured at the same levels. CPU: each part's CPU time over the window, in
cores (Asterisk, serve, the callers: Chromium or sipp, the agents' baresips), and the
whole machine's.

    .venv/bin/python bench/bench_web_capacity.py [--levels 10,20,40,60] [--window 20]

Needs sipp, baresip, Chromium (Debian's) and Playwright.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from capacity_trial import Rig, verdict
from web_capacity_setup import write_settings

LEVELS = (10, 20, 40, 60)


def report(results: list[dict[str, object]]) -> str:
    lines = [("| path | codecs (caller/agent) | calls | bridged | dropped | worst delivered % | worst loss % | jitter p50 / max ms "
              "| browser concealed max % | CPU Asterisk | CPU serve | CPU callers "
              "| CPU agents | machine busy | carried |"),
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(
            f"| {r['path']} | {r['codecs']} | {r['calls']} | {r['bridged']} | {r['dropped']} | {r['delivered']} | "
            f"{r['loss']} | {r['jitter']} | {r['concealed']} | {r['cpu_asterisk']} | "
            f"{r['cpu_serve']} | {r['cpu_callers']} | {r['cpu_agents']} | "
            f"{r['machine']} | {r['verdict']} |")
    return "\n".join(lines)


async def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, object]]:
    settings = write_settings(workdir, ROOT / "config/demo.yaml", max(args.levels))
    rig = Rig(workdir, settings, max(args.levels), args.window)
    results: list[dict[str, object]] = []
    await rig.start()
    try:
        web_failed = False
        for level in args.levels:
            for path in ("web", "sip"):
                if path == "web" and web_failed:
                    continue
                print(f"  {path}: {level} calls", flush=True)
                result = await rig.trial(path, level)
                result["verdict"] = verdict(result)
                print(f"    {json.dumps(result)}", flush=True)
                results.append(result)
                web_failed = web_failed or (path == "web" and result["verdict"] != "yes")
    finally:
        await rig.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)),
                        type=lambda text: [int(v) for v in text.split(",")])
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-web-capacity-")
    try:
        results = asyncio.run(run(args, Path(folder)))
    finally:
        if args.keep:
            print(f"work folder: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

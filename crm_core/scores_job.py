"""A scores run in a process of its own, at a lower CPU priority: what ``serve``'s schedule
starts, so that the run's Python work (the selects' rows, the fits' glue) never holds the
interpreter lock the calls' event loop needs.

    CC_SCORES_DATABASE_URL=... python -m crm_core.scores_job --as-of 2026-11-20 \\
        [--horizon-days 365] [--window-days 90] [--now 2026-11-20T06:00:00+00:00]

Run in-process, a recompute on 50,000 customers stalled the loop for up to half a second
(bench/bench_scores_loop.py). The database URL comes in the environment, not the
arguments, so that its password shows in no process list. The child prints the run
(``ScoreRun.as_json``) on stdout and exits 0; too little history exits ``NOT_ENOUGH``,
any other analysis error (no model fits) ``NO_FIT``, each with the message on stderr; anything else
exits 1 with its traceback there (Python's own exit for an uncaught error).

``recompute_in_child`` is the parent's side: it starts the child, waits for it without
blocking the loop, turns its exit back into the exceptions ``recompute_scores`` raises,
and stops it (terminate, then kill) when the waiting task is cancelled.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.errors import AnalyticsError, NotEnoughData
from crm_core.db import make_engine
from crm_core.scores import WINDOW_DAYS, ScoreRun, recompute_scores

URL_VARIABLE = "CC_SCORES_DATABASE_URL"
#: the child's niceness increment, the lowest priority there is: the calls, the engine
#: and the web answer first, the scores take what is left
NICE = 19
#: one thread per math library in the child: its fits are sized for one (``one_thread``),
#: and idle pool threads spinning for work would take cores from the calls
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS")}
NOT_ENOUGH, NO_FIT = 3, 4
#: seconds a terminated child has to exit before it is killed
GRACE = 5.0


class ScoresJobFailed(RuntimeError):
    """The child ended without a run, for a reason other than the data."""


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crm_core.scores_job")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--horizon-days", type=int, default=365)
    parser.add_argument("--window-days", type=int, default=WINDOW_DAYS)
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None)
    return parser.parse_args(argv)


async def _run(url: str, options: argparse.Namespace) -> ScoreRun:
    engine = make_engine(url)
    try:
        return await recompute_scores(engine, as_of=options.as_of, now=options.now,
                                      horizon_days=options.horizon_days,
                                      window_days=options.window_days)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """The child: one run, its JSON on stdout; the exit status says how it ended."""
    options = _arguments(argv)
    url = os.environ.get(URL_VARIABLE)
    if not url:
        print(f"{URL_VARIABLE} is not set", file=sys.stderr)
        return 2
    os.nice(NICE)
    try:
        run = asyncio.run(_run(url, options))
    except NotEnoughData as exc:
        print(exc, file=sys.stderr)
        return NOT_ENOUGH
    except AnalyticsError as exc:  # no model fits, or data it cannot take
        print(exc, file=sys.stderr)
        return NO_FIT
    print(json.dumps(run.as_json()))
    return 0


def _command(as_of: dt.date, horizon_days: int, window_days: int,
             now: dt.datetime | None) -> list[str]:
    command = [sys.executable, "-m", "crm_core.scores_job", "--as-of", as_of.isoformat(),
               "--horizon-days", str(horizon_days), "--window-days", str(window_days)]
    return command if now is None else [*command, "--now", now.isoformat()]


async def _stop(child: asyncio.subprocess.Process) -> None:
    """Terminate, then kill after ``GRACE`` seconds; reaped either way."""
    if child.returncode is not None:
        return
    child.terminate()
    try:
        await asyncio.wait_for(child.wait(), GRACE)
    except TimeoutError:
        child.kill()
        await child.wait()


def _outcome(status: int, out: bytes, err: bytes) -> ScoreRun:
    message = err.decode(errors="replace").strip()
    if status == 0:
        return ScoreRun.from_json(json.loads(out))
    if status == NOT_ENOUGH:
        raise NotEnoughData(message)
    if status == NO_FIT:
        raise AnalyticsError(message)
    raise ScoresJobFailed(f"the scores' process exited with status {status}: "
                          f"{message[-2000:] or 'no message'}")


async def recompute_in_child(engine: AsyncEngine, *, as_of: dt.date,
                             now: dt.datetime | None = None, horizon_days: int = 365,
                             window_days: int = WINDOW_DAYS) -> ScoreRun:
    """``recompute_scores`` on ``engine``'s database, run by a child process."""
    environment = {**os.environ, **ONE_THREAD,
                   URL_VARIABLE: engine.url.render_as_string(hide_password=False)}
    child = await asyncio.create_subprocess_exec(
        *_command(as_of, horizon_days, window_days, now), env=environment,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await child.communicate()
    except BaseException:  # cancelled (serve stopping) or anything else: no orphan
        await asyncio.shield(_stop(child))
        raise
    assert child.returncode is not None
    return _outcome(child.returncode, out, err)


if __name__ == "__main__":
    sys.exit(main())

"""The platform on the Twilio driver, in a process of its own, for the webhook benchmark.

``serve``'s wiring (``_wire``: engine, IVR flows, ACD, call control, CRM on SQLite in a
temporary folder, the web app with the webhook routes) on the demo's flows, queues and
agents, with REST requests going to ``--api-base`` (the load generator's stand-in of
Twilio's API). Run by ``bench_twilio_webhooks.py``; it prints ``ready`` once it listens.

Besides the webhooks it answers two routes of its own, open like the webhooks:

- ``GET /bench/stats`` (``?reset=1`` to start over): where the time went since the last
  reset, summed per phase (signature check, translation, the engine's callback, the wait
  for the call's document, the settle), the requests served and the process's CPU time.
- ``GET /bench/trace``: the driver events handed to the engine since the last reset,
  with their times (pickled), for the engine-alone replay (``twilio_replay.py``).

The phases are timed by wrapping the driver's parts from outside; nothing in the driver
changes. ``--settle`` sets the driver's settle time (a constructor argument that the
settings do not expose); ``--answer-within`` is the ``twilio.answer_within`` setting, ``--quiet`` the driver's
wait for a document after a key (gather, park), another constructor argument. The stats also count the
event loop's stalls (busy, or the process not running) and the collector's pauses, and
``--profile PATH`` writes cProfile's statistics of the whole run.

    python bench/twilio_platform.py --port 8099 --api-base http://127.0.0.1:8098
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import pickle
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from aiohttp import web

from contactcenter.config.settings import Settings, load_settings
from contactcenter.server.assembled import assembled
from contactcenter.server.heap import settle_after_start
from contactcenter.telephony.twilio import driver as driver_module
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.web.security import OPEN_ROUTES
from tests.unit.twilio_fake_api import demo_on_twilio


def write_config(folder: Path, api_base: str, answer_within: float) -> Path:
    """The demo's settings on Twilio, this folder's state (the tests' own)."""
    return demo_on_twilio(folder, api_base, answer_within=answer_within)


class Meter:
    """Seconds and counts per phase, the trace of engine events, since the last reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.trace: list[tuple[float, Any]] = []
        self.cpu_start = time.process_time()
        self.wall_start = time.perf_counter()

    def add(self, phase: str, seconds: float) -> None:
        self.seconds[phase] += seconds
        self.counts[phase] += 1

    def report(self) -> dict[str, Any]:
        return {"seconds": dict(self.seconds), "counts": dict(self.counts),
                "cpu": time.process_time() - self.cpu_start,
                "wall": time.perf_counter() - self.wall_start, "events": len(self.trace)}


def instrument(driver: TwilioDriver, meter: Meter) -> None:
    """Time the driver's phases from outside (wrappers; the driver's code is unchanged)."""
    verify, translate = driver.verify, driver_module.translate_webhook
    on_event, wait = driver._on_event, driver._wait_for_document

    def timed_verify(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return verify(*args, **kwargs)
        finally:
            meter.add("signature", time.perf_counter() - started)

    def timed_translate(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return translate(*args, **kwargs)
        finally:
            meter.add("translate", time.perf_counter() - started)

    def timed_event(event: Any) -> None:
        started = time.perf_counter()
        meter.trace.append((time.monotonic(), event))
        try:
            on_event(event)
        finally:
            meter.add("engine_callback", time.perf_counter() - started)

    async def timed_wait(hook: Any, waiting: Any) -> None:
        started = time.perf_counter()
        given = asyncio.ensure_future(waiting.given.wait())

        def document_came(done: asyncio.Future[Any]) -> None:
            if not done.cancelled():
                meter.add("to_document", time.perf_counter() - started)

        given.add_done_callback(document_came)
        try:
            await wait(hook, waiting)
        finally:
            given.cancel()
            phase = "held_with_document" if waiting.given.is_set() else "held_without"
            meter.add(phase, time.perf_counter() - started)

    driver.verify = timed_verify  # type: ignore[method-assign]
    driver_module.translate_webhook = timed_translate  # type: ignore[assignment]
    driver._on_event = timed_event
    driver._wait_for_document = timed_wait  # type: ignore[method-assign]


def instrument_rest(driver: TwilioDriver, meter: Meter) -> None:
    """Time the REST requests the driver sends (once started: the sender is made then)."""
    assert driver.sender is not None
    send = driver.sender.send

    async def timed_send(request: Any) -> Any:
        started = time.perf_counter()
        try:
            return await send(request)
        finally:
            meter.add("rest", time.perf_counter() - started)

    driver.sender.send = timed_send  # type: ignore[method-assign]


async def watch_loop(meter: Meter, every: float = 0.010, late: float = 0.020) -> None:
    """Stalls of the event loop: a tick more than ``late`` behind is one; whether the
    process was running meanwhile (its CPU time moved: work or the collector) or was
    not (the machine ran something else) tells the two apart."""
    loop = asyncio.get_running_loop()
    while True:
        due, cpu = loop.time() + every, time.process_time()
        await asyncio.sleep(every)
        behind = loop.time() - due
        if behind > late:
            busy = (time.process_time() - cpu) / (behind + every)
            meter.add("stall_busy" if busy >= 0.5 else "stall_descheduled", behind)
            meter.seconds["stall_max"] = max(meter.seconds["stall_max"], behind)


def watch_collector(meter: Meter) -> None:
    """The cyclic garbage collector's pauses, by generation (they stop the loop)."""
    started = [0.0]

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            meter.add(f"gc_gen{info['generation']}", time.perf_counter() - started[0])

    gc.callbacks.append(collected)


def timing_middleware(meter: Meter) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def timed(request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                    ) -> web.StreamResponse:
        if not request.path.startswith("/twilio/"):
            return await handler(request)
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            meter.add("request", time.perf_counter() - started)

    return timed


def bench_routes(app: web.Application, meter: Meter) -> None:
    async def stats(request: web.Request) -> web.Response:
        report = meter.report()
        if request.query.get("reset"):
            meter.reset()
        return web.json_response(report)

    async def trace(_request: web.Request) -> web.Response:
        return web.Response(body=pickle.dumps(meter.trace))

    open_routes = app.setdefault(OPEN_ROUTES, set())
    for route in app.router.add_routes([web.get("/bench/stats", stats),
                                        web.get("/bench/trace", trace)]):
        assert route.resource is not None
        open_routes.add((route.method, route.resource.canonical))


async def wired(settings: Settings, folder: Path) -> tuple[Any, TwilioDriver, web.Application,
                                                           Callable[[], Awaitable[None]]]:
    """``serve``'s engine, driver and app with what ``serve`` runs beside the calls (the
    ACD's rings, announcements and music, the CRM outbox, the screen-pops, the call gate,
    call control), and what closes them."""
    stack = contextlib.AsyncExitStack()
    platform = await stack.enter_async_context(assembled(settings, background=True))
    # serve's drivers may sit behind a router of engines (by number): Twilio's is the one
    router = platform.router
    driver = router if isinstance(router, TwilioDriver) \
        else router.drivers["twilio"]  # type: ignore[union-attr]
    assert isinstance(driver, TwilioDriver), type(driver)
    return platform.engine, driver, platform.app, stack.aclose


async def serve(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="cc-bench-twilio-") as folder:
        settings = load_settings(write_config(Path(folder), args.api_base, args.answer_within),
                                 environ={})
        _engine, driver, app, close = await wired(settings, Path(folder))
        driver.waits.settle = args.settle  # the constructor's argument; no setting has it
        if args.quiet is not None:  # a key's wait when the engine cannot tell, likewise
            driver.waits.quiet = min(args.quiet, args.answer_within)
        if args.fixed_waits:  # the driver as it was: fixed waits, the engine not asked
            driver.waits.settled = None
        meter = Meter()
        instrument(driver, meter)
        app.middlewares.insert(0, timing_middleware(meter))
        bench_routes(app, meter)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await driver.start()  # before the app listens, as serve does
        instrument_rest(driver, meter)
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        settle_after_start()  # as serve does: the start's objects out of the collector
        watcher = asyncio.ensure_future(watch_loop(meter))
        watch_collector(meter)
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        print("ready", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.profile)
            watcher.cancel()
            await runner.cleanup()
            await driver.stop()
            await close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--answer-within", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=0.05)
    parser.add_argument("--fixed-waits", action="store_true",
                        help="answer after fixed waits, not once the engine has settled")
    parser.add_argument("--quiet", type=float,
                        help="how long a key's webhook waits for a document (the driver's "
                             "quiet; default: the driver's own, 0.25 s)")
    parser.add_argument("--profile", help="write cProfile's statistics here at the end")
    args = parser.parse_args()
    import logging
    logging.basicConfig(level=logging.ERROR)  # the load's warnings would be the figures' cost
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()

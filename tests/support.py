"""Helpers the test suites share: free loopback ports and required tools.

With ``CI=true`` a missing tool or service fails the test instead of skipping
it, so that a CI run can never pass by testing less.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import shutil
import socket
from collections.abc import Awaitable, Callable
from typing import NoReturn

import pytest

from contactcenter.telephony.sim.virtual import VirtualTimeLoop

HOST = "127.0.0.1"
_handed_out: set[int] = set()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> NoReturn:
    """Skip for a missing tool or service; in CI, fail."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: nothing may be skipped for a missing tool)")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """The path of a program the test needs."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed")
    return path


def _is_free(port: int) -> bool:
    """Free for TCP and UDP alike: SIP is UDP, ARI and AMI are TCP."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                return False
    return True


def free_port() -> int:
    """A loopback port free for TCP and UDP, not handed out before in this run."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        if port not in _handed_out and _is_free(port):
            _handed_out.add(port)
            return port


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports."""
    return [free_port() for _ in range(count)]


def free_port_range(size: int, low: int = 20000, high: int = 60000) -> tuple[int, int]:
    """(first, last) of ``size`` consecutive free UDP ports, e.g. for RTP."""
    for _ in range(200):
        start = random.randrange(low, high - size) & ~1  # RTP ports start even
        ports = range(start, start + size)
        if _handed_out.isdisjoint(ports) and all(_is_free(port) for port in ports):
            _handed_out.update(ports)
            return start, start + size - 1
    raise RuntimeError(f"no {size} consecutive free ports between {low} and {high}")


async def until(condition: Callable[[], bool | Awaitable[bool]], seconds: float = 10.0,
                what: str = "condition not met in time", every: float = 0.02) -> None:
    """Wait, polling, until ``condition()`` holds (awaited if it is a coroutine, such as a
    database or API read); fail, saying ``what``, once ``seconds`` have passed (on the
    loop's clock: monotonic time, or a virtual clock's)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        assert loop.time() < deadline, what
        await asyncio.sleep(every)


async def elapse(seconds: float) -> None:
    """On a virtual clock only (``@pytest.mark.virtual_time``): let ``seconds`` of call time
    pass, everything due in them happening, for a test that something does *not* happen.
    Refused on a real clock, where it would be a sleep standing in for a condition."""
    loop = asyncio.get_running_loop()
    assert isinstance(loop, VirtualTimeLoop), "elapse() needs @pytest.mark.virtual_time"
    await asyncio.sleep(seconds)

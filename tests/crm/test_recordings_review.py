"""Recordings over the HTTP API, at their edges, on SQLite and PostgreSQL: every answer
that holds a recording's first byte is a play in the audit log, however the range was
written; ranges are answered as the RFC says and long files streamed; and a recording
that retention cannot delete is never logged as deleted."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contactcenter.recordings.retention import purge
from contactcenter.recordings.store import RecordingStore
from contactcenter.web.auth import Principal
from crm_core.db import sessions
from tests.crm import test_recording_access as access
from tests.crm.test_recording_access import Served, _audit

served = access.served  # the fixture: the app, its users, calls and recordings

OLD = time.time() - 40 * 86400


async def _plays(served: Served) -> int:
    return len(await _audit(served, "recording_play"))


@pytest.mark.parametrize("headers", [
    {"Range": "bytes=00-"},  # the first byte, written with a leading zero
    {"Range": "bytes=-16044"},  # the last N bytes, N the whole file
    {"Range": "bytes=-99999999"},  # more than the whole file
    {"Range": "bytes=0-1,5-6"},  # several ranges: ignored, the whole file
    {"Range": "bytes=abc"},  # malformed: ignored, the whole file
    {"Range": "items=0-"},  # another unit: ignored, the whole file
    {"Range": "bytes=100-", "If-Range": "Thu, 01 Jan 1970 00:00:00 GMT"},  # stale: all
])
async def test_every_answer_with_the_first_byte_is_a_play(
        served: Served, headers: dict[str, str]) -> None:
    link = await served.link("c1", "sue")
    whole = (served.folder / "call-c1.wav").read_bytes()
    assert len(whole) == 16044
    status, (data, _) = await served.get(link, "sue", **headers)
    assert status in (200, 206) and data[:4] == b"RIFF" and data == whole, headers
    assert await _plays(served) == 1, headers


async def test_a_seek_is_not_a_play_and_a_range_past_the_end_sends_nothing(
        served: Served) -> None:
    link = await served.link("c1", "sue")
    size = (served.folder / "call-c1.wav").stat().st_size
    status, _ = await served.get(link, "sue", Range=f"bytes={size}-")
    assert status == 416  # nothing sent: no play
    assert await _plays(served) == 0
    await served.get(link, "sue", Range="bytes=0-")  # the play
    for headers in ({"Range": "bytes=100-"}, {"Range": f"bytes={size}-"},
                    {"Range": "bytes=-0"}):
        status, (data, _) = await served.get(link, "sue", **headers)
        assert status in (206, 416) and data[:4] != b"RIFF", headers
    assert await _plays(served) == 1


async def test_a_link_s_first_fetch_is_a_play_from_any_byte(served: Served) -> None:
    """All but the first byte (a WAV's first byte is always "R") is the recording too."""
    link = await served.link("c1", "sue")
    whole = (served.folder / "call-c1.wav").read_bytes()
    status, (data, _) = await served.get(link, "sue", Range="bytes=1-")
    assert (status, data) == (206, whole[1:])
    assert await _plays(served) == 1
    await served.get(link, "sue", Range="bytes=5000-")  # seeking with it: the same play
    assert await _plays(served) == 1
    await served.get(await served.link("c1", "sue"), "sue", Range="bytes=1-")  # a new link
    assert await _plays(served) == 2


async def test_ranges_are_answered_as_the_rfc_says(served: Served) -> None:
    link = await served.link("c1", "agent101")
    whole = (served.folder / "call-c1.wav").read_bytes()
    size = len(whole)
    cases = {"bytes=-100": (206, whole[-100:], f"bytes {size - 100}-{size - 1}/{size}"),
             "bytes=0-0": (206, whole[:1], f"bytes 0-0/{size}"),
             f"bytes=10-{size * 2}": (206, whole[10:], f"bytes 10-{size - 1}/{size}"),
             "bytes=20-10": (200, whole, None),  # last before first: invalid, ignored
             f"bytes={size}-": (416, b"", f"bytes */{size}")}
    for rng, (expected, body, place) in cases.items():
        status, (data, headers) = await served.get(link, "agent101", Range=rng)
        assert (status, data, headers.get("Content-Range")) == (expected, body, place), rng
        assert headers["Cache-Control"] == "private, no-store", rng


async def test_a_long_recording_is_streamed_whole_and_in_parts(served: Served) -> None:
    big = os.urandom(5 * 1024 * 1024 + 17)  # a long call: many chunks, an odd tail
    (served.folder / "call-c1.wav").write_bytes(big)
    link = await served.link("c1", "agent101")
    status, (data, headers) = await served.get(link, "agent101")
    assert (status, data, headers["Content-Length"]) == (200, big, str(len(big)))
    status, (data, _) = await served.get(link, "agent101", Range="bytes=3000000-")
    assert (status, data) == (206, big[3000000:])


async def test_an_empty_recording_is_an_empty_answer(served: Served) -> None:
    (served.folder / "call-c1.wav").write_bytes(b"")  # a call whose file was just made
    link = await served.link("c1", "agent101")
    status, (data, _) = await served.get(link, "agent101")
    assert (status, data) == (200, b"")
    status, _ = await served.get(link, "agent101", Range="bytes=0-")
    assert status == 416  # no byte to start from (RFC 9110, 14.1.2)


@contextlib.contextmanager
def undeletable(path: Path) -> Iterator[bool]:
    """``path`` cannot be removed while inside: the file made immutable for root (who
    may remove files from any folder); for another user its whole folder read-only.
    Yields whether the others in the folder can still be removed."""
    if os.geteuid() != 0:
        path.parent.chmod(0o555)
        try:
            yield False
        finally:
            path.parent.chmod(0o755)
        return
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield True
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_a_recording_retention_cannot_delete_is_not_logged_as_deleted(
        served: Served) -> None:
    for name in ("call-c1.wav", "call-c3.wav"):
        os.utime(served.folder / name, (OLD, OLD))
    store, crm = RecordingStore(served.folder), sessions(served.engine)
    stuck = served.folder / "call-c1.wav"
    with undeletable(stuck) as alone:
        first = await purge(store, crm, days=30, now=time.time())
        again = await purge(store, crm, days=30, now=time.time())  # the next hour
    gone = ["call-c3"] if alone else []  # the others still go
    assert stuck.exists() and (served.folder / "call-c3.wav").exists() != alone
    assert (first.deleted, first.failed) == (len(gone), 2 - len(gone))
    assert (again.deleted, again.failed) == (0, 1) if alone else (0, 2)
    deletions = await _audit(served, "recording")
    assert [d.changes["recording"]["before"] for d in deletions] == gone
    status, body = await served.status("c1", "agent101")  # still there: still playable
    assert (status, body["status"]) == (200, "available")
    done = await purge(store, crm, days=30, now=time.time())  # once it can be deleted
    assert (done.deleted, done.failed) == (2 - len(gone), 0)
    status, body = await served.status("c1", "agent101")
    assert (status, body["status"]) == (200, "deleted")
    assert len(await _audit(served, "recording")) == 2


async def test_a_link_dies_with_its_session_and_with_its_user_s_right(served: Served) -> None:
    token = served.auth.issue(Principal("agent101", "agent", "agent101"), time.time())
    signed_in = {"Authorization": f"Bearer {token}"}
    async with served.client.get(f"/api/v1/interactions/{served.ids['c1']}/recording",
                                 headers=signed_in) as response:
        link = (await response.json())["url"]
    async with served.client.get(link, headers=signed_in) as response:
        assert response.status == 200
    claims = served.auth.claims(token, time.time(), kind="bearer")
    assert claims is not None
    served.auth.end(claims["sid"], claims["exp"], time.time())  # signed out
    async with served.client.get(link, headers=signed_in) as response:
        assert response.status == 401
    # a new session, after the user became sales staff: the old link plays no more
    link = await served.link("c1", "agent101")
    async with served.client.get("/api/v1/users?username=agent101",
                                 headers=served.headers("root")) as response:
        [user] = (await response.json())["items"]
    async with served.client.patch(f"/api/v1/users/{user['id']}", json={"role": "sales"},
                                   headers=served.headers("root")) as response:
        assert response.status == 200, await response.text()
    status, body = await served.get(link, "agent101")
    assert status == 403, body

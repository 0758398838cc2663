"""Call recordings in the browser: each recorded part of a call as a signed play link,
and the audio behind the link, for those who may hear it (``contactcenter.recordings``).

``GET /api/v1/interactions/{id}/recordings`` lists a call's parts (a transferred
call has one per agent), each with where it stands (``available`` with a link,
``deleted`` by retention, ``missing`` on this host), to someone who may hear the
call (an agent: one who took it under an agent id that was already theirs, as
agent ids are handed on to new hires), and 403 to anyone else;
``.../recordings/{part}`` is one part (a player's renewed link), ``.../recording``
the last one. ``GET
/api/v1/recordings/{link}`` serves the WAV: the signed link must be this user's,
unexpired, and the rule is checked again against the call, beside the session's
own role check. It answers ranges (206) so that an ``<audio>`` element seeks,
and is never cached (``private, no-store``). Each play (an answer with the first
byte, or a link's first fetch: ``contactcenter.recordings.plays``) goes to the audit
log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import stat
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from contactcenter.recordings.access import RecordedCall, RecordedPart, may_hear
from contactcenter.recordings.plays import FetchedLinks
from contactcenter.recordings.ranges import Span, Unsatisfiable, span_of
from contactcenter.recordings.store import RecordingStore
from contactcenter.recordings.tokens import LINK_LIFETIME, Grant, PlayLinks
from contactcenter.web.auth import Principal
from contactcenter.web.http import BadInput
from contactcenter.web.keys import DATABASE, PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes
from crm_core.recordings import deleted_parts, record_play, recorded_call, recorded_parts

MAX_ID = 2**31 - 1
REFUSED = ("only the agents who took the call (under an agent id that was theirs by "
           "then), the supervisors of its queue or of its agents, and admins may hear its "
           "recording")


@dataclass
class Recordings:
    """What the routes need: the folder (None: no recordings on this host) and the key."""

    store: RecordingStore | None
    links: PlayLinks
    clock: Callable[[], float] = field(default=time.time)
    #: the links fetched already: a link's first fetch is a play, its later ones seeks
    fetched: FetchedLinks = field(default_factory=FetchedLinks)


RECORDINGS = web.AppKey("recordings", Recordings)


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def status_of(recordings: Recordings, principal: Principal, call: RecordedCall,
              part: RecordedPart, deleted: dt.datetime | None) -> dict[str, Any]:
    """Where one part of the call stands, with a link made for ``principal``."""
    about = {"part": part.part, "name": part.name, "agent": part.agent, "queue": part.queue,
             "started_at": part.started_at}
    found = recordings.store.find(part.name) if recordings.store is not None else None
    if found is not None:
        expires = recordings.clock() + LINK_LIFETIME
        grant = Grant(principal.username, call.interaction_id, part.name, expires)
        return {"status": "available", "url": recordings.links.url(grant),
                "expires_at": _iso(expires), "bytes": found.size, "type": "audio/wav",
                **about}
    if deleted is not None:
        return {"status": "deleted", "reason": "retention", "deleted_at": deleted.isoformat(),
                **about}
    return {"status": "missing", **about}


async def _statuses(request: web.Request, call: RecordedCall) -> list[dict[str, Any]]:
    """Each part of the call, first to last, as ``status_of`` says."""
    deleted = (await deleted_parts(request.app[DATABASE], [call.interaction_id])).get(
        call.interaction_id, {})
    return [status_of(request.app[RECORDINGS], request[PRINCIPAL], call, part,
                      deleted.get(part.name)) for part in call.parts]


async def _call(request: web.Request, interaction_id: int) -> RecordedCall:
    """The call whose recordings the principal may hear; 404 or 403 otherwise."""
    row = None if interaction_id > MAX_ID else await recorded_call(request.app[DATABASE],
                                                                   interaction_id)
    if row is None:
        raise BadInput(404, f"interaction {interaction_id} has no recording")
    call = RecordedCall.of(row)
    if not may_hear(request[PRINCIPAL], call, scopes(request)):
        raise BadInput(403, REFUSED)
    return call


async def recording_of(request: web.Request) -> web.Response:
    """The call's last part (a call recorded once: its recording)."""
    call = await _call(request, int(request.match_info["id"]))
    return web.json_response((await _statuses(request, call))[-1])


async def recordings_of(request: web.Request) -> web.Response:
    call = await _call(request, int(request.match_info["id"]))
    return web.json_response({"interaction_id": call.interaction_id,
                              "parts": await _statuses(request, call)})


async def part_of(request: web.Request) -> web.Response:
    call = await _call(request, int(request.match_info["id"]))
    number = int(request.match_info["part"])
    for status in await _statuses(request, call):
        if status["part"] == number:
            return web.json_response(status)
    raise BadInput(404, f"the call has no recorded part {number}")


async def play(request: web.Request) -> web.StreamResponse:
    recordings, principal = request.app[RECORDINGS], request[PRINCIPAL]
    now = recordings.clock()
    grant = recordings.links.check(request.match_info["link"], username=principal.username,
                                   now=now)
    if grant is None:
        raise BadInput(403, "this link is not yours, or it has expired: open the call's "
                            "recording again for a new one", "link")
    call = await _call(request, grant.interaction_id)
    found = recordings.store.find(grant.recording) if recordings.store is not None else None
    if call.named(grant.recording) is None or found is None:
        deleted = await deleted_parts(request.app[DATABASE], [call.interaction_id])
        if grant.recording in deleted.get(call.interaction_id, {}):
            raise BadInput(410, "the recording was deleted by retention")
        raise BadInput(404, "the recording is not on this host")
    return await serve_audio(request, found.path, found.name,
                             lambda span: _log_play(request, call, grant, span, now))


async def serve_audio(request: web.Request, path: Path, name: str,
                      played: Callable[[Span], Awaitable[None]]) -> web.StreamResponse:
    """A recording's file as the request's range asks (416 past its end), once
    ``played`` has been told which bytes go (it logs the play, or refuses)."""
    fd = _open(path)
    try:
        size = os.fstat(fd).st_size
        try:
            span = span_of(request.headers.get("Range"), size,
                           conditional="If-Range" in request.headers)
        except Unsatisfiable:
            return web.Response(status=416, headers=_HEADERS | {
                "Content-Range": f"bytes */{size}"})
        await played(span)
        return await _send(request, fd, span, name)
    finally:
        os.close(fd)


async def _log_play(request: web.Request, call: RecordedCall, grant: Grant, span: Span,
                    now: float) -> None:
    """An answer with the first byte, or a link's first fetch, is a play
    (``contactcenter.recordings.plays``); a seek with the same link is not."""
    fetched, link = request.app[RECORDINGS].fetched, request.match_info["link"]
    first = fetched.first(link, expires=grant.expires, now=now)
    if not (first or span.from_start):
        return
    try:
        await record_play(request.app[DATABASE], username=grant.username,
                          interaction_id=call.interaction_id, recording=grant.recording,
                          call_id=call.call_id, now=dt.datetime.fromtimestamp(now, dt.UTC))
    except BaseException:
        if first:
            fetched.forget(link)
        raise


#: the audio's own headers: never kept by a browser or a proxy
_HEADERS = {"Cache-Control": "private, no-store", "Accept-Ranges": "bytes"}
#: bytes read and sent at a time: a long call is streamed, never read whole
CHUNK = 64 * 1024


def _open(path: Path) -> int:
    """The recording's file, opened without following a link put there since it was
    found; 404 when it is gone or not a plain file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        raise BadInput(404, "the recording is not on this host") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadInput(404, "the recording is not on this host")
    return fd


async def _send(request: web.Request, fd: int, span: Span, name: str) -> web.StreamResponse:
    """The span's bytes, a chunk at a time (206 with its place for a range)."""
    response = web.StreamResponse(status=206 if span.partial else 200, headers=_HEADERS | {
        "Content-Type": "audio/wav", "Content-Disposition": f'inline; filename="{name}.wav"'})
    if span.partial:
        response.headers["Content-Range"] = f"bytes {span.first}-{span.last}/{span.size}"
    response.content_length = span.length
    await response.prepare(request)
    offset, left = span.first, span.length
    while left > 0:
        chunk = await asyncio.to_thread(os.pread, fd, min(CHUNK, left), offset)
        if not chunk:
            break  # the file shrank under us: the answer ends short, as its length says
        await response.write(chunk)
        offset, left = offset + len(chunk), left - len(chunk)
    await response.write_eof()
    return response


async def annotate(request: web.Request, items: list[dict[str, Any]]) -> None:
    """Timeline entries of calls with a recording get ``recording_parts`` (each part's
    status and link, first to last) and ``recording_play`` (the last part's) for
    whoever may hear the call; for anyone else the entry says nothing of them."""
    recordings = request.app.get(RECORDINGS)
    items = [item for item in items
             if item.get("kind") == "interaction" and item.get("recording")]
    if recordings is None or not items:
        return
    parts = await recorded_parts(request.app[DATABASE], items)
    principal, scope = request[PRINCIPAL], scopes(request)
    calls = [(item, RecordedCall.of({**item, "parts": parts.get(int(item["id"]))}))
             for item in items]
    heard = [(item, call) for item, call in calls if may_hear(principal, call, scope)]
    deleted = await deleted_parts(request.app[DATABASE],
                                  [call.interaction_id for _, call in heard])
    for item, call in heard:
        gone = deleted.get(call.interaction_id, {})
        item["recording_parts"] = [status_of(recordings, principal, call, part,
                                             gone.get(part.name)) for part in call.parts]
        item["recording_play"] = item["recording_parts"][-1]


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PART = {"name": "part", "in": "path", "required": True, "schema": {"type": "integer"},
         "description": "1 for the call's first recorded part"}
_LINK = {"name": "link", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "the signed link's last part, from the call's recording status"}
_STATUS = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["available", "deleted", "missing"]},
    "url": {"type": "string", "description": "the play link (available): this user's, "
            f"for {LINK_LIFETIME // 60} minutes"},
    "expires_at": {"type": "string"}, "bytes": {"type": "integer"},
    "type": {"type": "string"}, "reason": {"type": "string"},
    "deleted_at": {"type": "string"}, "part": {"type": "integer"},
    "name": {"type": "string"},
    "agent": {"type": "string", "nullable": True, "description": "who had the call"},
    "queue": {"type": "string", "nullable": True},
    "started_at": {"type": "string", "nullable": True}}}
_PARTS = {"type": "object", "required": ["parts"], "properties": {
    "interaction_id": {"type": "integer"}, "parts": {"type": "array", "items": _STATUS}}}
_WAV = {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}
_FOR = "only for the agents who took the call, their supervisors and admins"
OPERATIONS: dict[str, dict[str, Any]] = {
    "parts": {"summary": "Every recorded part of a call (one per agent who had it), first "
                         f"to last, each as the call's recording below; {_FOR}",
              "tags": ["recordings"], "parameters": [_ID],
              "responses": {"200": json_content(_PARTS), "403": ERROR, "404": ERROR}},
    "part": {"summary": f"One recorded part of a call, as the call's recording; {_FOR}",
             "tags": ["recordings"], "parameters": [_ID, _PART],
             "responses": {"200": json_content(_STATUS), "403": ERROR, "404": ERROR}},
    "status": {"summary": "A call's (last) recording: available with a signed play link, deleted "
                          "by retention, or missing; only for the agents who took the call, "
                          "their supervisors and admins",
               "tags": ["recordings"], "parameters": [_ID],
               "responses": {"200": json_content(_STATUS), "403": ERROR, "404": ERROR}},
    "play": {"summary": "The recording's audio (WAV) behind a signed play link; answers "
                        "ranges", "tags": ["recordings"], "parameters": [_LINK],
             "responses": {"200": {"description": "the WAV", **_WAV},
                           "206": {"description": "the range asked for", **_WAV},
                           "403": ERROR, "404": ERROR, "410": ERROR,
                           "416": {"description": "a range beyond the file's end"}}},
}


def add_recording_routes(app: web.Application, store: RecordingStore | None,
                         secret: bytes) -> None:
    """The routes, when the app serves the CRM (the calls' records are there)."""
    if DATABASE not in app:
        return
    app[RECORDINGS] = Recordings(store, PlayLinks(secret))
    add_route(app, "GET", "/api/v1/interactions/{id:\\d+}/recording", recording_of,
              resource="recordings", operation=OPERATIONS["status"])
    add_route(app, "GET", "/api/v1/interactions/{id:\\d+}/recordings", recordings_of,
              resource="recordings", operation=OPERATIONS["parts"])
    add_route(app, "GET", "/api/v1/interactions/{id:\\d+}/recordings/{part:\\d{1,4}}",
              part_of, resource="recordings", operation=OPERATIONS["part"])
    add_route(app, "GET", "/api/v1/recordings/{link}", play, resource="recordings",
              operation=OPERATIONS["play"])

"""Call recordings in the browser: a call's recording as a signed play link, and the
audio behind the link, for those who may hear it (``contactcenter.recordings``).

``GET /api/v1/interactions/{id}/recording`` says where the recording of a call
stands (``available`` with a link, ``deleted`` by retention, ``missing`` on this
host) to someone who may hear it, and 403 to anyone else. ``GET
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

from contactcenter.recordings.access import RecordedCall, may_hear
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
from crm_core.recordings import deleted_at, record_play, recorded_call

MAX_ID = 2**31 - 1
REFUSED = ("only the agents who took the call, the supervisors of its queue or of its "
           "agents, and admins may hear its recording")


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
              deleted: dt.datetime | None) -> dict[str, Any]:
    """Where the call's recording stands, with a link made for ``principal``."""
    found = recordings.store.find(call.recording) if recordings.store is not None else None
    if found is not None:
        expires = recordings.clock() + LINK_LIFETIME
        grant = Grant(principal.username, call.interaction_id, call.recording, expires)
        return {"status": "available", "url": recordings.links.url(grant),
                "expires_at": _iso(expires), "bytes": found.size, "type": "audio/wav"}
    if deleted is not None:
        return {"status": "deleted", "reason": "retention", "deleted_at": deleted.isoformat()}
    return {"status": "missing"}


async def _call(request: web.Request, interaction_id: int) -> RecordedCall:
    """The call whose recording the principal may hear; 404 or 403 otherwise."""
    row = None if interaction_id > MAX_ID else await recorded_call(request.app[DATABASE],
                                                                   interaction_id)
    if row is None:
        raise BadInput(404, f"interaction {interaction_id} has no recording")
    call = RecordedCall.of(row)
    if not may_hear(request[PRINCIPAL], call, scopes(request)):
        raise BadInput(403, REFUSED)
    return call


async def recording_of(request: web.Request) -> web.Response:
    call = await _call(request, int(request.match_info["id"]))
    deleted = await deleted_at(request.app[DATABASE], [call.interaction_id])
    return web.json_response(status_of(request.app[RECORDINGS], request[PRINCIPAL], call,
                                       deleted.get(call.interaction_id)))


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
    if call.recording != grant.recording or found is None:
        deleted = await deleted_at(request.app[DATABASE], [call.interaction_id])
        if deleted:
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
                          interaction_id=call.interaction_id, recording=call.recording,
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
    """Timeline entries of calls with a recording get ``recording_play``: its status and
    link for whoever may hear it; for anyone else the entry says nothing of it."""
    recordings = request.app.get(RECORDINGS)
    calls = [(item, RecordedCall.of(item)) for item in items
             if item.get("kind") == "interaction" and item.get("recording")]
    if recordings is None or not calls:
        return
    principal, scope = request[PRINCIPAL], scopes(request)
    heard = [(item, call) for item, call in calls if may_hear(principal, call, scope)]
    deleted = await deleted_at(request.app[DATABASE], [call.interaction_id for _, call in heard])
    for item, call in heard:
        item["recording_play"] = status_of(recordings, principal, call,
                                           deleted.get(call.interaction_id))


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_LINK = {"name": "link", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "the signed link's last part, from the call's recording status"}
_STATUS = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["available", "deleted", "missing"]},
    "url": {"type": "string", "description": "the play link (available): this user's, "
            f"for {LINK_LIFETIME // 60} minutes"},
    "expires_at": {"type": "string"}, "bytes": {"type": "integer"},
    "type": {"type": "string"}, "reason": {"type": "string"},
    "deleted_at": {"type": "string"}}}
_WAV = {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}
OPERATIONS: dict[str, dict[str, Any]] = {
    "status": {"summary": "A call's recording: available with a signed play link, deleted "
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
    """The two routes, when the app serves the CRM (the calls' records are there)."""
    if DATABASE not in app:
        return
    app[RECORDINGS] = Recordings(store, PlayLinks(secret))
    add_route(app, "GET", "/api/v1/interactions/{id:\\d+}/recording", recording_of,
              resource="recordings", operation=OPERATIONS["status"])
    add_route(app, "GET", "/api/v1/recordings/{link}", play, resource="recordings",
              operation=OPERATIONS["play"])

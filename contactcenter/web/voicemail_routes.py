"""Voicemail messages over the API: listed for those who may see them, played behind a
signed link (the recordings' links and folder, ``contactcenter.recordings``),
assigned, taken and handled (docs/voicemail.md).

Who sees and does what is ``contactcenter.voicemail.access``; which state a message
may move to is ``contactcenter.voicemail.boxes``. A message the user may not see is
404, as if it did not exist; one they see but may not act on is 403; one that is
past the action (handled already, or changed by someone else meanwhile) is 409.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from contactcenter.events.bus import EventBus
from contactcenter.recordings.ranges import Span
from contactcenter.recordings.tokens import LINK_LIFETIME, Grant
from contactcenter.voicemail.access import Owned, may, may_see, visible_filter
from contactcenter.voicemail.boxes import Action, Mailboxes, Refused, Status, next_status
from contactcenter.voicemail.config import VoicemailConfig
from contactcenter.voicemail.outbox import news_of
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import BUS, DATABASE, PRINCIPAL
from contactcenter.web.recording_routes import RECORDINGS, serve_audio
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes
from contactcenter.web.voicemail_schema import OPERATIONS
from crm_core.voicemail import (
    OPEN,
    Conflict,
    Visible,
    assign,
    get_message,
    handle,
    list_messages,
    record_play,
)

MAX_ID = 2**31 - 1
KIND = "voicemail"
#: where a message's play links point
PLAY = "/api/v1/voicemail/audio/"
MAX_NOTES = 2000


@dataclass
class Voicemail:
    boxes: Mailboxes
    config: VoicemailConfig
    clock: Callable[[], float] = field(default=time.time)

    def labels(self) -> dict[str, str]:
        return {item.code: item.label for item in self.config.dispositions}


VOICEMAIL = web.AppKey("voicemail", Voicemail)


def _shown(request: web.Request, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the API shows it: whether it is overdue, and its contact's page."""
    voicemail = request.app[VOICEMAIL]
    left = dt.datetime.fromisoformat(row["left_at"]).timestamp()
    overdue = voicemail.boxes.overdue(queue=row["queue"], left_at=left,
                                      status=Status(row["status"]), now=voicemail.clock())
    contact = row.get("contact_id")
    return {**row, "overdue": overdue,
            "due_at": dt.datetime.fromtimestamp(
                voicemail.boxes.due_at(queue=row["queue"], left_at=left), dt.UTC).isoformat(),
            "contact_url": f"/crm/contacts/{contact}" if contact else None,
            "audio": f"/api/v1/voicemail/{row['id']}/recording"}


def _int(request: web.Request, name: str, default: int, high: int, low: int = 0) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadInput(422, f"{name}: a whole number from {low} to {high}", name)
    return int(raw)


def _choice(request: web.Request, name: str, choices: tuple[str, ...] | None) -> str | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if choices is not None and raw not in choices:
        raise BadInput(422, f"{name}: one of {', '.join(choices)}", name)
    if not 0 < len(raw) <= 64:
        raise BadInput(422, f"{name}: 1 to 64 characters", name)
    return raw


async def listing(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    status = _choice(request, "status", (OPEN, *(s.value for s in Status)))
    mailbox = _choice(request, "mailbox", None)
    limit, offset = _int(request, "limit", 50, 200, 1), _int(request, "offset", 0, 100_000)
    kept = visible_filter(principal, scopes(request))
    visible = None if kept is None else Visible(kept.queues, kept.agents, kept.own)
    rows = await list_messages(request.app[DATABASE], visible=visible, status=status,
                               mailbox=mailbox, limit=limit, offset=offset)
    voicemail = request.app[VOICEMAIL]
    return web.json_response({
        "messages": [_shown(request, row) for row in rows],
        "dispositions": [{"code": d.code, "label": d.label}
                         for d in voicemail.config.dispositions]})


async def _message(request: web.Request) -> dict[str, Any]:
    """The message of the path, if the user may see it; 404 otherwise."""
    message_id = int(request.match_info["id"])
    row = None if message_id > MAX_ID else await get_message(request.app[DATABASE], message_id)
    if row is None or not may_see(request[PRINCIPAL], Owned.of(row), scopes(request)):
        raise BadInput(404, f"no voicemail message {message_id}", "id")
    return row


async def one(request: web.Request) -> web.Response:
    return web.json_response(_shown(request, await _message(request)))


async def recording(request: web.Request) -> web.Response:
    """The message's audio as a play link made for this user (as a call's recording)."""
    row, recordings = await _message(request), request.app[RECORDINGS]
    found = recordings.store.find(row["recording"]) if recordings.store is not None else None
    if found is None:
        return web.json_response({"status": "missing"})
    expires = recordings.clock() + LINK_LIFETIME
    grant = Grant(request[PRINCIPAL].username, row["id"], row["recording"], expires, KIND)
    return web.json_response({
        "status": "available", "url": recordings.links.url(grant, PLAY),
        "expires_at": dt.datetime.fromtimestamp(expires, dt.UTC).isoformat(),
        "bytes": found.size, "type": "audio/wav"})


async def play(request: web.Request) -> web.StreamResponse:
    """The audio behind a play link: made for this user, unexpired, for a message they
    still see, from the recordings' folder (ranges answered: the player seeks)."""
    recordings, principal = request.app[RECORDINGS], request[PRINCIPAL]
    grant = recordings.links.check(request.match_info["link"], username=principal.username,
                                   now=recordings.clock(), kind=KIND)
    row = None if grant is None or grant.interaction_id > MAX_ID else await get_message(
        request.app[DATABASE], grant.interaction_id)
    if grant is None or row is None or row["recording"] != grant.recording \
            or not may_see(principal, Owned.of(row), scopes(request)):
        raise BadInput(403, "this link is not yours, or it has expired: open the message "
                            "again for a new one", "link")
    found = recordings.store.find(grant.recording) if recordings.store is not None else None
    if found is None:
        raise BadInput(404, "the message's recording is not on this host")
    return await serve_audio(request, found.path, found.name,
                             lambda span: _log_play(request, grant, row, span))


async def _log_play(request: web.Request, grant: Grant, row: dict[str, Any],
                    span: Span) -> None:
    """A link's first fetch, or one from the first byte, is a play; the player's later
    ranges are the same play (``contactcenter.recordings.plays``): ``bytes=1-`` is no
    way to hear a message unlogged."""
    recordings, link = request.app[RECORDINGS], request.match_info["link"]
    first = recordings.fetched.first(link, expires=grant.expires, now=recordings.clock())
    if not (first or span.from_start):
        return
    try:
        await record_play(request.app[DATABASE], username=grant.username,
                          message_id=row["id"], recording=row["recording"], now=_now(request))
    except BaseException:
        if first:
            recordings.fetched.forget(link)
        raise


def _allowed(request: web.Request, row: dict[str, Any], action: Action) -> Status:
    if not may(request[PRINCIPAL], action, Owned.of(row), scopes(request)):
        raise BadInput(403, _REFUSALS[action])
    try:
        return next_status(Status(row["status"]), action)
    except Refused as exc:
        raise BadInput(409, exc.reason, "id") from None


_REFUSALS = {
    Action.ASSIGN: "only supervisors and admins assign messages",
    Action.TAKE: "only an agent of the box's queue takes its messages",
    Action.HANDLE: "an agent handles the messages of their own box and those assigned "
                   "to them: take it first",
}


def _publish(request: web.Request, kind: str, row: dict[str, Any], **extra: Any) -> None:
    """The change, and a notice to each agent whose desktop lists the message."""
    bus: EventBus = request.app[BUS]
    voicemail = request.app[VOICEMAIL]
    for event in news_of(kind, row, voicemail.clock(), voicemail.boxes.members, **extra):
        bus.publish(event)


def _now(request: web.Request) -> dt.datetime:
    return dt.datetime.fromtimestamp(request.app[VOICEMAIL].clock(), dt.UTC)


async def _assigned(request: web.Request, row: dict[str, Any], agent: str) -> web.Response:
    try:
        changed = await assign(request.app[DATABASE], row["id"], expected=row["status"],
                               holder=row["assignee"], assignee=agent, by=request[PRINCIPAL].username,
                               now=_now(request))
    except Conflict:
        raise BadInput(409, "the message changed meanwhile: read it again", "id") from None
    _publish(request, "voicemail.assigned", changed, by=request[PRINCIPAL].username)
    return web.json_response(_shown(request, changed))


async def assign_to(request: web.Request) -> web.Response:
    row = await _message(request)
    body = await json_object(request)
    agent = body.get("agent")
    if not isinstance(agent, str) or agent not in request.app[VOICEMAIL].boxes.agents:
        raise BadInput(422, "agent: one of the ACD's agents", "agent")
    _allowed(request, row, Action.ASSIGN)
    return await _assigned(request, row, agent)


async def take(request: web.Request) -> web.Response:
    row = await _message(request)
    _allowed(request, row, Action.TAKE)
    mine = request[PRINCIPAL].agent
    if row["status"] == Status.ASSIGNED and row["assignee"] not in (None, mine):
        raise BadInput(409, f"{row['assignee']} has this message already", "id")
    return await _assigned(request, row, str(mine))


def _notes(body: dict[str, Any]) -> str | None:
    notes = body.get("notes")
    if notes is None:
        return None
    if not isinstance(notes, str) or len(notes) > MAX_NOTES or "\x00" in notes:
        raise BadInput(422, f"notes: text of at most {MAX_NOTES} characters", "notes")
    return notes.strip() or None


async def handled(request: web.Request) -> web.Response:
    row = await _message(request)
    body = await json_object(request)
    labels = request.app[VOICEMAIL].labels()
    code = body.get("disposition")
    if not isinstance(code, str) or code not in labels:
        raise BadInput(422, f"disposition: one of {', '.join(labels)}", "disposition")
    notes = _notes(body)
    _allowed(request, row, Action.HANDLE)
    principal = request[PRINCIPAL]
    try:
        changed = await handle(request.app[DATABASE], row["id"], expected=row["status"],
                               holder=row["assignee"], disposition=code, label=labels[code], notes=notes,
                               by=principal.username,
                               agent=row["assignee"] or principal.agent, now=_now(request))
    except Conflict:
        raise BadInput(409, "the message changed meanwhile: read it again", "id") from None
    _publish(request, "voicemail.handled", changed, disposition=code,
             by=principal.username)
    return web.json_response(_shown(request, changed))


_ROUTES = (("GET", "/api/v1/voicemail", listing, "read"),
           ("GET", "/api/v1/voicemail/{id}", one, "read"),
           ("GET", "/api/v1/voicemail/{id}/recording", recording, "read"),
           ("POST", "/api/v1/voicemail/{id}/assign", assign_to, "update"),
           ("POST", "/api/v1/voicemail/{id}/take", take, "update"),
           ("POST", "/api/v1/voicemail/{id}/handle", handled, "update"),
           ("GET", "/api/v1/voicemail/audio/{link}", play, "read"))


def add_voicemail_routes(app: web.Application, voicemail: Voicemail) -> None:
    """The routes, when the app serves the CRM and plays recordings (their links)."""
    if DATABASE not in app or RECORDINGS not in app:
        return
    app[VOICEMAIL] = voicemail
    for method, path, handler, action in _ROUTES:
        add_route(app, method, path.replace("{id}", "{id:\\d+}"), handler,
                  resource="voicemail", action=action, operation=OPERATIONS[(method, path)])

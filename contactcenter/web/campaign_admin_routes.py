"""Campaign managers make and change dialer campaigns over the API
(``contactcenter.server.campaign_admin`` keeps them and runs them).

``POST /api/v1/dialer/campaigns`` makes one: ``name`` and the settings of
``config/campaigns.yaml`` (``CampaignSpec``), 201 with the settings and the board.
``GET /api/v1/dialer/campaigns/{name}`` is its settings and where they come from
(``file`` or ``api``); ``PUT`` replaces them, ``PATCH`` replaces the fields given;
``POST .../{name}/list`` uploads its list as CSV (``multipart/form-data`` with a
``file``, or a ``text/csv`` body): the count loaded, the rows merged, each bad row
with its line and reason. A bad request is a 4xx naming the field, never a 500.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from contactcenter.server.campaign_admin import CampaignAdmin, Refused
from contactcenter.web.http import BadInput, form_object, json_object
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.pages.campaign_stream import ADMIN, board_of
from contactcenter.web.routing import add_route

#: the largest list taken (aiohttp's own limit for any body)
MAX_LIST = 1024 * 1024


def _refused(refused: Refused) -> BadInput:
    return BadInput(refused.status, refused.reason, refused.field)


async def create_campaign(request: web.Request) -> web.Response:
    """A new campaign: ``{"name": ..., <settings>}``."""
    admin = request.app[ADMIN]
    body = await json_object(request)
    name = body.pop("name", None)
    try:
        runner = await admin.create(name, admin.checked(body))
    except Refused as refused:
        raise _refused(refused) from None
    return web.json_response(admin.settings_of(runner.name) | {"board": board_of(runner)},
                             status=201)


async def show_campaign(request: web.Request) -> web.Response:
    admin, name = request.app[ADMIN], request.match_info["name"]
    try:
        return web.json_response(admin.settings_of(name))
    except Refused as refused:
        raise _refused(refused) from None


async def edit_campaign(request: web.Request) -> web.Response:
    """PUT: every setting (those left out take their defaults); PATCH: the ones given."""
    admin, name = request.app[ADMIN], request.match_info["name"]
    body = await json_object(request)
    try:
        now = admin.settings_of(name)["settings"]
        if body.pop("name", name) != name:
            raise BadInput(422, "name: a campaign keeps its name (make a new one)", "name")
        if request.method == "PATCH":
            body = now | body
        runner = await admin.edit(name, admin.checked(body))
    except Refused as refused:
        raise _refused(refused) from None
    return web.json_response(admin.settings_of(name) | {"board": board_of(runner)})


async def upload_list(request: web.Request) -> web.Response:
    """The campaign's list from CSV; the good rows load, the bad ones are each reported."""
    admin, name = request.app[ADMIN], request.match_info["name"]
    data = await _csv_of(request)
    try:
        result = await admin.upload(name, data)
    except Refused as refused:
        raise _refused(refused) from None
    return web.json_response({
        "campaign": name, "loaded": result.loaded, "merged": result.merged,
        "bad": [{"line": line, "reason": reason} for line, reason in result.bad]})


async def _csv_of(request: web.Request) -> bytes:
    """The CSV's bytes: a form's ``file`` or the body itself."""
    if request.content_length is not None and request.content_length > MAX_LIST:
        raise BadInput(413, f"a list larger than {MAX_LIST} bytes", "file")
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = (await form_object(request)).get("file")
        if not isinstance(upload, FileField):
            raise BadInput(422, "file: the CSV file to upload", "file")
        return upload.file.read()
    if request.content_type not in ("text/csv", "text/plain"):
        raise BadInput(415, "send the list as text/csv, or as multipart/form-data with a "
                            "file", "file")
    return await request.read()


#: an uploaded list: a CSV body, or a form with the CSV as its ``file``
_LIST_BODY: dict[str, Any] = {
    "required": True, "description": "the list, as CSV (docs/dialer.md)", "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "additionalProperties": False,
            "properties": {"file": {"type": "string", "format": "binary"}}}}}}


def _operation(summary: str, status: str, body: bool = False,
               upload: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {
        status: json_content({"type": "object"}, summary),
        "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR,
        "422": ERROR}}
    if body:
        operation["requestBody"] = json_content(
            {"type": "object"}, "name and the settings of config/campaigns.yaml (docs/dialer.md)"
        ) | {"required": True}
    if upload:
        operation["requestBody"] = _LIST_BODY
        operation["responses"] |= {"413": ERROR, "415": ERROR}
    return operation


def add_campaign_admin_routes(app: web.Application, admin: CampaignAdmin) -> None:
    """The routes; added before ``.../{name}/{action}`` so that ``list`` is not taken
    for a move."""
    app[ADMIN] = admin
    base = "/api/v1/dialer/campaigns"
    add_route(app, "POST", base, create_campaign, resource="dialer", action="create",
              operation=_operation("Make a dialer campaign", "201", body=True))
    add_route(app, "GET", base + "/{name}", show_campaign, resource="dialer", action="read",
              operation=_operation("A campaign's settings and where they come from", "200"))
    for method, summary in (("PUT", "Replace a campaign's settings"),
                            ("PATCH", "Change some of a campaign's settings")):
        add_route(app, method, base + "/{name}", edit_campaign, resource="dialer",
                  action="update", operation=_operation(summary, "200", body=True))
    add_route(app, "POST", base + "/{name}/list", upload_list, resource="dialer",
              action="update", operation=_operation(
                  "Upload a campaign's list (CSV): the count loaded, each bad row with its "
                  "line and reason", "200", upload=True))

"""The voicemail routes' entries in the API document (``contactcenter.web.voicemail_routes``)."""

from __future__ import annotations

from typing import Any

from contactcenter.web.openapi import ERROR, json_content

_STR, _OPT = {"type": "string"}, {"type": ["string", "null"]}
_MESSAGE = {"type": "object", "required": ["id", "status", "mailbox"], "properties": {
    "id": {"type": "integer"}, "call_id": _STR, "mailbox": _STR,
    "queue": _OPT, "agent": _OPT, "caller": _STR,
    "contact_id": {"type": ["integer", "null"]}, "contact_name": _OPT,
    "contact_url": _OPT, "left_at": _STR, "duration": {"type": ["number", "null"]},
    "recording": _STR, "status": {"type": "string", "enum": ["new", "assigned", "handled"]},
    "assignee": _OPT, "assigned_at": _OPT, "assigned_by": _OPT, "disposition": _OPT,
    "notes": _OPT, "handled_at": _OPT, "handled_by": _OPT, "overdue_at": _OPT,
    "overdue": {"type": "boolean", "description": "unhandled past its box's age limit"},
    "due_at": _STR, "audio": {"type": "string", "description": "where its play link is"}}}
_ID = {"name": "id", "in": "path", "required": True,
       "schema": {"type": "integer", "minimum": 0}}
_ANSWERS = {"200": json_content(_MESSAGE), "401": ERROR, "403": ERROR, "404": ERROR,
            "409": ERROR}
_QUERY = [
    {"name": "status", "in": "query", "required": False,
     "description": "`open`: new and assigned; `handled`: the last handled first",
     "schema": {"type": "string", "enum": ["open", "new", "assigned", "handled"]}},
    {"name": "mailbox", "in": "query", "required": False,
     "schema": {"type": "string", "minLength": 1, "maxLength": 64}},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "offset", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, "maximum": 100000}}]
_WAV = {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}
_PLAY = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["available", "missing"]}, "url": _STR,
    "expires_at": _STR, "bytes": {"type": "integer"}, "type": _STR}}


def _body(schema: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": schema}}}}


OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/voicemail"): {
        "summary": "The voicemail messages the user may see, newest first, with the "
                   "dispositions they are handled with",
        "tags": ["voicemail"], "parameters": _QUERY,
        "responses": {"200": json_content({"type": "object", "properties": {
            "messages": {"type": "array", "items": _MESSAGE},
            "dispositions": {"type": "array", "items": {"type": "object", "properties": {
                "code": _STR, "label": _STR}}}}}), "401": ERROR, "403": ERROR,
            "422": ERROR}},
    ("GET", "/api/v1/voicemail/{id}"): {
        "summary": "One message", "tags": ["voicemail"], "parameters": [_ID],
        "responses": {"200": json_content(_MESSAGE), "401": ERROR, "403": ERROR,
                      "404": ERROR}},
    ("GET", "/api/v1/voicemail/{id}/recording"): {
        "summary": "The message's audio: a signed play link for this user (as a call's "
                   "recording, docs/recordings.md)", "tags": ["voicemail"],
        "parameters": [_ID],
        "responses": {"200": json_content(_PLAY), "401": ERROR, "403": ERROR,
                      "404": ERROR}},
    ("POST", "/api/v1/voicemail/{id}/assign"): {
        "summary": "Assign the message to an agent (supervisors and admins)",
        "tags": ["voicemail"], "parameters": [_ID],
        "requestBody": _body({"agent": {"type": "string", "maxLength": 64}}, ["agent"]),
        "responses": {**_ANSWERS, "400": ERROR, "413": ERROR, "422": ERROR}},
    ("POST", "/api/v1/voicemail/{id}/take"): {
        "summary": "Take a message of one of the agent's queues' boxes for themselves",
        "tags": ["voicemail"], "parameters": [_ID], "responses": _ANSWERS},
    ("POST", "/api/v1/voicemail/{id}/handle"): {
        "summary": "Mark the message handled with a disposition; the contact's timeline "
                   "gets it", "tags": ["voicemail"], "parameters": [_ID],
        "requestBody": _body({"disposition": {"type": "string", "maxLength": 40},
                              "notes": {"type": "string", "maxLength": 2000}},
                             ["disposition"]),
        "responses": {**_ANSWERS, "400": ERROR, "413": ERROR, "422": ERROR}},
    ("GET", "/api/v1/voicemail/audio/{link}"): {
        "summary": "The message's audio (WAV) behind a signed play link; answers ranges",
        "tags": ["voicemail"],
        "parameters": [{"name": "link", "in": "path", "required": True,
                        "schema": {"type": "string"},
                        "description": "the signed link's last part, from the message's "
                                       "recording status"}],
        "responses": {"200": {"description": "the WAV", **_WAV},
                      "206": {"description": "the range asked for", **_WAV},
                      "401": ERROR, "403": ERROR, "404": ERROR,
                      "416": {"description": "a range beyond the file's end"}}},
}

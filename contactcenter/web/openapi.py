"""The OpenAPI document of /api/v1.

Each route brings its own operation object when it is added
(``contactcenter.web.routing``): the platform's routes from ``OPERATIONS``
below, the CRM's collections from their descriptions
(``contactcenter.web.openapi_crm``). ``build`` assembles them and adds, for
every route that is not public, how to authenticate and which roles may call it,
and for every route what any route may answer (``completed``): each ``{param}`` of
its path declared, the router's 404, a body's 400 and 413.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from contactcenter.web.permissions import roles_allowed
from contactcenter.web.routing import RouteSpec
from contactcenter.web.throttle import ADDRESS_LIMIT, USER_LIMIT, USER_WIDE_LIMIT, WINDOW

ERROR: dict[str, Any] = {"description": "error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}
SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
PATH_PARAMETER = re.compile(r"\{([^{}:]+)(?::[^{}]*)?\}")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"},
        "field": {"type": "string", "description": "the input at fault, when there is one"}}},
    "Credentials": {"type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string", "minLength": 1,
                                                "maxLength": 1024},
                                   "password": {"type": "string", "minLength": 1,
                                                "maxLength": 1024}}},
    "Call": {"type": "object", "properties": {
        "call_id": {"type": "string"}, "caller": {"type": "string"},
        "dialed": {"type": "string"}, "state": {"type": "string"},
        "started": {"type": "number"}, "ended": {"type": ["number", "null"]},
        "outcome": {"type": ["string", "null"]},
        "ivr_path": {"type": "array", "items": {"type": "string"}},
        "exit": {"type": ["object", "null"]},
        "variables": {"type": "object"}}},
    "Disposition": {"type": "object", "required": ["code", "label"], "properties": {
        "code": {"type": "string"}, "label": {"type": "string"}}},
    "ScreenPop": {"type": "object", "description": "the screen.pop event (docs/events.md)",
                  "properties": {
        "call_id": {"type": "string"}, "agent": {"type": "string"},
        "queue": {"type": "string"}, "caller": {"type": "string"},
        "direction": {"type": "string", "enum": ["inbound", "outbound"]},
        "customer": {"type": ["object", "null"],
                     "description": "the customer 360, as /customers/lookup has it"},
        "lookup": {"type": "string", "enum": ["found", "not_found", "failed", "timed_out"]},
        "ivr": {"type": "object", "properties": {
            "path": {"type": "array", "items": {"type": "string"}},
            "digits": {"type": "array", "items": {"type": "object", "properties": {
                "node": {"type": "string"}, "digits": {"type": "string"}}}},
            "variables": {"type": "object"}}},
        "wait": {"type": ["number", "null"], "description": "seconds queued, at the offer"},
        "script": {"type": ["object", "null"], "description": "the script's StepView"},
        "dispositions": {"type": "array", "items": ref("Disposition")}}},
    "CallScript": {"type": "object", "properties": {
        "script": {"type": ["string", "null"]},
        "view": {"type": ["object", "null"], "description": "the StepView to render"},
        "answers": {"type": "object"}, "ended": {"type": "boolean"},
        "outcome": {"type": ["string", "null"]}}},
}

_CALL_ID = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}}
_SCRIPT_ACTION = {"type": "object", "required": ["action"], "properties": {
    "action": {"type": "string", "enum": ["answer", "objection", "resume", "back"]},
    "step": {"type": "string", "description": "answer: the step shown"},
    "answer": {"description": "answer: what the form sent: text, a number, true/false, null"},
    "name": {"type": "string", "description": "objection: its name"}}}
_DISPOSE = {"type": "object", "required": ["code"], "properties": {
    "code": {"type": "string", "description": "one of the call's queue's codes"},
    "notes": {"type": "string", "maxLength": 4000}}}

_THROTTLED = (f"After {USER_LIMIT} failed sign-ins for one username from one address, "
              f"{USER_WIDE_LIMIT} for one username from anywhere, or {ADDRESS_LIMIT} from "
              f"one address, within {WINDOW // 60} minutes: a 429 with Retry-After (seconds) "
              "until the oldest ages out; a success clears its user's count.")
_TOO_MANY = {**ERROR, "description": "too many failed sign-ins", "headers": {
    "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}}

_CREDENTIALS_BODY = {"required": True, "content": {
    "application/json": {"schema": ref("Credentials")},
    "application/x-www-form-urlencoded": {"schema": ref("Credentials")}}}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/auth/token"): {
        "summary": "Exchange a username and password for a bearer token",
        "description": _THROTTLED,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("Credentials")}}},
        "responses": {"200": json_content({"type": "object", "properties": {
            "token": {"type": "string"}, "role": {"type": "string"}}}),
            "400": ERROR, "401": ERROR, "429": _TOO_MANY}},
    ("DELETE", "/api/v1/auth/token"): {
        "summary": "Sign out a bearer token: the one in the Authorization header is refused "
                   "from now on",
        "security": [{"bearer": []}],
        "responses": {"204": {"description": "signed out (or already ended)"},
                      "401": ERROR}},
    ("POST", "/api/v1/auth/session"): {
        "summary": "Sign in for pages: sets the session cookie, returns the CSRF token",
        "description": "The cookie is HttpOnly and SameSite=Strict (Secure over HTTPS). "
                       "Requests it authenticates must send `X-CSRF-Token` on every method "
                       "but GET, or get a 403. " + _THROTTLED,
        "requestBody": _CREDENTIALS_BODY,
        "responses": {"200": json_content({"type": "object", "properties": {
            "csrf_token": {"type": "string"}, "user": {"type": "string"},
            "role": {"type": "string"}, "expires": {"type": "integer"}}}),
            "400": ERROR, "401": ERROR, "403": ERROR, "429": _TOO_MANY}},
    ("DELETE", "/api/v1/auth/session"): {
        "summary": "Sign out: the session ends and the cookie is cleared",
        "parameters": [{"name": "X-CSRF-Token", "in": "header", "schema": {"type": "string"}}],
        "responses": {"204": {"description": "signed out"}, "403": ERROR}},
    ("GET", "/api/v1/calls"): {
        "summary": "Live calls",
        "responses": {"200": json_content({"type": "object", "properties": {"calls": {
            "type": "array", "items": ref("Call")}}})}},
    ("GET", "/api/v1/calls/{call_id}"): {
        "summary": "One call's record with every event it went through",
        "parameters": [{"name": "call_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": json_content(ref("Call")), "404": ERROR}},
    ("GET", "/api/v1/events"): {
        "summary": "WebSocket of domain events as JSON text frames",
        "description": "Signed in with the Authorization header, the session cookie, or a "
                       "`ticket` from POST /api/v1/events/ticket (one use, 30 s); a token "
                       "in the query string is refused. A browser's handshake is taken only "
                       "from the platform's own origin or one in `allowed_origins` (403 "
                       "otherwise). `types` takes comma-separated globs (`call.*,ivr.exit`).",
        "parameters": [
            {"name": "ticket", "in": "query", "schema": {"type": "string"}},
            {"name": "types", "in": "query", "schema": {"type": "string"}}],
        "responses": {"101": {"description": "switching to WebSocket"},
                      "400": {**ERROR, "description": "not a WebSocket handshake"}}},
    ("POST", "/api/v1/events/ticket"): {
        "summary": "A ticket to open the events WebSocket with: `?ticket=`, once, within "
                   "30 seconds",
        "description": "For a page, whose WebSocket cannot send an Authorization header: "
                       "the ticket names the user, ends when used, and dies with the token "
                       "or session it was asked for with.",
        "responses": {"200": json_content({"type": "object", "required": [
            "ticket", "expires"], "properties": {
            "ticket": {"type": "string"},
            "expires": {"type": "integer", "description": "Unix time"}}})}},
    ("GET", "/api/v1/customers/lookup"): {
        "summary": "The customer behind a phone number (the screen-pop payload)",
        "parameters": [{"name": "phone", "in": "query", "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "any way of writing it; matched in E.164 (400 for "
                                       "what is not a phone number)"}],
        "responses": {"200": json_content({"type": "object", "properties": {
            "phone": {"type": "string"}, "contact": {"type": ["object", "null"]},
            "account": {"type": ["object", "null"]},
            "recent_interactions": {"type": "array", "items": {"type": "object"}}}}),
            "400": ERROR, "404": ERROR}},
    ("GET", "/api/v1/health"): {
        "summary": "Whether the platform reaches Asterisk (ARI and AMI) and its background "
                   "tasks run",
        "responses": {"200": json_content({"type": "object"}),
                      "503": json_content({"type": "object"},
                                          "a background task stopped (named in "
                                          "`background.failed`)")}},
    ("GET", "/api/v1/openapi.json"): {
        "summary": "This document",
        "responses": {"200": json_content({"type": "object"})}},
    # the agent desktop (contactcenter/web/desk_routes.py)
    ("GET", "/api/v1/calls/{call_id}/screen"): {
        "summary": "A call's screen-pop again (a page reloaded mid-call)",
        "parameters": [_CALL_ID],
        "responses": {"200": json_content(ref("ScreenPop")), "404": ERROR, "503": ERROR}},
    ("GET", "/api/v1/calls/{call_id}/script"): {
        "summary": "A call's script: the step to show and the answers so far",
        "parameters": [_CALL_ID],
        "responses": {"200": json_content(ref("CallScript")), "404": ERROR}},
    ("POST", "/api/v1/calls/{call_id}/script"): {
        "summary": "Answer the step shown, raise an objection, resume or go back",
        "parameters": [_CALL_ID],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _SCRIPT_ACTION}}},
        "responses": {"200": json_content(ref("CallScript")), "400": ERROR, "404": ERROR,
                      "409": ERROR, "422": ERROR}},
    ("POST", "/api/v1/calls/{call_id}/disposition"): {
        "summary": "Dispose of a call with a code of its queue and notes; ends the wrap-up",
        "parameters": [_CALL_ID],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _DISPOSE}}},
        "responses": {"200": json_content({"type": "object", "properties": {
            "call_id": {"type": "string"}, "agent": {"type": "string"},
            "queue": {"type": "string"}, "code": {"type": "string"},
            "notes": {"type": "string"}, "wrap_up_ended": {"type": "boolean"}}}),
            "400": ERROR, "404": ERROR, "409": ERROR, "422": ERROR}},
    ("GET", "/api/v1/queues/{queue}/dispositions"): {
        "summary": "A queue's disposition codes, its wrap-up time and how wrap-up ends",
        "parameters": [{"name": "queue", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": json_content({"type": "object", "properties": {
            "queue": {"type": "string"},
            "dispositions": {"type": "array", "items": ref("Disposition")},
            "wrap_up": {"type": "number"},
            "wrap_up_end": {"type": "string", "enum": ["available", "paused"]}}}),
            "404": ERROR}},
}


def path_parameters(path: str) -> list[str]:
    """The names of a path's parameters: ``/calls/{call_id}/monitor`` -> ``['call_id']``."""
    return PATH_PARAMETER.findall(path)


def _with_json(response: dict[str, Any] | None) -> dict[str, Any]:
    """A response that may also come as the Error object (the router's, the middleware's)."""
    if response is None:
        return ERROR
    content = response.get("content", {})
    if "application/json" in content:
        return response
    return {**response, "content": {**content, **ERROR["content"]}}


def completed(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation with what every route of the app may answer besides its own: each
    ``{param}`` of the path declared (a string unless the operation says otherwise), a
    404 for a path that names something (the router's, for a value that names nothing),
    and for a body, 400 (not JSON, or not an object) and 413 (too large)."""
    operation = dict(operation)
    declared = {param["name"] for param in operation.get("parameters", ())
                if param.get("in") == "path"}
    missing = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
               for name in path_parameters(path) if name not in declared]
    if missing:
        operation["parameters"] = [*operation.get("parameters", ()), *missing]
    responses = dict(operation.get("responses", {}))
    if path_parameters(path):
        responses["404"] = _with_json(responses.get("404"))
    if "requestBody" in operation:
        responses.setdefault("400", ERROR)
        responses["413"] = _with_json(responses.get("413"))
    operation["responses"] = responses
    return operation


def _secured(spec: RouteSpec) -> dict[str, Any]:
    """The operation with how to authenticate, who may call it, and the auth errors."""
    operation = completed(spec.path, spec.operation)
    if spec.public:
        return operation
    assert spec.resource is not None
    roles = ", ".join(roles_allowed(spec.resource, spec.action))
    responses = {"401": ERROR, "403": ERROR, **operation.get("responses", {})}
    return {**operation, "security": SECURED, "responses": responses,
            "x-permission": {"resource": spec.resource, "action": spec.action,
                             "roles": roles.split(", ") if roles else []}}


def build(routes: Iterable[RouteSpec], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document for these routes, with the schemas their operations refer to."""
    paths: dict[str, dict[str, Any]] = {}
    for spec in sorted(routes, key=lambda spec: (spec.path, spec.method)):
        paths.setdefault(spec.path, {})[spec.method.lower()] = _secured(spec)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Contact center API", "version": "1"},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "cc_session"}},
            "schemas": {**SCHEMAS, **(schemas or {})}},
        "paths": paths,
    }

"""The OpenAPI document of /api/v1 (kept by hand next to the routes it describes)."""

from __future__ import annotations

from typing import Any

_ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Contact center API", "version": "1"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"],
                      "properties": {"error": {"type": "string"}}},
            "Credentials": {"type": "object", "required": ["username", "password"],
                            "properties": {"username": {"type": "string"},
                                           "password": {"type": "string"}}},
            "Call": {"type": "object", "properties": {
                "call_id": {"type": "string"}, "caller": {"type": "string"},
                "dialed": {"type": "string"}, "state": {"type": "string"},
                "started": {"type": "number"}, "ended": {"type": ["number", "null"]},
                "outcome": {"type": ["string", "null"]},
                "ivr_path": {"type": "array", "items": {"type": "string"}},
                "exit": {"type": ["object", "null"]},
                "variables": {"type": "object"}}},
        },
    },
    "paths": {
        "/api/v1/auth/token": {"post": {
            "summary": "Exchange a username and password for a bearer token",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Credentials"}}}},
            "responses": {"200": _json({"type": "object", "properties": {
                "token": {"type": "string"}, "role": {"type": "string"}}}),
                "400": _ERROR, "401": _ERROR}}},
        "/api/v1/calls": {"get": {
            "summary": "Live calls", "security": _SECURED,
            "responses": {"200": _json({"type": "object", "properties": {"calls": {
                "type": "array", "items": {"$ref": "#/components/schemas/Call"}}}}),
                "401": _ERROR, "403": _ERROR}}},
        "/api/v1/calls/{call_id}": {"get": {
            "summary": "One call's record with every event it went through",
            "security": _SECURED,
            "parameters": [{"name": "call_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _json({"$ref": "#/components/schemas/Call"}),
                          "401": _ERROR, "403": _ERROR, "404": _ERROR}}},
        "/api/v1/events": {"get": {
            "summary": "WebSocket of domain events as JSON text frames",
            "description": "Token in the Authorization header or the `token` query "
                           "parameter; `types` takes comma-separated globs (`call.*,ivr.exit`).",
            "security": _SECURED,
            "parameters": [
                {"name": "token", "in": "query", "schema": {"type": "string"}},
                {"name": "types", "in": "query", "schema": {"type": "string"}}],
            "responses": {"101": {"description": "switching to WebSocket"},
                          "401": _ERROR}}},
        "/api/v1/customers/lookup": {"get": {
            "summary": "The customer behind a phone number (the screen-pop payload)",
            "security": _SECURED,
            "parameters": [{"name": "phone", "in": "query", "required": True,
                            "schema": {"type": "string"},
                            "description": "any way of writing it; matched in E.164"}],
            "responses": {"200": _json({"type": "object", "properties": {
                "phone": {"type": "string"}, "contact": {"type": ["object", "null"]},
                "account": {"type": ["object", "null"]},
                "recent_interactions": {"type": "array", "items": {"type": "object"}}}}),
                "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR}}},
        "/api/v1/health": {"get": {
            "summary": "Whether the platform reaches Asterisk (ARI and AMI)",
            "responses": {"200": _json({"type": "object"})}}},
    },
}

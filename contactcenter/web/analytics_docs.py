"""The API document's entries for the call-history and staffing routes.

The bounds written here are the ones ``analytics_params`` enforces with a 400; the
rules that join parameters (``from`` before ``to``, how many intervals, how far
ahead a day) are a 422.
"""

from __future__ import annotations

from typing import Any

from contactcenter.web.openapi import ERROR
from crm_core.metrics.buckets import INTERVALS

_DATE = {"type": "string", "format": "date"}
_ANSWER = {"description": "OK: JSON, or CSV with format=csv", "content": {
    "application/json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}}}}


def _query(name: str, description: str, schema: dict[str, Any],
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


def _seconds(name: str, description: str, default: float) -> dict[str, Any]:
    return _query(name, description, {"type": "number", "minimum": 0, "maximum": 3600,
                                      "default": default})


def _operation(summary: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {"summary": summary, "parameters": parameters, "responses": {
        "200": _ANSWER, "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR}}


_FORMAT = _query("format", "json (default) or csv", {"type": "string", "enum": ["json", "csv"]})
_QUEUE = _query("queue", "only this queue's calls", {"type": "string", "maxLength": 64})
_SHORT = _seconds("short_abandon_seconds", "callers who hang up having waited less are left "
                                           "out of the service level", 5)

CALLS = _operation(
    "Calls offered, answered and abandoned, service level, ASA, AHT, abandon rate, handle "
    "share and first-contact resolution per queue or agent and interval, in the contact "
    "center's time zone (or tz), from the CRM's call records; definitions in "
    "docs/call-history.md",
    [_query("from", "ISO date (midnight in the zone) or datetime, included", _DATE, True),
     _query("to", "ISO date (midnight in the zone) or datetime, excluded; at most 731 days "
                  "after from", _DATE, True),
     _query("by", "queue (default) or agent", {"type": "string", "enum": ["queue", "agent"]}),
     _query("interval", "the bucket of each call's start; 30min by default",
            {"type": "string", "enum": list(INTERVALS)}),
     _seconds("sl_seconds", "the service level's answer time", 20), _SHORT,
     _query("fcr_days", "a call again from the same number within this many days is a repeat",
            {"type": "number", "minimum": 0, "maximum": 365, "default": 7}),
     _QUEUE,
     _query("tz", "the IANA time zone whose days, weeks and clock the intervals follow "
                  "(America/New_York); the time_zone setting by default; an unknown one "
                  "is a 422", {"type": "string", "maxLength": 64}),
     _FORMAT])

STAFFING = _operation(
    "One day's calls forecast per half hour (UTC) from the weeks before it, and the agents "
    "Erlang C and Erlang A need for the service-level target; docs/call-history.md",
    [_query("day", "the day to staff (UTC); at most 28 days ahead", _DATE, True),
     _QUEUE,
     _query("target", "the share answered within `within` seconds; 0.8 by default",
            {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.8}),
     _seconds("within", "the service level's answer time", 20), _SHORT,
     _query("weeks", "whole weeks of history before the day the forecast reads; 8 by default",
            {"type": "integer", "minimum": 2, "maximum": 26, "default": 8}),
     _query("patience", "callers' mean patience in seconds for Erlang A; by default "
                        "estimated from the history (waiting time over abandons)",
            {"type": "number", "minimum": 1, "maximum": 86400}),
     _FORMAT])

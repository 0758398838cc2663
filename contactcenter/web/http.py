"""JSON in and out: errors with a reason (and the field at fault), bodies that must be objects.

A body is read with limits, so that no input can cost more than reading it: at most
``MAX_BODY`` bytes (413 beyond), UTF-8 and JSON as RFC 8259 has it (no ``NaN``, no
number beyond a double), objects and arrays nested at most ``MAX_DEPTH`` deep (the
deepest body the API takes, a segment definition, is 4), and no lone surrogate (``"\\ud800"`` is valid JSON but no character, and no database can
store it). Each refusal is a 400 or 413 with the reason, never a parser's traceback.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import FileField
from multidict import MultiDictProxy
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

#: the largest JSON body read (aiohttp's own limit for any body): ten times a form's
#: longest text (20,000 characters) even with every character written as an escape
MAX_BODY = 1024 * 1024
#: how deep arrays and objects may nest in a body
MAX_DEPTH = 32
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@dataclass
class ServerErrors:
    """How many requests failed unexpectedly (answered 500), and the last one: tests fail
    on any, and an operator can read it."""

    count: int = 0
    last: str = ""

    def add(self, what: str) -> None:
        self.count += 1
        self.last = what


SERVER_ERRORS = web.AppKey("server_errors", ServerErrors)


class BadInput(Exception):
    """A 4xx whose JSON body says why and, when it is one field's fault, which."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.field = field


def error(status: int, reason: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": reason}
    if field is not None:
        body["field"] = field
    return web.json_response(body, status=status)


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or a 400 (413 when too large) that says what is wrong."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadInput(413, f"body larger than {MAX_BODY} bytes")
    raw = await request.read()  # aiohttp itself refuses more than its client_max_size
    if len(raw) > MAX_BODY:
        raise BadInput(413, f"body larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_not_json,
                          parse_float=_finite)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadInput(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise BadInput(400, "body must be a JSON object")
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and not _nested_within(body, MAX_DEPTH):
        raise BadInput(400, f"body nests arrays and objects more than {MAX_DEPTH} deep")
    if _SURROGATE_ESCAPE.search(raw) and not _characters_only(body):
        raise BadInput(400, "body has a lone surrogate escape (\\ud800-\\udfff), not a "
                            "character")
    return body


async def form_object(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The body as a form, or a 400: aiohttp raises ValueError for a multipart body
    without its boundary or text that is not in its charset, LookupError for a charset
    that does not exist, HttpProcessingError for a part whose headers are not HTTP."""
    try:
        return await request.post()
    except (ValueError, LookupError, HttpProcessingError):
        raise BadInput(400, "body must be a form") from None


def _not_json(constant: str) -> Any:
    """Python's parser takes ``NaN`` and ``Infinity``; JSON (RFC 8259) has neither."""
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float, refusing one too large for it (``1e400``)."""
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text} is too large")
    return number


def _nested_within(value: Any, limit: int) -> bool:
    """Whether no array or object in ``value`` is deeper than ``limit`` (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None
        if children is None:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def _characters_only(body: dict[str, Any]) -> bool:
    """Whether every text in the body is made of characters UTF-8 can write."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def field_path(location: tuple[int | str, ...]) -> str:
    """``('phones', 0, 'number')`` -> ``phones.0.number``."""
    return ".".join(str(part) for part in location)


def validated(schema: type[Model], body: dict[str, Any]) -> Model:
    """The body checked against ``schema``; a 422 naming the first field at fault.

    Checked as JSON in pydantic's strict mode, so that a value is taken only in the
    type the API document gives it: ``0`` or ``"true"`` is not a boolean, ``"5"`` or
    ``true`` not a whole number, while dates and exact decimals come as strings, as
    JSON has them.
    """
    try:
        return schema.model_validate_json(json.dumps(body), strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = field_path(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise BadInput(422, f"{where}: {message}" if where else message,
                       field=where or None) from None

"""JSON in and out: errors with a reason (and the field at fault), bodies that must be objects."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


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
    """The body as a JSON object, or a 400 that says what is wrong with it."""
    try:
        body = await request.json()
    except ValueError:
        raise BadInput(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise BadInput(400, "body must be a JSON object")
    return body


def field_path(location: tuple[int | str, ...]) -> str:
    """``('phones', 0, 'number')`` -> ``phones.0.number``."""
    return ".".join(str(part) for part in location)


def validated(schema: type[Model], body: dict[str, Any]) -> Model:
    """The body checked against ``schema``; a 422 naming the first field at fault."""
    try:
        return schema.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = field_path(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise BadInput(422, f"{where}: {message}" if where else message,
                       field=where or None) from None

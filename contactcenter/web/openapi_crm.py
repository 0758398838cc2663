"""The API document's entries for the CRM's collections, made from the resource
descriptions: pydantic's JSON Schema of what a create and an update accept, a
schema of the row built from the table's columns, and a list's parameters
from its filterable and sortable fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from pydantic import BaseModel, create_model
from sqlalchemy import JSON, inspect

from contactcenter.web.openapi import ERROR, json_content, ref
from contactcenter.web.permissions import roles_allowed
from contactcenter.web.resources import Resource
from crm_core.listing import DEFAULT_LIMIT, MAX_LIMIT, column_type, decimal_places, ranged
from crm_core.query_values import DATE_PATTERN, DATETIME_PATTERN, MAX_INT, decimal_pattern

REF_TEMPLATE = "#/components/schemas/{model}"
Operations = dict[tuple[str, str], dict[str, Any]]


def read_model(resource: Resource) -> type[BaseModel]:
    """A row as the API returns it: each readable column with its type and nullability."""
    model = resource.entity.model
    columns = inspect(model).columns
    fields: dict[str, Any] = {}
    for name in resource.entity.fields:
        column = columns[name]
        kind: Any = Any if isinstance(column.type, JSON) else column_type(model, name)
        fields[name] = (Optional[kind] if column.nullable else kind, ...)  # noqa: UP045
    for name, annotation in resource.extra_out.items():
        fields[name] = (annotation, ...)
    read: type[BaseModel] = create_model(model.__name__, **fields)
    return read


def _schema(model: type[BaseModel], mode: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's schema and the schemas it refers to (to go into components)."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE,
                                     mode="serialization" if mode == "out" else "validation")
    return schema, schema.pop("$defs", {})


def components(resources: tuple[Resource, ...]) -> dict[str, Any]:
    """Every schema the collections' operations refer to, by name."""
    found: dict[str, Any] = {}
    for resource in resources:
        models: list[tuple[type[BaseModel], str]] = [(read_model(resource), "out")]
        models += [(model, "in") for model in (resource.create, resource.update) if model]
        for model, mode in models:
            schema, nested = _schema(model, mode)
            if model is resource.update:  # omitted means unchanged, not "null by default"
                for prop in schema.get("properties", {}).values():
                    prop.pop("default", None)
            found |= nested | {model.__name__: schema}
    return found


#: a filter's value as ``crm_core.listing`` parses it, by the column's Python type
_FILTER_SCHEMAS: dict[type, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT},
    float: {"type": "number"},
    Decimal: {"type": "string", "pattern": decimal_pattern(),
              "description": "an exact decimal, e.g. 12.50"},
    dt.date: {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    dt.datetime: {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
}


def _filter_schema(resource: Resource, name: str) -> dict[str, Any]:
    kind = column_type(resource.entity.model, name)
    places = decimal_places(resource.entity.model, name)
    if kind is Decimal and places is not None:
        return {**_FILTER_SCHEMAS[Decimal], "pattern": decimal_pattern(places)}
    for known, schema in _FILTER_SCHEMAS.items():
        if kind is known:
            return schema
    return {"type": "string", "pattern": "^[^\\u0000]*$"}  # no NUL: PostgreSQL has none


def _sort_schema(resource: Resource) -> dict[str, Any]:
    """Comma-separated sortable fields, each perhaps with ``-`` before it."""
    one = f"-?(?:{'|'.join(resource.sortable)})"
    return {"type": "string", "pattern": f"^{one}(?:,{one})*$"}


def _parameters(resource: Resource) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": "limit", "in": "query", "schema": {
            "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        {"name": "offset", "in": "query", "schema": {
            "type": "integer", "minimum": 0, "maximum": MAX_INT}},
        {"name": "sort", "in": "query", "schema": _sort_schema(resource),
         "description": "comma-separated fields, `-` first for descending; one of: "
                        + ", ".join(resource.sortable)}]
    for name in resource.filterable:
        schema = _filter_schema(resource, name)
        params.append({"name": name, "in": "query", "schema": schema})
        if ranged(column_type(resource.entity.model, name)):
            for suffix, word in (("gte", "at least"), ("lte", "at most")):
                params.append({"name": f"{name}__{suffix}", "in": "query", "schema": schema,
                               "description": f"{name} {word} this"})
    return params


def _doc(resource: Resource, action: str, summary: str, responses: dict[str, Any],
         **more: Any) -> dict[str, Any]:
    roles = ", ".join(roles_allowed(resource.name, action))
    return {"summary": summary, "tags": [resource.name],
            "description": f"{resource.summary}. Roles: {roles}.",
            "responses": {**responses, "401": ERROR, "403": ERROR}, **more}


def operations(resource: Resource) -> Operations:
    """(method, path) -> operation, for each route the description allows."""
    name, row = resource.name, ref(read_model(resource).__name__)
    collection, item = f"/api/v1/{name}", f"/api/v1/{name}/{{id}}"
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    page = {"type": "object", "required": ["items", "total", "limit", "offset", "next"],
            "properties": {"items": {"type": "array", "items": row},
                           "total": {"type": "integer"}, "limit": {"type": "integer"},
                           "offset": {"type": "integer"},
                           "next": {"type": ["string", "null"]}}}
    found: Operations = {
        ("GET", collection): _doc(resource, "read", f"List {name}",
                                  {"200": json_content(page), "400": ERROR},
                                  parameters=_parameters(resource)),
        ("GET", item): _doc(resource, "read", f"One of the {name}",
                            {"200": json_content(row), "404": ERROR}, parameters=id_param)}
    if resource.create is not None:
        found[("POST", collection)] = _doc(
            resource, "create", f"Create one of the {name}",
            {"201": json_content(row, "created"), "400": ERROR, "409": ERROR, "422": ERROR},
            requestBody={"required": True,
                         "content": {"application/json": {"schema": ref(
                             resource.create.__name__)}}})
    if resource.update is not None:
        found[("PATCH", item)] = _doc(
            resource, "update", f"Change some fields of one of the {name}",
            {"200": json_content(row), "400": ERROR, "404": ERROR, "409": ERROR,
             "422": ERROR}, parameters=id_param,
            requestBody={"required": True, "content": {"application/json": {
                "schema": ref(resource.update.__name__)}}})
    if resource.deletable:
        found[("DELETE", item)] = _doc(
            resource, "delete", f"Delete one of the {name}",
            {"204": {"description": "deleted"}, "404": ERROR, "409": ERROR},
            parameters=id_param)
    return found

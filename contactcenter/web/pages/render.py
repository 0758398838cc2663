"""HTML out: templates whose every value is escaped unless it is ``Markup`` made here,
the page data handed to the scripts, the static files, and the headers pages carry.

The templates are ``string.Template`` files in ``templates/`` (``$name``
placeholders): no logic in them, so what is escaped is decided here, in Python,
where it can be reviewed. A value is escaped unless it is a ``Markup``, and
``Markup`` is only ever built from escaped parts (``html``, ``join``, ``tag``).
The scripts get their data as JSON in a ``<script type="application/json">``
block, with ``<``, ``>`` and ``&`` written as ``\\u003c`` and friends so that no
text inside can close the block.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from aiohttp import web

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
ASSET_NAME = re.compile(r"^[a-z][a-z0-9_-]*\.(?:js|css|svg|png)$")
VOID = frozenset({"br", "hr", "img", "input", "link", "meta"})
CONTENT_TYPES = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml",
                 "png": "image/png"}

#: scripts only from our own files; nothing inline, no other site, no framing
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Markup(str):
    """HTML that is safe to insert as it is (built from escaped parts only); what is added
    to it is escaped unless it is ``Markup`` too."""

    __slots__ = ()

    def __add__(self, other: str) -> Markup:
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: str) -> Markup:
        return Markup(str.__add__(escape(other), self))


def escape(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Markup | str], separator: str = "") -> Markup:
    return Markup(escape(separator).join(escape(part) for part in parts))


def tag(name: str, content: Markup | str = "", **attributes: object) -> Markup:
    """``<name attr="...">content</name>``; ``class_`` for ``class``, ``data_x`` for ``data-x``;
    an attribute that is None or False is left out, True is written bare."""
    attrs = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        attrs.append(f" {key}" if value is True else f' {key}="{escape(value)}"')
    if name in VOID:
        return Markup(f"<{name}{''.join(attrs)}>")
    return Markup(f"<{name}{''.join(attrs)}>{escape(content)}</{name}>")


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def fill(template: str, /, **values: object) -> Markup:
    """The template with each value escaped (a ``Markup`` goes in as it is)."""
    return Markup(_template(template).substitute({key: escape(value)
                                              for key, value in values.items()}))


def page_data(data: Mapping[str, Any]) -> Markup:
    text = json.dumps(data, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/json" id="page-data">{text}</script>')


def page(*, title: str, body_class: str, main: Markup, script: str | None = None,
         data: Mapping[str, Any] | None = None, nav: Markup | None = None,
         status: int = 200, csrf: str = "") -> web.Response:
    """A whole page: the shell around ``main``, with its script module and data."""
    script_tag = (tag("script", type="module", src=f"/assets/{script}")
                  if script else Markup(""))
    body = fill("base.html", title=title, body_class=body_class, main=main, nav=nav or "",
                csrf=csrf, data=page_data(data or {}), script=script_tag)
    return web.Response(text=body, status=status, content_type="text/html",
                        charset="utf-8", headers=SECURITY_HEADERS)


@cache
def _asset(name: str) -> bytes | None:
    path = STATIC / name
    return path.read_bytes() if path.is_file() else None


async def asset(request: web.Request) -> web.Response:
    """One of the pages' static files, by name only (no folders, no way out of static/)."""
    name = request.match_info["name"]
    content = _asset(name) if ASSET_NAME.match(name) else None
    if content is None:
        raise web.HTTPNotFound()
    kind = CONTENT_TYPES[name.rsplit(".", 1)[1]]
    return web.Response(body=content, content_type=kind, headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})

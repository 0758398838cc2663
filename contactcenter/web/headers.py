"""Headers on every answer the app makes: pages, API, static files, errors, WebSocket
handshakes.

``X-Content-Type-Options: nosniff`` keeps a browser from running an answer as
something other than its declared type; ``Cache-Control: no-store`` keeps API
answers (customers' data, tokens) out of shared and browser caches, unless the
answer says otherwise itself (the static files revalidate with ``no-cache``); and
``Server`` names the product without the versions of Python and aiohttp, which
only help someone looking for a known hole. Set in ``on_response_prepare``, the
last moment before the headers go out, so that no handler can forget them.
"""

from __future__ import annotations

from aiohttp import web, web_response

SERVER = "contactcenter"


async def answer_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """The headers every answer carries (an ``on_response_prepare`` signal handler)."""
    response.headers["Server"] = SERVER
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")


def add_answer_headers(app: web.Application) -> None:
    app.on_response_prepare.append(answer_headers)
    # A request too malformed to reach the app (a NUL in a header) is answered by
    # aiohttp's protocol handler, which no signal sees; its Server header comes from
    # this module-level default, the one place that covers those answers too.
    web_response.SERVER_SOFTWARE = SERVER

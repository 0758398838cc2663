"""Which pages may open the events WebSocket: the platform's own, by their ``Origin``.

A browser sends a page's cookies with a WebSocket handshake whatever page opens
it, and SameSite does not separate two ports or two sibling subdomains of one
site; but it always names the page's origin in ``Origin`` (RFC 6455, section
4.1; RFC 6454). So a handshake is taken only from the origin the request came
in on (scheme, host and port) or from one the settings list
(``allowed_origins``, for a platform behind a proxy that answers on another
name, port or scheme). A client that is not a browser sends no ``Origin``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web

Origin = tuple[str, str, int]

#: the origins besides the request's own that may open the WebSocket
ALLOWED_ORIGINS: web.AppKey[frozenset[Origin]] = web.AppKey("allowed_origins", frozenset)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(text: str) -> Origin | None:
    """``https://Host:443`` -> ``("https", "host", 443)``; None for anything else
    (``null``, a path, another scheme)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def allow_origins(app: web.Application, origins: Iterable[str]) -> None:
    """Let pages of these origins (``allowed_origins`` in the settings) open the socket."""
    parsed = {origin: parse_origin(origin) for origin in origins}
    wrong = [origin for origin, value in parsed.items() if value is None]
    if wrong:
        raise ValueError(f"not an origin (scheme://host[:port]): {wrong[0]!r}")
    app[ALLOWED_ORIGINS] = frozenset(value for value in parsed.values() if value is not None)


def own_origin(request: web.Request) -> Origin | None:
    return parse_origin(f"{request.scheme}://{request.host}")


def allowed_origin(request: web.Request) -> bool:
    """Whether the request's ``Origin`` is one the settings list."""
    origin = request.headers.get("Origin")
    parsed = None if origin is None else parse_origin(origin)
    return parsed is not None and parsed in request.app.get(ALLOWED_ORIGINS, frozenset())


def origin_accepted(request: web.Request) -> bool:
    """No ``Origin`` (not a browser), the request's own origin, or a listed one."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    parsed = parse_origin(origin)
    return parsed is not None and (parsed == own_origin(request) or allowed_origin(request))

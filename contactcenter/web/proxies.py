"""The client's address behind the proxies the settings trust (``trusted_proxies``).

Behind a TLS proxy every request comes from the proxy's address, so the limits
counted per client address (the help page's forms, booked callbacks, sign-in
throttling) counted every customer together: the sixth customer in ten minutes
to book a callback was told to try later. A proxy listed in the settings says
who its client is in ``X-Forwarded-For`` (nginx's ``$proxy_add_x_forwarded_for``,
HAProxy's ``option forwardfor``); the header is read from its right end, passing
over the trusted proxies, and the first address that is not one of them is the
client (what a client writes into the header itself is further left, and never
read). A request that does not come from a trusted proxy keeps its own address,
whatever it says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: the most of the header read: a long chain of proxies is no real one
MAX_HEADER = 2048


def networks(items: Iterable[str]) -> tuple[Network, ...]:
    """The networks (``10.0.0.0/8``) or addresses (``192.0.2.7``) listed; ValueError
    naming the one that is neither."""
    found = []
    for item in items:
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an address or a network "
                             "(e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return tuple(found)


def client_of(remote: str | None, forwarded: str | None,
              trusted: tuple[Network, ...]) -> str | None:
    """The client's address: ``remote`` unless it is a trusted proxy that forwarded
    the request, then the first untrusted address from the right of ``forwarded``."""
    if not trusted or not forwarded or not _within(remote, trusted) \
            or len(forwarded) > MAX_HEADER:
        return remote
    client = remote
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            break  # not an address: what is left of it cannot be believed
        client = address
        if not _within(address, trusted):
            break
    return client


def trust_proxies(app: web.Application, items: Iterable[str]) -> None:
    """Read the client's address from the proxies listed (before the app starts)."""
    trusted = networks(items)
    if not trusted:
        return

    @web.middleware
    async def forwarded_client(request: web.Request, handler: Handler) -> web.StreamResponse:
        client = client_of(request.remote, request.headers.get("X-Forwarded-For"), trusted)
        if client is not None and client != request.remote:
            request = request.clone(remote=client)
        return await handler(request)

    app.middlewares.insert(0, forwarded_client)  # before anything reads the address


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _within(address: str | None, trusted: tuple[Network, ...]) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)

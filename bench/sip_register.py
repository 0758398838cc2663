"""Register many SIP endpoints at once: REGISTER, the 401 challenge, REGISTER with the
digest (RFC 3261 section 22, RFC 2617 with qop=auth), 200 OK.

sipp 3.6 cannot take a different digest username per call from an injection file
(``[authentication username=[field0] ...]`` is sent as text), so the fan-out benchmark
registers its 1,000 phones with this. One UDP socket serves every registration; the
contacts it leaves behind stay until they expire (the platform's agent endpoints do
not qualify their contacts, so nothing is ever sent to them).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets

_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # SIP digest (RFC 2617) is MD5


def _authorization(challenge: str, user: str, password: str, uri: str) -> str:
    params = {m[1].lower(): m[2] or m[3] for m in _PARAM.finditer(challenge)}
    realm, nonce = params["realm"], params["nonce"]
    ha1, ha2 = _md5(f"{user}:{realm}:{password}"), _md5(f"REGISTER:{uri}")
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"',
              "algorithm=MD5"]
    if "auth" in params.get("qop", "").split(","):
        cnonce, count = secrets.token_hex(8), "00000001"
        response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
        fields += [f'cnonce="{cnonce}"', f"nc={count}", "qop=auth"]
    else:
        response = _md5(f"{ha1}:{nonce}:{ha2}")
    fields.append(f'response="{response}"')
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return "Digest " + ", ".join(fields)


class _Registrar(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[str]] = {}

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        text = data.decode(errors="replace")
        found = re.search(r"^Call-ID:\s*(\S+)", text, re.MULTILINE | re.IGNORECASE)
        if not text.startswith("SIP/2.0 1") and found:  # provisional answers: wait on
            future = self.waiting.pop(found[1], None)
            if future is not None and not future.done():
                future.set_result(text)


async def register_all(host: str, port: int, credentials: dict[str, str],
                       concurrency: int = 50, expires: int = 3600) -> None:
    """Register every ``user`` with its password; raise if any is refused."""
    loop = asyncio.get_running_loop()
    transport, registrar = await loop.create_datagram_endpoint(
        _Registrar, local_addr=("127.0.0.1", 0), remote_addr=(host, port))
    local_port = transport.get_extra_info("sockname")[1]
    gate = asyncio.Semaphore(concurrency)

    async def send(user: str, call_id: str, cseq: int, extra: str = "") -> str:
        uri = f"sip:{host}:{port}"
        message = (f"REGISTER {uri} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{local_port};rport;"
                   f"branch=z9hG4bK{secrets.token_hex(8)}\r\n"
                   f"From: <sip:{user}@{host}>;tag={call_id[:8]}\r\n"
                   f"To: <sip:{user}@{host}>\r\nCall-ID: {call_id}\r\n"
                   f"CSeq: {cseq} REGISTER\r\n"
                   f"Contact: <sip:{user}@127.0.0.1:{local_port}>\r\n{extra}"
                   f"Expires: {expires}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        for attempt in range(4):  # UDP: resend if nothing comes back
            future = registrar.waiting[call_id] = loop.create_future()
            transport.sendto(message.encode())
            try:
                return await asyncio.wait_for(future, 0.5 * 2 ** attempt)
            except TimeoutError:
                continue
        raise TimeoutError(f"no answer to {user}'s REGISTER")

    async def one(user: str, password: str) -> None:
        async with gate:
            call_id = secrets.token_hex(12)
            answer = await send(user, call_id, 1)
            if answer.startswith("SIP/2.0 401"):
                challenge = re.search(r"^WWW-Authenticate:\s*(.+)$", answer,
                                      re.MULTILINE | re.IGNORECASE)
                assert challenge is not None, answer
                digest = _authorization(challenge[1], user, password, f"sip:{host}:{port}")
                answer = await send(user, call_id, 2, f"Authorization: {digest}\r\n")
            if not answer.startswith("SIP/2.0 200"):
                raise RuntimeError(f"{user}: {answer.splitlines()[0]}")

    try:
        await asyncio.gather(*(one(user, password) for user, password in credentials.items()))
    finally:
        transport.close()

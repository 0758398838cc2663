"""``contactcenter events``: print the live event stream, one JSON object a line."""

from __future__ import annotations

import json
import sys

import aiohttp

from contactcenter.config.settings import Settings


async def watch(settings: Settings, username: str, password: str, types: str) -> int:
    base = f"http://{settings.http_host}:{settings.http_port}/api/v1"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base}/auth/token",
                                json={"username": username, "password": password}) as reply:
            body = await reply.json()
            if reply.status != 200:
                print(f"cannot sign in: {body.get('error')}", file=sys.stderr)
                return 1
        url = f"{base}/events" + (f"?types={types}" if types else "")
        headers = {"Authorization": f"Bearer {body['token']}"}
        async with session.ws_connect(url, headers=headers) as socket:
            async for message in socket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                print(json.dumps(json.loads(message.data)), flush=True)
    return 0

"""The scenarios' line on Twilio: the platform run as ``serve`` runs it with
``driver: twilio``, its REST requests to the local stand-in of Twilio's API, and the
emulator (``twilio_emulator.py``) playing Twilio's part with signed webhooks.

Agents' phones are Twilio Voice SDK clients (``client:agent101``, the driver's default
``agent_uri``). Twilio tells the platform nothing when such a client comes online; on
Twilio alone the platform takes every agent's phone as registered
(``server/engines.py``), so ``phone()`` only says whether the client answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from tests.integration.platform import EventWatcher
from tests.scenarios.lines import PATIENCE, Kind
from tests.scenarios.served import Served, served, write_settings
from tests.scenarios.twilio_calls import TwilioCall
from tests.scenarios.twilio_emulator import TwilioEmulator
from tests.support import until
from tests.unit.twilio_fake_api import ACCOUNT, PUBLIC, TOKEN, FakeTwilio

#: the account's number whose Voice URL is the platform's; its flow is ``main``
NUMBER = "+15550005000"


@dataclass
class TwilioCaller:
    emulator: TwilioEmulator
    call: TwilioCall

    @property
    def call_id(self) -> str:
        return self.call.sid

    async def heard(self, prompt: str, seconds: float = PATIENCE) -> None:
        await until(lambda: prompt in self.call.heard, seconds=seconds,
                    what=f"{self.call.sid} never heard {prompt!r} (heard {self.call.heard})")

    async def press(self, digits: str) -> None:
        for digit in digits:
            await self.emulator.press(self.call, digit, PATIENCE)

    async def hang_up(self) -> None:
        await self.emulator.hang_up(self.call)

    async def gone(self, seconds: float = PATIENCE) -> None:
        await until(lambda: self.call.over, seconds=seconds,
                    what=f"{self.call.sid} is still on the line ({self.call.status})")


@dataclass
class TwilioPhone:
    emulator: TwilioEmulator
    agent: str

    async def hang_up(self) -> None:
        live = [call for call in self.emulator.calls.values()
                if call.target == f"client:{self.agent}" and call.status == "in-progress"]
        assert live, f"{self.agent} is on no call"
        await self.emulator.hang_up(live[-1])


@dataclass
class TwilioLine:
    platform: Served
    emulator: TwilioEmulator
    fake: FakeTwilio
    events: EventWatcher
    name: str = "twilio"
    number: str = NUMBER

    async def call_in(self, caller: str, number: str | None = None) -> TwilioCaller:
        call = await self.emulator.dial_in(caller, number or self.number)
        return TwilioCaller(self.emulator, call)

    async def phone(self, agent: str, *, answers: bool = True) -> TwilioPhone:
        self.emulator.phones[agent] = answers
        return TwilioPhone(self.emulator, agent)

    def callee(self, number: str, kind: Kind) -> None:
        self.emulator.callees[number] = kind


def _twilio_sections(folder: Path, api_base: str) -> dict[str, Any]:
    credentials = folder / "twilio.json"
    credentials.write_text(json.dumps({"account_sid": ACCOUNT, "auth_token": TOKEN}))
    credentials.chmod(0o600)
    return {"driver": "twilio",
            "ivr": {"numbers": {NUMBER: "main"}},
            "twilio": {"public_url": PUBLIC, "account_sid": ACCOUNT,
                       "credentials_file": str(credentials), "numbers": [NUMBER],
                       "api_base": api_base, "calls_per_second": 50,
                       "sounds_url": f"{PUBLIC}/sounds"}}


@asynccontextmanager
async def twilio_line(folder: Path, sections: dict[str, Any]) -> AsyncIterator[TwilioLine]:
    """The platform on Twilio, with the emulator calling it and answering its REST."""
    emulator = TwilioEmulator()
    fake = FakeTwilio()
    fake.app.middlewares.append(emulator.middleware())
    api = TestServer(fake.app, host="127.0.0.1")
    await api.start_server()
    try:
        base = str(api.make_url("")).rstrip("/")
        path = write_settings(folder, sections={**sections, **_twilio_sections(folder, base)})
        async with served(path) as platform:
            emulator.poster.platform = platform.base_url
            emulator.voice_url = f"{PUBLIC}/twilio/voice"
            emulator.number_status = f"{PUBLIC}/twilio/status"
            async with EventWatcher(platform) as watcher:  # type: ignore[arg-type]
                yield TwilioLine(platform, emulator, fake, watcher)
            await emulator.close()  # before the platform stops: no webhook left going
    finally:
        await emulator.close()
        await api.close()
    assert not emulator.failures, f"the emulator failed: {emulator.failures!r}"

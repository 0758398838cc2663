"""The platform started on the Twilio driver: the settings' ``twilio`` section, the engine
and web app ``serve`` wires, REST to a local stand-in of Twilio's API. A signed voice
webhook for a number of an IVR flow gets the flow's first document; an unsigned one gets
403. A wrong section stops the start with the file, the line and the field."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import Settings, load_settings
from contactcenter.engine.engine import Engine
from contactcenter.server.assembled import assembled
from contactcenter.server.engines import listen_and_start, twilio_of
from contactcenter.server.serve import check_config
from contactcenter.server.twilio_wiring import twilio_driver
from contactcenter.telephony.owners import Owners
from contactcenter.telephony.router import DriverRouter
from contactcenter.telephony.twilio.driver import TwilioDriver
from tests.support import until
from tests.unit.twilio_desk import asterisk_not_started
from tests.unit.twilio_fake_api import NUMBER, TOKEN, demo_on_twilio, fake_twilio, post_signed

VOICE = json.loads((Path(__file__).parent / "twilio_requests/voice_incoming.json")
                   .read_text())["form"]


def _config(tmp_path: Path, api_base: str, **twilio: Any) -> Path:
    return demo_on_twilio(tmp_path, api_base, **twilio)


def _settings(path: Path) -> Settings:
    return load_settings(path, environ={})


@dataclass
class Served:
    engine: Engine
    driver: TwilioDriver
    client: TestClient[Any, Any]


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[tuple[TwilioDriver, TestClient[Any, Any]]]:
    async with served_on_twilio(tmp_path) as served:
        assert served.driver.waits.settled == served.engine.settled  # answered once settled
        yield served.driver, served.client


@contextlib.asynccontextmanager
async def served_on_twilio(tmp_path: Path, **twilio: Any) -> AsyncIterator[Served]:
    """The demo on Twilio alone, wired as ``serve`` wires it; ``twilio``: its settings."""
    async with fake_twilio() as (_fake, api_base):
        settings = _settings(_config(tmp_path, api_base, **twilio))
        async with assembled(settings) as platform:
            assert platform.router.engines == ("twilio",)
            driver = twilio_of(platform.router)
            assert driver is not None
            client = TestClient(TestServer(platform.app))
            await client.start_server()
            await driver.start()
            try:
                yield Served(platform.engine, driver, client)
            finally:
                await client.close()
                await driver.stop()


async def test_a_signed_call_hears_its_flows_first_prompt(
        platform: tuple[TwilioDriver, TestClient[Any, Any]]) -> None:
    driver, client = platform
    answer = await post_signed(client, "/twilio/voice", {**VOICE, "To": NUMBER})
    assert answer.status == 200
    assert answer.content_type == "text/xml"
    text = await answer.text()
    assert "<Play" in text or "<Say" in text, text
    assert driver.status() == {"rest": True}


async def test_an_unsigned_call_is_refused(
        platform: tuple[TwilioDriver, TestClient[Any, Any]]) -> None:
    _driver, client = platform
    answer = await post_signed(client, "/twilio/voice", {**VOICE, "To": NUMBER},
                               signature="")
    assert answer.status == 403
    forged = await post_signed(client, "/twilio/voice", {**VOICE, "To": NUMBER},
                               token="0" * 32)
    assert forged.status == 403


class SlowCrm:
    """Answers long after the IVR's lookup timeout (2 s in ``main``) and the test's end."""

    async def lookup(self, kind: str, key: str) -> dict[str, str] | None:
        await asyncio.sleep(120)
        return None


async def test_a_key_is_answered_at_once_while_a_lookup_the_ivr_gave_up_on_is_out(
        tmp_path: Path) -> None:
    """The IVR goes on without the caller's data, as the flow says; the menu's answer to a
    key is given at once and its webhook is not held for the driver's whole wait."""
    longest = 10.0  # ``answer_within`` at its most: a key held for it fails the test
    async with served_on_twilio(tmp_path, answer_within=longest) as served:
        served.engine.directory = SlowCrm()
        call, driver = VOICE["CallSid"], served.driver
        voice = await post_signed(served.client, "/twilio/voice", {**VOICE, "To": NUMBER})
        assert voice.status == 200
        await until(lambda: "playback" in driver.book.running.get(call, ("", ""))[1],
                    what="the menu never played after the IVR's lookup timeout")
        key = asyncio.ensure_future(post_signed(
            served.client, "/twilio/gather", {"CallSid": call, "Digits": "7"},  # no such
            {"call": call, "doc": "k1"}))                                     # choice
        await until(key.done, seconds=longest / 2,
                    what="the key's webhook was held while the CRM lookup was out")
        assert "playback" in await key.result().text()  # the menu's answer: a prompt


def _line_of(path: Path, key: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1)
                if line.strip().startswith(f"{key}:"))


@pytest.mark.parametrize("url", ["cc.example.com", "ftp://cc.example.com",
                                 "https://cc.example.com/?a=1", "https://:99999"])
def test_a_bad_public_url_names_the_field(tmp_path: Path, url: str) -> None:
    path = _config(tmp_path, "https://api.twilio.com", public_url=url)
    with pytest.raises(ConfigError) as caught:
        _settings(path)
    assert caught.value.field == "twilio.public_url"
    assert caught.value.path == str(path)
    assert caught.value.line == _line_of(path, "public_url")


def test_a_credentials_file_others_may_read_names_the_field(tmp_path: Path) -> None:
    path = _config(tmp_path, "https://api.twilio.com")
    (tmp_path / "twilio.json").chmod(0o644)
    settings = _settings(path)
    with pytest.raises(ConfigError) as caught:
        check_config(settings)
    assert caught.value.field == "twilio.credentials_file"
    assert caught.value.line == _line_of(path, "credentials_file")
    assert "0644" in caught.value.reason and TOKEN not in str(caught.value)


def test_credentials_of_another_account_name_the_field(tmp_path: Path) -> None:
    path = _config(tmp_path, "https://api.twilio.com",
                   account_sid="AC" + "1" * 32)
    with pytest.raises(ConfigError) as caught:
        check_config(_settings(path))
    assert caught.value.field == "twilio.account_sid"


def test_a_number_without_a_flow_names_the_field(tmp_path: Path) -> None:
    path = _config(tmp_path, "https://api.twilio.com", numbers=[NUMBER, "+15550009999"])
    with pytest.raises(ConfigError) as caught:
        check_config(_settings(path))
    assert caught.value.field == "twilio.numbers.1"


def test_the_twilio_driver_needs_its_section(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("http_port: 8080\ndriver: twilio\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert (caught.value.field, caught.value.line) == ("driver", 2)


def test_asterisk_stays_the_default(tmp_path: Path) -> None:
    settings = load_settings(None, environ={})
    assert settings.driver == "asterisk" and settings.twilio is None


async def test_the_rest_client_is_up_before_the_app_listens(tmp_path: Path) -> None:
    settings = _settings(_config(tmp_path, "https://api.twilio.com"))
    router = DriverRouter(Owners(default="twilio", numbers={}), on_event=lambda _event: None)
    router.add("twilio", lambda on_event, _resync: twilio_driver(settings, on_event))
    seen: list[dict[str, dict[str, bool]]] = []

    class Site:
        async def start(self) -> None:
            seen.append(router.status())

    try:
        await listen_and_start(Site(), router)  # type: ignore[arg-type]
    finally:
        await router.stop()
    assert seen == [{"twilio": {"rest": True}}]


async def test_twilio_numbers_run_on_twilio_beside_asterisk(tmp_path: Path) -> None:
    """``driver: asterisk`` with a ``twilio`` section: both engines, the section's numbers
    on Twilio; a call to one is recorded as Twilio's, and the health check shows both."""
    async with fake_twilio() as (_fake, api_base):
        path = _config(tmp_path, api_base)
        settings = load_settings(path, environ={"CC_DRIVER": "asterisk"})
        asterisk_not_started(settings)
        async with assembled(settings) as platform:
            router, journal = platform.router, platform.journal
            assert router.engines == ("asterisk", "twilio")
            await router.start(["twilio"])  # no Asterisk here: its driver is not started
            client = TestClient(TestServer(platform.app))
            await client.start_server()
            try:
                answer = await post_signed(client, "/twilio/voice", {**VOICE, "To": NUMBER})
                assert answer.status == 200
                record = journal.records[VOICE["CallSid"]]
                assert (record.engine, record.dialed) == ("twilio", NUMBER)
                assert router.engine_of(VOICE["CallSid"]) == "twilio"
                health = await client.get("/api/v1/health")
                body = await health.json()
                assert body["twilio"] == {"rest": True} and "asterisk" in body, body
            finally:
                await client.close()
                await router.drivers["twilio"].stop()


def test_hold_within_is_read_and_checked(tmp_path: Path) -> None:
    assert _settings(_config(tmp_path, "https://api.twilio.com", hold_within=7)).twilio \
        is not None
    path = tmp_path / "again"
    path.mkdir()
    bad = _config(path, "https://api.twilio.com", hold_within=0)
    with pytest.raises(ConfigError) as caught:
        _settings(bad)
    assert caught.value.field == "twilio.hold_within"

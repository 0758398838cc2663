"""The Twilio driver in ``contactcenter serve``, when the settings' ``driver`` is ``twilio``.

The settings' ``twilio`` section (``TwilioSettings``) becomes the driver's ``Setup`` and
``Limits``; its secrets come from ``credentials.load_credentials`` (the section's
``credentials_file``, else the ``CC_TWILIO_*`` environment). The webhook routes join the
platform's app as open routes: they carry no bearer token, Twilio's signature is their
check (``routes.twilio_routes`` refuses an unsigned webhook with 403). The driver keeps
its books (webhooks answered, legs placed) in the state folder, and hands what Twilio
has at start to the engine's ``resync``. docs/twilio.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from contactcenter.config.files import ConfigError, line_of, load_yaml
from contactcenter.config.settings import Settings
from contactcenter.config.twilio_settings import TwilioSettings
from contactcenter.telephony.twilio.credentials import (
    ENV_PREFIX,
    CredentialsError,
    TwilioCredentials,
    load_credentials,
)
from contactcenter.telephony.twilio.driver import OnEvent, OnResync, TwilioDriver
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.opened import Settled
from contactcenter.telephony.twilio.rest import Limits
from contactcenter.telephony.twilio.routes import twilio_routes
from contactcenter.telephony.twilio.store import FILE_NAME
from contactcenter.web.security import OPEN_ROUTES


def _section(settings: Settings) -> TwilioSettings:
    if settings.twilio is None:  # the settings' own check makes this unreachable
        raise ConfigError(_where(settings), None, "twilio", "no twilio section")
    return settings.twilio


def _where(settings: Settings) -> Path:
    return settings.config_path or Path("<settings>")


def _line(settings: Settings, *key_path: str) -> int | None:
    """The line of a key in the settings' file, for an error found after validation."""
    if settings.config_path is None:
        return None
    try:
        _data, lines = load_yaml(settings.config_path)
    except ConfigError:
        return None
    return line_of(lines, key_path)


def _error(settings: Settings, field: str, reason: str) -> ConfigError:
    return ConfigError(_where(settings), _line(settings, *field.split(".")), field, reason)


def load_twilio_credentials(settings: Settings,
                            environ: Mapping[str, str] | None = None) -> TwilioCredentials:
    """The section's credentials, of the section's account; ConfigError naming the field."""
    section = _section(settings)
    env = {f"{ENV_PREFIX}ACCOUNT_SID": section.account_sid,
           **(os.environ if environ is None else environ)}
    path = settings.resolve(section.credentials_file) if section.credentials_file else None
    field = "twilio.credentials_file" if path is not None else "twilio"
    try:
        credentials = load_credentials(env, path)
    except CredentialsError as exc:
        raise _error(settings, field, str(exc)) from None
    if credentials.account_sid.reveal() != section.account_sid:
        raise _error(settings, "twilio.account_sid",
                     "the credentials are of another Twilio account")
    if not credentials.auth_token:
        raise _error(settings, field, "no auth token: webhook signatures cannot be checked")
    return credentials


def check_twilio(settings: Settings) -> None:
    """At start, when Twilio carries calls (alone, or its numbers beside Asterisk): its
    numbers lead to flows, and its credentials can be read (and only by their owner)."""
    if settings.twilio is None:
        return
    section = _section(settings)
    for index, number in enumerate(section.numbers):
        if number not in settings.ivr.numbers:
            raise _error(settings, f"twilio.numbers.{index}",
                         f"{number!r} has no flow in ivr.numbers "
                         f"(have: {', '.join(sorted(settings.ivr.numbers))})")
    load_twilio_credentials(settings)


def twilio_setup(section: TwilioSettings) -> Setup:
    return Setup(account_sid=section.account_sid, public_url=section.public_url,
                 from_number=section.from_number or section.numbers[0],
                 sounds_url=section.sounds_url, recordings_url=section.recordings_url,
                 agent_uri=section.agent_uri, numbers=tuple(section.numbers))


def twilio_driver(settings: Settings, on_event: OnEvent,
                  environ: Mapping[str, str] | None = None, *,
                  on_resync: OnResync | None = None,
                  settled: Settled | None = None) -> TwilioDriver:
    """The driver the settings describe, its events to ``on_event`` and what Twilio has
    at start to ``on_resync`` (the engine's ``on_driver_event`` and ``resync``, or the
    driver router's for them); ``settled``: the engine's, so that a webhook is answered
    once the engine has handled it."""
    section = _section(settings)
    return TwilioDriver(setup=twilio_setup(section),
                        credentials=load_twilio_credentials(settings, environ),
                        on_event=on_event, on_resync=on_resync,
                        limits=Limits(calls_per_second=section.calls_per_second),
                        api_base=section.api_base, answer_within=section.answer_within,
                        state_file=settings.state_dir / FILE_NAME,
                        hold_within=section.hold_within, settled=settled)


def add_twilio_routes(app: web.Application, driver: TwilioDriver) -> None:
    """The webhook paths, open to requests without a token (their signature is checked)."""
    open_routes = app.setdefault(OPEN_ROUTES, set())
    for route in app.router.add_routes(twilio_routes(driver)):
        assert route.resource is not None
        open_routes.add((route.method, route.resource.canonical))

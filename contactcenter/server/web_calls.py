"""Web visitors' calls wired into ``serve``: the grants' service on the engine and the
Asterisk driver, its routes on the app, its expiry loop in the background."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.acd import AcdConfig
from contactcenter.config.settings import Settings
from contactcenter.engine.engine import Engine
from contactcenter.ivr.loader import Flow
from contactcenter.server.background import Background
from contactcenter.telephony.asterisk.ari import AriClient
from contactcenter.telephony.asterisk.driver import AsteriskDriver
from contactcenter.telephony.router import DriverRouter
from contactcenter.web.softphone_routes import Softphones
from contactcenter.web.webcall_routes import add_web_call_routes
from contactcenter.webcall.service import WebCalls
from contactcenter.webcall.settings import check_targets
from crm_core.web_visitors import contact_by_email

ASTERISK = "asterisk"


def check_web_calls(settings: Settings, flows: Mapping[str, Flow], queues: AcdConfig) -> None:
    """Each web target names a flow or queue that exists (ConfigError otherwise)."""
    if settings.web_calls is not None:
        check_targets(settings.web_calls, settings.config_path, set(flows),
                      set(queues.queues))


def wire_web_calls(settings: Settings, engine: Engine, router: DriverRouter,
                   app: web.Application, flows: Mapping[str, Flow],
                   crm: async_sessionmaker[AsyncSession]) -> WebCalls | None:
    """The service, when the settings have ``web_calls`` and Asterisk runs (the visitor's
    browser calls over its SIP WebSocket)."""
    if settings.web_calls is None or ASTERISK not in router.engines:
        return None

    def ari() -> AriClient | None:
        driver = router.drivers.get(ASTERISK)
        return driver.ari if isinstance(driver, AsteriskDriver) else None

    calls = WebCalls(settings.web_calls, flows=flows, media_address=settings.asterisk.host,
                     ari=ari, contacts=lambda email: contact_by_email(crm, email))
    engine.web = calls
    add_web_call_routes(app, calls, Softphones.from_settings(settings))
    return calls


def start_web_calls(background: Background, calls: WebCalls | None) -> None:
    if calls is not None:
        background.start("web calls' grants", calls.run())

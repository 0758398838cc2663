"""The engines ``serve`` runs calls on, behind one router (``telephony.router``).

``driver`` names the default engine: Asterisk (with its process) unless it is
``twilio``. A ``twilio`` section adds Twilio beside Asterisk: its ``numbers`` run
on Twilio, every other number on Asterisk, and a call placed with one of them as
its caller id goes out through Twilio. ``driver: twilio`` runs Twilio alone.
"""

from __future__ import annotations

from aiohttp import web

from contactcenter.config.settings import Settings
from contactcenter.engine.engine import Engine
from contactcenter.events.journal import CallJournal, CallRecord
from contactcenter.server.twilio_wiring import (
    add_twilio_routes,
    load_twilio_credentials,
    twilio_driver,
)
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.driver import AsteriskDriver
from contactcenter.telephony.asterisk.render import read_credentials
from contactcenter.telephony.owners import Owners
from contactcenter.telephony.router import DriverRouter, OnEvent, Resync
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.web.softphone_routes import Softphones, add_softphone_routes
from contactcenter.web.twilio_token_routes import TwilioPhones, add_twilio_token_routes

ASTERISK, TWILIO = "asterisk", "twilio"
#: the status flag that says an engine can place calls (a campaign dials only then)
CAN_DIAL = {ASTERISK: "ami", TWILIO: "rest"}


def engines_of(settings: Settings) -> tuple[str, ...]:
    """The engines the settings run, the default one first."""
    if settings.driver == TWILIO:
        return (TWILIO,)
    return (ASTERISK, TWILIO) if settings.twilio is not None else (ASTERISK,)


def build_router(settings: Settings, engine: Engine, journal: CallJournal) -> DriverRouter:
    """Every engine's driver behind one router feeding ``engine``; the calls journalled
    before a restart keep the engine their record names."""
    twilio_numbers = [] if settings.twilio is None else [
        *settings.twilio.numbers, *filter(None, [settings.twilio.from_number])]
    owners = Owners(default=settings.driver,
                    numbers={number: TWILIO for number in twilio_numbers})
    running = engines_of(settings)

    def engine_of(record: CallRecord) -> str:  # an engine no longer run: the default's
        return record.engine if record.engine in running else settings.driver

    owners.seed(((record.call_id, engine_of(record)) for record in journal.live()),
                ended=((record.call_id, engine_of(record)) for record in journal.ended()))
    router = DriverRouter(owners, on_event=engine.on_driver_event, on_resync=engine.resync)
    for name in running:
        if name == ASTERISK:
            router.add(ASTERISK, lambda on_event, on_resync: _asterisk(settings, on_event,
                                                                       on_resync))
        else:
            router.add(TWILIO, lambda on_event, on_resync: twilio_driver(
                settings, on_event, on_resync=on_resync, settled=engine.settled))
    engine.send = router.execute
    engine.engine_of = router.engine_of
    if running == (TWILIO,):
        _reachable_on_twilio(settings, engine)
    return router


def _reachable_on_twilio(settings: Settings, engine: Engine) -> None:
    """Twilio alone tells of no phone registering: it rings each agent at ``agent_uri``
    (their browser client, their SIP phone), so each agent's phone is taken as registered
    and may go available; one that is not there rings out, as a missed offer does."""
    for agent in settings.agents:
        engine.on_driver_event(de.EndpointRegistration(endpoint=agent.id, registered=True))


def _asterisk(settings: Settings, on_event: OnEvent, on_resync: Resync) -> AsteriskDriver:
    return AsteriskDriver(credentials=lambda: read_credentials(settings),
                          on_event=on_event, on_resync=on_resync)


def twilio_of(router: DriverRouter) -> TwilioDriver | None:
    driver = router.drivers.get(TWILIO)
    return driver if isinstance(driver, TwilioDriver) else None


def add_engine_routes(app: web.Application, router: DriverRouter, settings: Settings) -> None:
    """The agents' browser phones of the engines that run: the SIP phone's account where
    Asterisk runs; where Twilio runs, its webhooks (checked by their signature) and the
    access tokens of the phones on it."""
    if ASTERISK in router.engines:
        add_softphone_routes(app, Softphones.from_settings(settings))
    twilio = twilio_of(router)
    if twilio is not None:
        add_twilio_routes(app, twilio)
        phones = TwilioPhones(load_twilio_credentials(settings),
                              agents=[agent.id for agent in settings.agents])
        add_twilio_token_routes(app, phones)


async def listen_and_start(site: web.TCPSite, router: DriverRouter) -> None:
    """Twilio's driver before the app listens, so that the commands of its first webhook
    find the REST client up; Asterisk's once the app listens (its resync may ask it)."""
    early = [name for name in router.engines if name == TWILIO]
    await router.start(early)
    await site.start()
    await router.start([name for name in router.engines if name not in early])
    await router.wait_connected(timeout=30)

"""``contactcenter serve``: Asterisk (when managed), the engine, the web app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.acd import Acd, AcdConfig, load_acd
from contactcenter.calls import CallGate
from contactcenter.config.files import ConfigError
from contactcenter.config.settings import Settings
from contactcenter.desk import Desk, desk_scripts
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.engine.agent_store import AgentStateStore
from contactcenter.engine.callees import callee_lookup
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.directory import Directory
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.engine import Engine
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.ivr_lookup import IvrLookup
from contactcenter.events.agent_time_outbox import AgentTimeOutbox
from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import Flow, load_flows
from contactcenter.ivr.model import CallbackNode, QueueNode
from contactcenter.scripting import ScriptBook
from contactcenter.server.agent_time import AGENTS_FILE, agent_time_outbox, close_agent_time
from contactcenter.server.analytics import analytics_background, contact_sources
from contactcenter.server.background import Background
from contactcenter.server.banner import banner
from contactcenter.server.campaign_admin import CampaignAdmin
from contactcenter.server.dialing import (
    configured_campaigns,
    load_crm_lists,
    national_lists,
    wire_campaigns,
)
from contactcenter.server.engines import (
    CAN_DIAL,
    add_engine_routes,
    build_router,
    engines_of,
    listen_and_start,
)
from contactcenter.server.exposure import refuse_exposed_demo_secrets, refuse_exposed_stored_users
from contactcenter.server.heap import settle_after_start
from contactcenter.server.recordings import recording_store, start_retention
from contactcenter.server.statedir import prepare_state_dir
from contactcenter.server.twilio_wiring import check_twilio
from contactcenter.server.voicemail import load_mailboxes, start_voicemail, wire_voicemail
from contactcenter.server.web_calls import check_web_calls, start_web_calls, wire_web_calls
from contactcenter.telephony.asterisk.process import AsteriskProcess, ami_login_ok, ari_info
from contactcenter.telephony.asterisk.render import read_credentials
from contactcenter.telephony.router import DriverRouter
from contactcenter.web.analytics_routes import use_time_zone
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret
from contactcenter.web.control_routes import add_control_routes
from contactcenter.web.desk_routes import DESK
from contactcenter.web.dialer_routes import add_dialer_routes
from contactcenter.web.monitor_routes import add_monitor_routes
from contactcenter.web.origins import allow_origins
from contactcenter.web.pages.campaign_stream import ADMIN
from contactcenter.web.proxies import trust_proxies
from contactcenter.web.recording_routes import add_recording_routes
from contactcenter.web.scope import Scopes
from contactcenter.web.score_routes import RECOMPUTE as SCORES_RECOMPUTE
from contactcenter.web.signouts import FILE_NAME as SIGNOUTS_FILE
from crm_core.customers import CustomerService
from crm_core.db import make_engine, migrate, sessions
from crm_core.dialer_service import DialerService
from crm_core.scores_job import recompute_in_child
from crm_core.users import ConfiguredUser, load_users, upsert_configured

#: the process's background tasks, kept with the app that reports on them
BACKGROUND: web.AppKey[Background] = web.AppKey("background")

log = logging.getLogger(__name__)


def load_queues(settings: Settings) -> AcdConfig:
    """The ACD's queues and agents; every agent must be a SIP endpoint a phone can use."""
    agents_path = settings.resolve(settings.acd.agents)
    config = load_acd(settings.resolve(settings.acd.queues), agents_path)
    endpoints = {agent.id for agent in settings.agents}
    for agent in config.agents:
        if agent not in endpoints:
            raise ConfigError(agents_path, None, f"agents.{agent}",
                              "no SIP endpoint of that name in the settings' agents")
    return config


def _queues_exist(flows: dict[str, Flow], queues: AcdConfig, folder: Path) -> None:
    """Every queue an IVR hands calls to is one the ACD has (a fixed name, at least)."""
    for flow in flows.values():
        for name, node in flow.nodes.items():
            queue = node.queue if isinstance(node, QueueNode | CallbackNode) else None
            if queue and "{" not in queue and queue not in queues.queues:
                raise ConfigError(folder / f"{flow.name}.yaml", None,
                                  f"nodes.{name}.queue",
                                  f"no queue named {queue!r} in the ACD's queues "
                                  f"(have: {', '.join(sorted(queues.queues))})")


def _supervised_queues_exist(settings: Settings, queues: AcdConfig) -> None:
    """A supervisor's queues are queues the ACD has."""
    for index, user in enumerate(settings.users):
        for queue in user.queues or ():
            if queue not in queues.queues:
                raise ConfigError(settings.config_path or Path("<settings>"), None,
                                  f"users.{index}.queues",
                                  f"no queue named {queue!r} in the ACD's queues "
                                  f"(have: {', '.join(sorted(queues.queues))})")


def check_config(settings: Settings) -> dict[str, Flow]:
    """Load everything the platform needs from config; raise ConfigError if wrong."""
    queues = load_queues(settings)
    flows = load_flows(settings.resolve(settings.ivr.dir))
    _queues_exist(flows, queues, settings.resolve(settings.ivr.dir))
    _supervised_queues_exist(settings, queues)
    for number, flow in settings.ivr.numbers.items():
        if flow not in flows:
            where = settings.config_path or Path("<settings>")
            raise ConfigError(where, None, f"ivr.numbers.{number}",
                              f"no flow named {flow!r} (have: {', '.join(sorted(flows))})")
    configured_campaigns(settings, queues)  # a campaigns file: the names in it exist
    check_twilio(settings)
    load_mailboxes(settings, queues, flows)  # every mailbox named is a queue's or an agent's
    check_web_calls(settings, flows, queues)
    return flows


def _script_names(settings: Settings) -> set[str]:
    """The call scripts a campaign may name (``config/scripts``)."""
    return {path.stem for path in settings.resolve(settings.scripts.dir).glob("*.yaml")}


async def _asterisk(settings: Settings) -> AsteriskProcess | None:
    """Start (or adopt) the managed Asterisk, or wait for one run by someone else."""
    if not settings.asterisk.managed:
        await wait_for_credentials(settings)
        return None
    process = AsteriskProcess(settings)
    await asyncio.to_thread(start_or_adopt, process, settings)
    return process


async def _authenticator(settings: Settings,
                         crm: async_sessionmaker[AsyncSession]) -> Authenticator:
    """The config's users into the database (the way to bootstrap an admin), then
    every user of the database into the memory that tokens are checked against."""
    configured = [ConfiguredUser(user.username, user.password, user.role, user.agent)
                  for user in settings.users]
    await upsert_configured(crm, configured)
    users = await load_users(crm)
    # a user kept from an earlier demo run must not sign in from the network either
    await asyncio.to_thread(refuse_exposed_stored_users, settings, users)
    return Authenticator(users, load_secret(settings.state_dir),
                         signouts=settings.state_dir / SIGNOUTS_FILE)


def _wire(settings: Settings, flows: dict[str, Flow], journal: CallJournal, bus: EventBus,
          crm: async_sessionmaker[AsyncSession],
          auth: Authenticator, scripts: ScriptBook | None = None,
          book: CampaignBook | None = None,
          ) -> tuple[Engine, DriverRouter, web.Application]:
    """The engine, the drivers feeding it behind their router (``server.engines``: Asterisk,
    Twilio or both, as the settings say), and the web app showing both."""
    customers = CustomerService(crm)
    lookup = IvrLookup(customers, Directory(settings.ivr.directory))
    engine = Engine(flows=flows, numbers=settings.ivr.numbers, directory=lookup, bus=bus,
                    journal=journal)
    distributor = _distributor(settings, engine)
    outbound = engine.attach_click_to_talk() if distributor.dial_out else None
    monitors = engine.attach_monitors()
    control = engine.attach_control()
    window, gate = _gate(settings, engine, customers)
    specs = wire_campaigns(settings, engine, distributor.acd.config, book)
    admin = CampaignAdmin(engine, distributor.acd.config, _script_names(settings),
                          DialerService(crm), book, specs, window=window)
    desk = Desk(bus=bus, journal=journal, customers=customers, acd=distributor.acd.config,
                scripts=scripts, distributor=distributor, campaigns=engine.campaigns,
                extras=contact_sources(crm))
    router = build_router(settings, engine, journal)
    background = Background()
    app = create_app(bus=bus, journal=journal, auth=auth,
                     health_check=lambda: {**router.status(),
                                           "live_calls": len(engine.calls),
                                           "background": background.status()},
                     customers=customers, database=crm, distributor=distributor, desk=desk,
                     outbound=outbound, gate=gate,
                     supervised=Scopes.of(settings.users, distributor.acd.config.agents))
    allow_origins(app, settings.allowed_origins)  # pages beyond our own origin (a proxy)
    trust_proxies(app, settings.trusted_proxies)  # each client's address behind them
    use_time_zone(app, settings.time_zone)  # the call history's days, weeks and hours
    add_monitor_routes(app, monitors)
    add_control_routes(app, control)
    _add_call_routes(app, settings, engine, router, flows, crm, background, admin)
    app[BACKGROUND] = background
    return engine, router, app


def _add_call_routes(app: web.Application, settings: Settings, engine: Engine,
                     router: DriverRouter, flows: dict[str, Flow],
                     crm: async_sessionmaker[AsyncSession], background: Background,
                     admin: CampaignAdmin) -> None:
    """The routes over the calls themselves: recordings, voicemail, the phones' and
    Twilio's webhooks, the web visitors' calls, and the dialer's."""
    distributor = engine.distributor
    assert distributor is not None  # attached first, by ``_wire``
    add_recording_routes(app, recording_store(settings), load_secret(settings.state_dir))
    wire_voicemail(app, settings, distributor.acd.config, flows)  # plays through the above
    add_engine_routes(app, router, settings)  # the agents' phones, Twilio's webhooks
    # web visitors' calls: grants pushed to Asterisk, matched to calls as they arrive
    start_web_calls(background, wire_web_calls(settings, engine, router, app, flows, crm))
    if engine.campaigns is not None:  # a dial is placed only while its engine can place it
        engine.campaigns.can_dial = lambda caller_id: router.ready(CAN_DIAL, via=caller_id)
        add_dialer_routes(app, engine.campaigns, distributor, admin)


def _gate(settings: Settings, engine: Engine, customers: CustomerService,
          ) -> tuple[CallingWindow, Gatekeeper]:
    """The one compliance gate every call placed passes, in the dialer's calling hours."""
    window = CallingWindow(start=settings.dialer.calling_hours[0],
                           end=settings.dialer.calling_hours[1])
    gate = engine.attach_gate(CallGate(window, do_not_call=national_lists(settings)),
                              callee_lookup(customers))
    return window, gate


def _distributor(settings: Settings, engine: Engine) -> Distributor:
    """The ACD on the engine, its agents as they were before a restart."""
    store = AgentStateStore(settings.state_dir / AGENTS_FILE)
    distributor = engine.attach_acd(Acd(load_queues(settings), now=engine.clock()), store)
    distributor.restore_agents()  # before any call: the resync gives them their calls
    # Twilio alone places calls itself; Asterisk (the default engine of click-to-talk and
    # of its callers' callbacks) through its outbound peer, if there is one
    distributor.dial_out = settings.asterisk.outbound_host is not None \
        or settings.driver == "twilio"
    return distributor


async def run(settings: Settings) -> None:
    """Everything up, serving until SIGINT or SIGTERM, then everything down in order."""
    refuse_exposed_demo_secrets(settings)  # before anything is written or listens
    flows = check_config(settings)
    scripts = desk_scripts(settings, load_queues(settings).queues)
    journal, book = _state_files(settings)
    bus = EventBus()
    database = make_engine(settings.database)
    await migrate(database)
    crm = sessions(database)
    auth = await _authenticator(settings, crm)  # may refuse: before Asterisk listens
    process = await _asterisk(settings) if "asterisk" in engines_of(settings) else None
    agent_time = agent_time_outbox(settings, load_queues(settings), crm, bus)
    engine, router, app = _wire(settings, flows, journal, bus, crm, auth, scripts, book)
    app[SCORES_RECOMPUTE] = recompute_in_child  # the fits in a process of their own
    await load_crm_lists(settings, engine, load_queues(settings), crm)
    if ADMIN in app:  # the campaigns made through the API, before the phones can ring
        await app[ADMIN].load_stored()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    outbox = CrmOutbox(journal, crm)
    background = app[BACKGROUND]
    _start_background(background, engine, journal, outbox, bus, app)
    _start_crm_tasks(background, settings, app, journal, crm, bus, agent_time)
    try:
        await _serve_until_stopped(settings, runner, router, engine)
    finally:
        await runner.cleanup()  # no request comes in while the rest stops
        await _stop_calls(engine, router)
        await background.stop()  # every task cancelled and awaited
        await _last_flush(outbox)
        await close_agent_time(agent_time)
        bus.close()
        journal.close()
        book.close()
        await database.dispose()
        if process is not None:
            await asyncio.to_thread(process.stop)


async def _serve_until_stopped(settings: Settings, runner: web.AppRunner,
                               router: DriverRouter, engine: Engine) -> None:
    """Listen, take up the calls left before a restart, say where to call, and wait."""
    await listen_and_start(web.TCPSite(runner, settings.http_host, settings.http_port), router)
    _take_up_where_left(engine)
    print(banner(settings, terminal=sys.stdout.isatty()), flush=True)
    log.debug("%d objects of the start kept out of the collector", settle_after_start())
    await _until_stopped()


def _state_files(settings: Settings) -> tuple[CallJournal, CampaignBook]:
    """The state folder made private (0700, files 0600) before any write, and the calls'
    journal and the dialer's campaign book opened in it."""
    prepare_state_dir(settings.state_dir)
    journal = CallJournal(settings.state_dir / "calls.jsonl")
    journal.open()
    book = CampaignBook(settings.state_dir / "campaigns.jsonl")
    book.open()
    return journal, book


def _start_crm_tasks(background: Background, settings: Settings, app: web.Application,
                     journal: CallJournal, crm: async_sessionmaker[AsyncSession],
                     bus: EventBus, agent_time: AgentTimeOutbox) -> None:
    """What ``serve`` alone runs beside the calls: the agents' time, the analytics'
    schedules, the recordings' retention, the voicemail messages and their age."""
    background.start("agents' time", agent_time.run(bus))
    analytics_background(background, settings, crm, app[DESK].pops.extras)
    start_retention(background, settings, crm)
    start_voicemail(background, app, journal, crm, bus)


async def _stop_calls(engine: Engine, router: DriverRouter) -> None:
    """No dial placed into a driver that is stopping; the drivers, then the engine."""
    if engine.campaigns is not None:
        await engine.campaigns.close()
    await router.stop()
    await engine.close()


def _take_up_where_left(engine: Engine) -> None:
    """Once phones can ring: campaigns that ran before a restart run on, and the callbacks
    promised before it wait their turn again."""
    if engine.campaigns is not None:
        engine.campaigns.resume_after_restart()
    restored = engine.restore_callbacks()
    if restored:
        log.info("%d callbacks promised before the restart wait their turn again", restored)


def _start_background(background: Background, engine: Engine, journal: CallJournal,
                      outbox: CrmOutbox, bus: EventBus, app: web.Application) -> None:
    """What runs beside the calls for as long as the process, each task by name."""
    assert engine.distributor is not None
    background.start("journal sync", journal.sync_forever())
    background.start("CRM outbox", outbox.run(bus))
    background.start("screen-pops", app[DESK].start())  # subscribed before the first call
    background.start("ACD", engine.distributor.run())
    for name, part in (("click-to-talk", engine.outbound), ("monitoring", engine.monitors),
                       ("call gate", engine.gate), ("call control", engine.control)):
        if part is not None:
            background.start(name, part.run())


async def _last_flush(outbox: CrmOutbox) -> None:
    """Write the calls that ended just now; what misses this is written at the next start."""
    try:
        await asyncio.wait_for(outbox.flush(), timeout=5)
    except Exception as exc:  # noqa: BLE001 - the journal still has them
        log.warning("calls not yet in the CRM are written at the next start: %s", exc)


def start_or_adopt(process: AsteriskProcess, settings: Settings) -> None:
    """Reuse an Asterisk left running by a crashed app, so its calls go on.

    The calls it carries are still in the Stasis app; the driver's resync
    picks them up again. A fresh start happens only when none answers.
    """
    if process.processes():
        credentials = read_credentials(settings)
        if ari_info(credentials) is not None and ami_login_ok(credentials):
            log.warning("reusing the Asterisk already running from %s; calls in it are kept",
                        settings.asterisk_runtime_dir)
            return
    process.start()


async def wait_for_credentials(settings: Settings, timeout: float = 120) -> None:
    """An Asterisk run by someone else (a container) renders its credentials on start."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            read_credentials(settings)
            return
        except (OSError, ValueError, KeyError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(1)


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()

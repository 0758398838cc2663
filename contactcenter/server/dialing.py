"""The dialer's campaigns at start: each one from ``config/campaigns.yaml`` becomes a
dialer core on the engine, with its list loaded.

A campaign's list from a CSV file loads here; the CRM's lists (a segment, the
campaign's members, leads) load once the CRM answers (``crm_core.dial_lists``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.acd.model import DEFAULT_DISPOSITIONS, AcdConfig, QueueConfig
from contactcenter.config.settings import Settings
from contactcenter.dialer.campaign_file import CampaignSpec, load_campaigns
from contactcenter.dialer.dnc import load_national_dnc
from contactcenter.dialer.events import Record
from contactcenter.dialer.law import DoNotCall
from contactcenter.dialer.lists import read_campaign_list, record_id
from contactcenter.dialer.states import Campaign, Outcome, RetryRule
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.engine import Engine
from crm_core.dialer_service import DialerService

log = logging.getLogger(__name__)

#: what a human no agent could take hears before the line is hung up: who called and the
#: number to call back (16 CFR 310.4(b)(4)(iii)); a campaign's own recording replaces it
ABANDON_SOUNDS = "sound:thank-you-for-calling&sound:please-try-call-later&sound:at-following-number"
#: an agent's wrap-up after a campaign call with no queue to say otherwise
DEFAULT_WRAP_UP = 10.0


_RETRIED = (Outcome.BUSY, Outcome.NO_ANSWER, Outcome.MACHINE, Outcome.FAILED,
            Outcome.ABANDONED)


def campaign_of(name: str, spec: CampaignSpec) -> Campaign:
    """The dialer core's settings of a configured campaign."""
    retry = {outcome: RetryRule(delay=rule.delay, max_attempts=rule.max_attempts)
             for outcome in _RETRIED
             for rule in [getattr(spec.retries, outcome.value)]}
    caller = spec.caller_id or ""
    return Campaign(
        name=name, caller_id=spec.caller_id, strategy=spec.mode, max_lines=spec.max_lines,
        ring_timeout=float(spec.ring_seconds), power_ratio=spec.power_ratio, retry=retry,
        machine=spec.machine.action, machine_message=spec.machine.message or "",
        abandon_target=spec.abandon_target, preview_seconds=float(spec.preview_seconds),
        calling_hours=spec.calling_hours,
        abandon_message=f"{ABANDON_SOUNDS}&digits:{caller.lstrip('+')}")


#: the code that puts the record back for the time the customer agreed to
CALL_BACK = {"code": "call_back", "label": "Call back at the agreed time", "callback": True}


def campaign_codes(spec: CampaignSpec, queue: QueueConfig | None
                   ) -> tuple[dict[str, Any], ...]:
    """The campaign's disposition codes; none given: its queue's (or the default set),
    with "call back" at a time the customer agreed to."""
    if spec.dispositions:
        return tuple(d.model_dump() for d in spec.dispositions)
    given = queue.dispositions if queue is not None else DEFAULT_DISPOSITIONS
    return (*({"code": d.code, "label": d.label, "callback": False} for d in given), CALL_BACK)


def csv_records(spec: CampaignSpec, settings: Settings) -> tuple[Record, ...]:
    """A CSV list's records; its bad rows are logged with their line and reason."""
    assert spec.list.csv is not None and settings.dialer.campaigns is not None
    path = settings.resolve(settings.dialer.campaigns).parent / spec.list.csv
    listed = read_campaign_list(path)
    for line, reason in listed.bad:
        log.warning("%s line %d: %s (the row is left out)", path, line, reason)
    return tuple(Record(record_id=record_id(r), number=r.number,
                        priority=r.priority + spec.priority) for r in listed.records)


def national_lists(settings: Settings) -> DoNotCall:
    """The do-not-call lists beyond the CRM's flags: the national registry, if given."""
    path = settings.dialer.national_do_not_call
    if path is None:
        return DoNotCall()
    return DoNotCall(national=load_national_dnc(settings.resolve(path)))


async def load_crm_lists(settings: Settings, engine: Engine, queues: AcdConfig,
                         crm: async_sessionmaker[AsyncSession]) -> None:
    """Each campaign's CRM campaign (made if missing), and the lists that come from the
    CRM (a segment, the campaign's members, leads); a list that fails to load leaves its
    campaign without records, said in the log, and the others load."""
    if engine.campaigns is None:
        return
    service, today = DialerService(crm), dt.date.today()
    for name, spec in configured_campaigns(settings, queues).items():
        runner = engine.campaigns.get(name)
        try:
            campaign_id = await service.start_campaign(name, today=today)
            if runner is None or spec.list.csv:
                continue
            records = await crm_records(service, campaign_id, name, spec, today=today)
        except Exception:
            log.exception("campaign %s: its list could not be read from the CRM", name)
            continue
        runner.load(records)


async def crm_records(service: DialerService, campaign_id: int, name: str,
                      spec: CampaignSpec, *, today: dt.date) -> tuple[Record, ...]:
    """The campaign's list from the CRM: a segment, its members, leads, or the list
    uploaded for it; the records left out are logged with the reason. LookupError for
    a segment the CRM lacks, ValueError for a lead status leads do not have."""
    if spec.list.upload:
        return tuple(Record(record_id=r.record_id, number=r.number,
                            priority=r.priority + spec.priority)
                     for r in await service.uploaded(name, today=today))
    listed = await service.records(campaign_id, segment=spec.list.segment,
                                   members=spec.list.members, leads=spec.list.leads,
                                   today=today)
    for record_id_, reason in listed.bad:
        log.warning("campaign %s: %s left out: %s", name, record_id_, reason)
    return tuple(Record(record_id=r.record_id, number=r.number,
                        priority=r.priority + spec.priority, attempts=r.attempts,
                        abandoned_at=r.abandoned_at) for r in listed.records)


def configured_campaigns(settings: Settings, queues: AcdConfig) -> dict[str, CampaignSpec]:
    """The campaigns file, checked against the queues, agents and scripts there are."""
    if settings.dialer.campaigns is None:
        return {}
    scripts = settings.resolve(settings.scripts.dir)
    return load_campaigns(settings.resolve(settings.dialer.campaigns),
                          queues=set(queues.queues), agents=set(queues.agents),
                          scripts={path.stem for path in scripts.glob("*.yaml")})


def wire_campaigns(settings: Settings, engine: Engine, queues: AcdConfig,
                   book: CampaignBook | None = None) -> dict[str, CampaignSpec]:
    """Every configured campaign on the engine: idle until a campaign manager starts it,
    or, after a restart, where its ``book`` says it was. The engine takes campaigns
    even without a file: campaign managers make them through the API."""
    engine.attach_campaigns()
    if settings.dialer.campaigns is None:
        return {}
    specs = configured_campaigns(settings, queues)
    for name, spec in specs.items():
        runner = add_runner(engine, name, spec, queues, book)
        if spec.list.csv:
            runner.load(csv_records(spec, settings))
    return specs


def add_runner(engine: Engine, name: str, spec: CampaignSpec, queues: AcdConfig,
               book: CampaignBook | None) -> CampaignRunner:
    """One campaign's runner on the engine, taken up from its ``book`` when it has one
    (a restart, or settings changed while the platform runs)."""
    queue = queues.queues.get(spec.queue) if spec.queue else None
    runner = engine.add_campaign(
        campaign_of(name, spec), abandon_target=spec.abandon_target,
        wrap_up=float(queue.wrap_up) if queue is not None else DEFAULT_WRAP_UP,
        queue=spec.queue, book=book, consent_required=spec.requires_consent,
        script=spec.script, codes=campaign_codes(spec, queue))
    if book is not None and name in book.logs:
        runner.restore(book.logs[name])
    return runner

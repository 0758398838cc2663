"""Dialer campaigns made and changed while the platform runs (the campaign managers' API
and page), kept by the CRM so that they run again after a restart.

Theory of operation: a campaign's settings are one ``CampaignSpec``, the same model
``config/campaigns.yaml`` is read with, checked the same way (the queue, agents and call
script must be the platform's); the CRM keeps them on the phone campaign of that name
(``crm_core.dial_settings``). A new campaign gets its runner at once, idle until it is
started, and shows on the board stream as every runner does. A change the runner can
take as it runs (the call script, the disposition codes, consent) is applied in place;
any other takes a new runner, so the dialer core is never changed under its dials: it
is refused while the campaign runs (pause it first), once it is stopped (for good),
with a dial under way or an agent on its line. The new runner takes up the campaign's
book as after a restart: its records' attempts, the law's answers; it starts idle.

A campaign of the file keeps the file's settings: the API refuses to make another of
its name or to change it, and one kept by the CRM under a name the file has is not run
(the file wins, said in the log).

An uploaded list (a CSV) is read as a file's list is (``dialer.lists``): numbers in
E.164, each number once, each bad row reported with its line and reason while the good
rows load. It replaces the list kept before; its record ids are the ones the book keys
attempts by, so a record dialed already is not dialed again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from contactcenter.acd.model import AcdConfig
from contactcenter.dialer.campaign_file import CampaignSpec, unknown_names
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.dialer.lists import ListRecord, parse_campaign_list, record_id
from contactcenter.dialer.states import CampaignState
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.engine import Engine
from contactcenter.server.dialing import add_runner, campaign_codes, crm_records
from crm_core.dial_settings import UploadedRecord
from crm_core.dialer_service import DialerService

log = logging.getLogger(__name__)

#: a campaign's name: the prefix of its dials' ids and legs on Asterisk
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
#: what a running campaign's runner takes without a new runner
LIVE = frozenset({"script", "dispositions", "requires_consent"})
#: the longest record id the CRM keeps (``dial_uploads.record_id``)
_RECORD_ID = 64


class Refused(Exception):
    """A request the campaigns cannot take: the HTTP status, the reason, the field."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.field = status, reason, field


@dataclass(slots=True)
class Uploaded:
    """What an upload loaded: the records, the rows merged into another, the bad rows."""

    loaded: int = 0
    merged: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


class CampaignAdmin:
    """Every campaign's settings, the file's and the API's; makes and changes the API's."""

    def __init__(self, engine: Engine, queues: AcdConfig, scripts: set[str],
                 service: DialerService | None, book: CampaignBook | None,
                 from_file: dict[str, CampaignSpec], *,
                 window: CallingWindow | None = None) -> None:
        """``window``: the platform's calling hours, which a campaign's may only narrow."""
        self.engine, self.queues, self.scripts = engine, queues, scripts
        self.window = window
        self.service, self.book = service, book
        self.specs: dict[str, CampaignSpec] = dict(from_file)
        self.from_file = frozenset(from_file)
        #: one change at a time: two requests making one name must not make two runners
        self._changing = asyncio.Lock()

    # -- checking --------------------------------------------------------------------------

    def checked(self, body: dict[str, Any]) -> CampaignSpec:
        """The body as a campaign's settings, or ``Refused`` (422) naming the field."""
        try:
            spec = CampaignSpec.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or None
            message = first["msg"].removeprefix("Value error, ")
            raise Refused(422, f"{where}: {message}" if where else message, where) from None
        problems = unknown_names(spec, queues=set(self.queues.queues),
                                 agents=set(self.queues.agents), scripts=self.scripts)
        hours, window = spec.calling_hours, self.window
        if hours and window and (hours[1] <= window.start or hours[0] >= window.end):
            problems.append((("calling_hours",), ("no hour inside the platform's calling "
                             f"hours ({window}), the only ones the law allows")))
        if spec.list.csv:
            problems.append((("list", "csv"), ("a file next to the campaigns file; "
                             "through the API, set list to {upload: true} and upload it")))
        if problems:
            at, reason = problems[0]
            where = ".".join(map(str, at))
            raise Refused(422, f"{where}: {reason}", where)
        return spec

    def options(self) -> dict[str, Any]:
        """What a campaign may name here, for the page's form."""
        return {"queues": sorted(self.queues.queues), "agents": sorted(self.queues.agents),
                "scripts": sorted(self.scripts)}

    def settings_of(self, name: str) -> dict[str, Any]:
        spec = self._spec(name)
        return {"campaign": name, "origin": "file" if name in self.from_file else "api",
                "settings": spec.model_dump(mode="json")}

    def _spec(self, name: str) -> CampaignSpec:
        spec = self.specs.get(name)
        if spec is None or self._runner(name) is None:
            raise Refused(404, f"no campaign {name!r}", "name")
        return spec

    def _runner(self, name: str) -> CampaignRunner | None:
        return self.engine.campaigns.get(name) if self.engine.campaigns else None

    def _crm(self) -> DialerService:
        if self.service is None:
            raise Refused(503, "the CRM is not connected: campaigns cannot be kept")
        return self.service

    # -- making and changing ---------------------------------------------------------------

    async def create(self, name: object, spec: CampaignSpec) -> CampaignRunner:
        """A new campaign, kept by the CRM, its runner idle with its list loaded."""
        async with self._changing:
            return await self._create(name, spec)

    async def edit(self, name: str, spec: CampaignSpec) -> CampaignRunner:
        """The campaign's new settings (``_edit``)."""
        async with self._changing:
            return await self._edit(name, spec)

    async def upload(self, name: str, data: bytes) -> Uploaded:
        """The campaign's list from a CSV: kept, and loaded into its runner."""
        async with self._changing:
            return await self._upload(name, data)

    async def _create(self, name: object, spec: CampaignSpec) -> CampaignRunner:
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise Refused(422, "name: 1 to 40 letters, digits, - or _ (it names the "
                               "campaign's calls)", "name")
        if name in self.specs:
            where = "the campaigns file" if name in self.from_file else "the API"
            raise Refused(409, f"name: a campaign {name!r} exists already ({where})",
                          "name")
        records = await self._records(name, spec)
        await self._crm().save_settings(name, spec.model_dump(mode="json"),
                                        today=dt.date.today())
        return self._run(name, spec, records)

    async def _edit(self, name: str, spec: CampaignSpec) -> CampaignRunner:
        """The campaign's new settings: in place when the runner takes them as it runs,
        else on a new runner (refused with 409 and why when that would lose a call)."""
        before, runner = self._spec(name), self._runner(name)
        assert runner is not None
        if name in self.from_file:
            raise Refused(409, f"{name} is defined in the campaigns file: change it there",
                          "name")
        changed = _changed(before, spec)
        if changed <= LIVE:
            await self._crm().save_settings(name, spec.model_dump(mode="json"),
                                            today=dt.date.today())
            queue = self.queues.queues.get(spec.queue) if spec.queue else None
            runner.script, runner.consent_required = spec.script, spec.requires_consent
            runner.codes = campaign_codes(spec, queue)
            self.specs[name] = spec
            return runner
        _may_rebuild(runner, changed)
        records = await self._records(name, spec)
        await self._crm().save_settings(name, spec.model_dump(mode="json"),
                                        today=dt.date.today())
        try:  # again: the campaign may have started, or an agent joined, meanwhile
            _may_rebuild(runner, changed)
        except Refused:
            await self._crm().save_settings(name, before.model_dump(mode="json"),
                                            today=dt.date.today())
            raise
        assert self.engine.campaigns is not None
        await self.engine.campaigns.remove(name)
        return self._run(name, spec, records)

    def _run(self, name: str, spec: CampaignSpec, records: tuple[Any, ...]) -> CampaignRunner:
        runner = add_runner(self.engine, name, spec, self.queues, self.book)
        self.specs[name] = spec
        runner.load(records)
        return runner

    async def _records(self, name: str, spec: CampaignSpec) -> tuple[Any, ...]:
        """The list its source gives now; a segment or lead status the CRM lacks is the
        request's fault (422 naming it)."""
        service = self._crm()
        today = dt.date.today()
        try:
            campaign_id = await service.start_campaign(name, today=today)
            return await crm_records(service, campaign_id, name, spec, today=today)
        except LookupError as exc:
            raise Refused(422, f"list.segment: {exc}", "list.segment") from None
        except ValueError as exc:
            raise Refused(422, f"list.leads: {exc}", "list.leads") from None

    async def _upload(self, name: str, data: bytes) -> Uploaded:
        spec, runner = self._spec(name), self._runner(name)
        assert runner is not None
        if not spec.list.upload:
            raise Refused(409, "list: this campaign's list comes from elsewhere; set "
                               "list to {upload: true} to upload one", "list")
        try:
            listed = parse_campaign_list(io.BytesIO(data), Path(f"{name}.csv"))
        except ValueError as exc:
            raise Refused(422, f"file: {exc}", "file") from None
        result = Uploaded(merged=listed.merged, bad=list(listed.bad))
        kept = _kept(listed.records, result.bad)
        await self._crm().replace_upload(name, kept, today=dt.date.today())
        runner.load(await self._records(name, spec), whole=True)  # the list before: gone
        result.loaded, result.bad = len(kept), sorted(result.bad)
        return result

    # -- at start ----------------------------------------------------------------------------

    async def load_stored(self) -> list[str]:
        """The campaigns the CRM keeps, run again (before the phones can ring, so that
        the restart takes them up with the file's); those that no longer check out, or
        whose name the file has, are left out, said in the log."""
        if self.service is None or self.engine.campaigns is None:
            return []
        loaded = []
        for name, settings in (await self.service.stored_settings()).items():
            if name in self.specs:
                log.warning("campaign %s: in the campaigns file and kept by the CRM; the "
                            "file's settings are used", name)
                continue
            try:
                spec = self.checked(settings)
            except Refused as refused:
                log.error("campaign %s, kept by the CRM, is not run: %s", name,
                          refused.reason)
                continue
            self._run(name, spec, await self._records_or_none(name, spec))
            loaded.append(name)
        return loaded

    async def _records_or_none(self, name: str, spec: CampaignSpec) -> tuple[Any, ...]:
        """The list at start; a source gone since (a segment removed) leaves the campaign
        with none, said in the log, rather than off the board with its book."""
        try:
            return await self._records(name, spec)
        except Refused as refused:
            log.error("campaign %s: its list could not be read, it has none until its "
                      "source is changed: %s", name, refused.reason)
            return ()


def _kept(rows: list[ListRecord], bad: list[tuple[int, str]]) -> list[UploadedRecord]:
    """The rows as the CRM keeps them, one per record id: a second row naming a contact
    on an earlier line (with another number) is reported, not kept over the first."""
    kept: dict[str, UploadedRecord] = {}
    for row in rows:
        key = record_id(row)
        if len(key) > _RECORD_ID:
            bad.append((row.line, "contact_id: longer than the CRM's ids"))
        elif key in kept:
            first = kept[key].line
            bad.append((row.line, f"contact_id: {row.contact_id!r} is on line {first} already"))
        else:
            kept[key] = UploadedRecord(record_id=key, number=row.number, name=row.name,
                                       priority=row.priority, line=row.line)
    return list(kept.values())


def _changed(before: CampaignSpec, after: CampaignSpec) -> set[str]:
    """The settings that differ."""
    return {name for name in CampaignSpec.model_fields
            if getattr(before, name) != getattr(after, name)}


def _may_rebuild(runner: CampaignRunner, changed: set[str]) -> None:
    """A new runner loses nothing only when nothing is under way: refused otherwise."""
    fields = ", ".join(sorted(changed - LIVE))
    state = runner.core.state
    field_ = min(changed - LIVE)
    if state is CampaignState.RUNNING:
        raise Refused(409, f"the campaign is running: pause it to change {fields}", field_)
    if state is CampaignState.STOPPED:
        raise Refused(409, "the campaign is stopped for good: make a new one", field_)
    if runner.dials():
        raise Refused(409, f"dials are under way: change {fields} once they end", field_)
    if runner.seats.seats:
        raise Refused(409, f"agents are on the campaign's line ("
                           f"{', '.join(sorted(runner.seats.seats))}): change {fields} "
                           "once they leave it", field_)

"""Voicemail's part of ``serve``: the boxes from config (checked at start against every
place a mailbox is named), the routes, and the two background tasks (the journal's
messages into the CRM, the age check)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.acd.model import AcdConfig
from contactcenter.config.settings import Settings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import Flow
from contactcenter.ivr.model import VoicemailNode
from contactcenter.server.background import Background
from contactcenter.voicemail.config import check_named, load_voicemail
from contactcenter.voicemail.outbox import OverdueCheck, VoicemailOutbox
from contactcenter.web.voicemail_routes import VOICEMAIL, Voicemail, add_voicemail_routes

log = logging.getLogger(__name__)


def _named(settings: Settings, flows: Mapping[str, Flow],
           acd: AcdConfig) -> Iterator[tuple[Path, str, str]]:
    """Every mailbox the config names: (file, field, name)."""
    folder = settings.resolve(settings.ivr.dir)
    for flow in flows.values():
        for name, node in flow.nodes.items():
            if isinstance(node, VoicemailNode):
                yield folder / f"{flow.name}.yaml", f"nodes.{name}.mailbox", node.mailbox
    queues = settings.resolve(settings.acd.queues)
    for name, queue in acd.queues.items():
        if queue.overflow is not None and queue.overflow.kind == "voicemail":
            yield queues, f"queues.{name}.overflow.target", queue.overflow.target or ""


def load_mailboxes(settings: Settings, acd: AcdConfig,
                   flows: Mapping[str, Flow]) -> Voicemail:
    """The boxes; a ``ConfigError`` for a name no box answers to, once a voicemail
    config exists (without one, such a name is a general box, and the log says so)."""
    path = settings.resolve(settings.acd.voicemail)
    boxes, config = load_voicemail(path, acd)
    named = list(_named(settings, flows, acd))
    if path.exists():
        check_named(boxes, named)
    for where, field, name in named:
        if "{" not in name and not boxes.known(name):
            log.warning("%s: %s: mailbox %r is no queue's and no agent's: its messages go "
                        "to a general box (declare it in %s)", where, field, name, path)
    return Voicemail(boxes, config)


def wire_voicemail(app: web.Application, settings: Settings, acd: AcdConfig,
                   flows: Mapping[str, Flow]) -> None:
    add_voicemail_routes(app, load_mailboxes(settings, acd, flows))


def start_voicemail(background: Background, app: web.Application, journal: CallJournal,
                    crm: async_sessionmaker[AsyncSession], bus: EventBus) -> None:
    """Messages from the journal into the CRM, and the age check, while serve runs."""
    if VOICEMAIL not in app:
        return
    boxes = app[VOICEMAIL].boxes
    background.start("voicemail outbox", VoicemailOutbox(journal, crm, boxes, bus).run())
    background.start("voicemail age check", OverdueCheck(crm, boxes, bus).run())

"""What some tables do when the generic store writes them.

- a contact's phones are replaced as a whole list when given;
- an opportunity's every move to a stage adds a row to its history, and a
  closed stage stamps ``closed_at``;
- a case takes its due times from the SLA policy of its priority when it is
  opened (a later change of policy does not move them), and resolving or
  closing it stamps the time;
- a case's status moves only along the transitions of ``crm_core.cases``;
- an article's change stamps ``updated_at`` (self-service shows it);
- a user's password arrives in clear and is stored only as a hash, and an
  admin cannot deactivate or demote themselves (the way to lose the last admin).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select

from crm_core.cases import TRANSITIONS
from crm_core.models import (
    CLOSED_STAGES,
    Article,
    Case,
    Contact,
    ContactPhone,
    Opportunity,
    OpportunityStage,
    Order,
    SlaPolicy,
    User,
)
from crm_core.records import Rejected, Write, assign
from crm_core.users import hash_password


async def contact_rule(write: Write, row: Contact, values: dict[str, Any]) -> None:
    values = dict(values)
    phones = values.pop("phones", None)
    assign(row, values)
    if phones is not None or write.action == "create":
        row.phones = [ContactPhone(e164=phone["number"], kind=phone["kind"])
                      for phone in phones or []]


def contact_phones(row: Contact) -> dict[str, Any]:
    return {"phones": [{"e164": phone.e164, "kind": phone.kind} for phone in row.phones]}


def order_lines(row: Order) -> dict[str, Any]:
    return {"lines": [{"product_id": line.product_id, "quantity": line.quantity,
                       "unit_price": line.unit_price} for line in row.lines]}


def stage_history(row: Opportunity) -> dict[str, Any]:
    return {"history": [{"stage": move.stage, "entered_at": move.entered_at,
                         "changed_by": move.changed_by} for move in row.history]}


async def opportunity_rule(write: Write, row: Opportunity, values: dict[str, Any]) -> None:
    previous = row.stage if write.action == "update" else None
    assign(row, values)
    if row.stage == previous:
        return
    # a new row's history starts empty; an existing row's was loaded with it
    row.history.append(OpportunityStage(stage=row.stage, entered_at=write.now,
                                        changed_by=write.username))
    if row.stage in CLOSED_STAGES:
        row.closed_at = row.closed_at or write.now
    else:
        row.closed_at = None


def _check_move(current: str, wanted: str) -> None:
    """A case's status moves only along ``crm_core.cases.TRANSITIONS``, through the API too."""
    reachable = set(TRANSITIONS[current].values())
    if wanted != current and wanted not in reachable:
        raise Rejected("status", f"{current} -> {wanted} is not allowed; from {current}: "
                       f"{', '.join(sorted(reachable))}", status=409)


async def case_rule(write: Write, row: Case, values: dict[str, Any]) -> None:
    if write.action == "update" and "status" in values:
        _check_move(row.status, values["status"])
    assign(row, values)
    if write.action == "create":
        row.opened_at = write.now
        policy = await write.session.scalar(
            select(SlaPolicy).where(SlaPolicy.priority == row.priority))
        if policy is not None:
            row.first_response_due = write.now + dt.timedelta(
                minutes=policy.first_response_minutes)
            row.resolution_due = write.now + dt.timedelta(minutes=policy.resolution_minutes)
    if "status" in values:
        _stamp_status(row, write.now)


def _stamp_status(row: Case, now: dt.datetime) -> None:
    if row.status in ("resolved", "closed"):
        row.resolved_at = row.resolved_at or now
    else:
        row.resolved_at = None
    row.closed_at = (row.closed_at or now) if row.status == "closed" else None


async def article_rule(write: Write, row: Article, values: dict[str, Any]) -> None:
    assign(row, values)
    if write.action == "update":
        row.updated_at = write.now


async def user_rule(write: Write, row: User, values: dict[str, Any]) -> None:
    values = dict(values)
    if write.action == "update" and row.username == write.username:
        if values.get("active") is False:
            raise Rejected("active", "you cannot deactivate yourself", status=409)
        if values.get("role", row.role) != row.role:
            raise Rejected("role", "you cannot change your own role", status=409)
    password = values.pop("password", None)
    was_active, was_agent = row.active, row.agent
    assign(row, values)
    if write.action == "create":
        row.active = values.get("active", True)
    if write.action == "create" or row.agent != was_agent:
        row.agent_since = write.now  # a reused agent id: its calls before now are not theirs
    if password is not None:
        # scrypt is slow on purpose: keep it off the event loop
        row.password_hash = await asyncio.to_thread(hash_password, password)
    if write.action == "update" and (password is not None or row.active != was_active):
        row.token_generation = (row.token_generation or 0) + 1  # their tokens end

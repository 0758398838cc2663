"""The CRM's collections under /api/v1, each described once: the table and its
fields (``crm_core.records.Entity``), what may be filtered and sorted, what a
create and an update accept, and whether rows may be deleted.

``contactcenter.web.crm_routes`` turns each description into routes and
``contactcenter.web.openapi_crm`` into the API document; who may use them is
the permission table's business (``contactcenter.web.permissions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import selectinload

from contactcenter.web import schemas as s
from crm_core.models import (
    Account,
    Activity,
    Article,
    AuditEntry,
    Campaign,
    Case,
    Contact,
    Interaction,
    Invoice,
    Lead,
    Offer,
    Opportunity,
    Order,
    Product,
    Quote,
    Segment,
    User,
)
from crm_core.record_rules import (
    article_rule,
    case_rule,
    contact_phones,
    contact_rule,
    opportunity_rule,
    order_lines,
    stage_history,
    user_rule,
)
from crm_core.records import Entity


@dataclass(frozen=True, kw_only=True)
class Resource:
    entity: Entity
    summary: str
    filterable: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ("id",)
    #: the order of a list that asks for none (then by id)
    default_sort: tuple[tuple[str, bool], ...] = ()
    create: type[s.Input] | None = None
    update: type[s.Input] | None = None
    deletable: bool = False
    #: the types of what ``entity.extra`` adds to a row, for the API document
    extra_out: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.entity.name


OWNED = {"owner_id": User}

CONTACTS = Resource(
    summary="People the contact center talks to, with their phone numbers",
    entity=Entity(
        name="contacts", model=Contact, rule=contact_rule, extra=contact_phones,
        load=(selectinload(Contact.phones),), references={"account_id": Account, **OWNED},
        fields=("id", "account_id", "first_name", "last_name", "email", "language",
                "time_zone", "birth_date", "gender", "vip", "do_not_call",
                "consent_marketing", "owner_id", "created_at")),
    filterable=("account_id", "first_name", "last_name", "email", "language", "gender",
                "birth_date", "vip", "do_not_call", "consent_marketing", "owner_id",
                "created_at"),
    sortable=("id", "first_name", "last_name", "birth_date", "created_at"),
    create=s.ContactIn, update=s.partial(s.ContactIn), deletable=True,
    extra_out={"phones": list[s.PhoneOut]})

ACCOUNTS = Resource(
    summary="Customer companies and households",
    entity=Entity(name="accounts", model=Account, references=OWNED,
                  fields=("id", "name", "segment", "industry", "time_zone", "owner_id",
                          "created_at")),
    filterable=("name", "segment", "industry", "owner_id", "created_at"),
    sortable=("id", "name", "segment", "created_at"),
    create=s.AccountIn, update=s.partial(s.AccountIn), deletable=True)

LEADS = Resource(
    summary="People who may buy, before they are customers",
    entity=Entity(
        name="leads", model=Lead,
        references={"product_id": Product, "campaign_id": Campaign, "contact_id": Contact,
                    **OWNED},
        fields=("id", "first_name", "last_name", "company", "email", "phone", "source",
                "status", "score", "owner_id", "product_id", "campaign_id", "contact_id",
                "created_at", "converted_at")),
    filterable=("status", "source", "company", "email", "phone", "score", "owner_id",
                "product_id", "campaign_id", "contact_id", "created_at"),
    sortable=("id", "last_name", "score", "status", "created_at"),
    create=s.LeadIn, update=s.partial(s.LeadIn), deletable=True)

OPPORTUNITIES = Resource(
    summary="Deals in the pipeline; each change of stage is kept in `history`",
    entity=Entity(
        name="opportunities", model=Opportunity, rule=opportunity_rule, extra=stage_history,
        unaudited=("history",), load=(selectinload(Opportunity.history),),
        references={"account_id": Account, "contact_id": Contact, "lead_id": Lead, **OWNED},
        fields=("id", "name", "account_id", "contact_id", "lead_id", "kind", "stage",
                "amount", "probability", "owner_id", "expected_close", "created_at",
                "closed_at")),
    filterable=("stage", "kind", "account_id", "contact_id", "lead_id", "owner_id", "amount",
                "probability", "expected_close", "created_at", "closed_at"),
    sortable=("id", "name", "stage", "amount", "probability", "expected_close", "created_at"),
    create=s.OpportunityIn, update=s.partial(s.OpportunityIn), deletable=True,
    extra_out={"history": list[s.StageOut]})

ACTIVITIES = Resource(
    summary="Calls, meetings, e-mails, tasks and notes on whatever they concern",
    entity=Entity(
        name="activities", model=Activity,
        references={"contact_id": Contact, "account_id": Account, "lead_id": Lead,
                    "opportunity_id": Opportunity, "case_id": Case, **OWNED},
        fields=("id", "kind", "subject", "body", "contact_id", "account_id", "lead_id",
                "opportunity_id", "case_id", "owner_id", "due_at", "done_at", "created_at")),
    filterable=("kind", "contact_id", "account_id", "lead_id", "opportunity_id", "case_id",
                "owner_id", "due_at", "done_at", "created_at"),
    sortable=("id", "kind", "due_at", "done_at", "created_at"),
    create=s.ActivityIn, update=s.partial(s.ActivityIn), deletable=True)

PRODUCTS = Resource(
    summary="What is sold",
    entity=Entity(name="products", model=Product, unique=("sku",),
                  fields=("id", "sku", "name", "category", "price", "active")),
    filterable=("sku", "category", "price", "active"),
    sortable=("id", "sku", "name", "category", "price"),
    create=s.ProductIn, update=s.partial(s.ProductIn), deletable=True)

CASES = Resource(
    summary="Customer service cases; due times come from the SLA policy of the priority",
    entity=Entity(
        name="cases", model=Case, rule=case_rule,
        references={"contact_id": Contact, "account_id": Account, **OWNED},
        fields=("id", "subject", "description", "contact_id", "account_id", "priority", "type",
                "status", "channel", "owner_id", "opened_at", "first_response_due",
                "resolution_due", "first_response_at", "resolved_at", "closed_at",
                "satisfaction")),
    filterable=("status", "priority", "type", "channel", "contact_id", "account_id",
                "owner_id", "opened_at", "first_response_due", "resolution_due",
                "satisfaction"),
    sortable=("id", "status", "priority", "opened_at", "first_response_due",
              "resolution_due"),
    create=s.CaseIn, update=s.partial(s.CaseIn))

CAMPAIGNS = Resource(
    summary="Marketing campaigns",
    entity=Entity(name="campaigns", model=Campaign,
                  references={"segment_id": Segment, "product_id": Product},
                  fields=("id", "name", "channel", "status", "budget", "cost", "starts_on",
                          "ends_on", "segment_id", "product_id", "created_at")),
    filterable=("channel", "status", "segment_id", "product_id", "budget", "cost",
                "starts_on", "ends_on", "created_at"),
    sortable=("id", "name", "starts_on", "ends_on", "budget", "cost", "created_at"),
    create=s.CampaignIn, update=s.partial(s.CampaignIn), deletable=True)

ORDERS = Resource(
    summary="Purchases, with their lines (read only)",
    entity=Entity(name="orders", model=Order, extra=order_lines,
                  load=(selectinload(Order.lines),),
                  fields=("id", "account_id", "contact_id", "opportunity_id", "quote_id",
                          "campaign_id", "status", "total", "ordered_at", "fulfilled_at")),
    filterable=("account_id", "contact_id", "opportunity_id", "campaign_id", "status",
                "total", "ordered_at", "fulfilled_at"),
    sortable=("id", "total", "ordered_at", "fulfilled_at"),
    extra_out={"lines": list[s.OrderLineOut]})

INTERACTIONS = Resource(
    summary="Calls and other contacts, as the ACD recorded them (read only)",
    entity=Entity(name="interactions", model=Interaction,
                  fields=("id", "call_id", "contact_id", "channel", "direction", "caller",
                          "dialed", "started_at", "ended_at", "queue", "agent", "outcome",
                          "disposition", "wait_seconds", "talk_seconds", "wrap_seconds",
                          "hold_seconds", "recording", "ivr_path", "answers", "notes",
                          "parties", "case_id", "lead_id", "opportunity_id", "campaign_id",
                          "engine")),
    filterable=("contact_id", "call_id", "channel", "direction", "queue", "agent", "outcome",
                "engine",
                "case_id", "lead_id", "opportunity_id", "campaign_id", "started_at",
                "talk_seconds", "wait_seconds"),
    sortable=("id", "started_at", "ended_at", "wait_seconds", "talk_seconds"),
    default_sort=(("started_at", True),))

USERS = Resource(
    summary="People who sign in, with their roles (admins only; passwords are write-only)",
    entity=Entity(name="users", model=User, rule=user_rule, unique=("username",),
                  secret=("password_hash",),
                  fields=("id", "username", "full_name", "role", "agent", "agent_since",
                          "active", "created_at")),
    filterable=("username", "role", "agent", "active", "created_at"),
    sortable=("id", "username", "role", "created_at"),
    create=s.UserIn, update=s.partial(s.UserIn, exclude=("username",)))

AUDIT = Resource(
    summary="Every change made through the API: who, when, and each field before and after",
    entity=Entity(name="audit", model=AuditEntry,
                  fields=("id", "at", "username", "action", "entity", "entity_id", "changes")),
    filterable=("entity", "entity_id", "username", "action", "at"),
    sortable=("id", "at"), default_sort=(("id", True),))

ARTICLES = Resource(
    summary="Knowledge-base articles (search them at /api/v1/articles/search)",
    entity=Entity(name="articles", model=Article, rule=article_rule,
                  fields=("id", "title", "body", "tags", "published", "created_at",
                          "updated_at")),
    filterable=("published", "created_at", "updated_at"),
    sortable=("id", "title", "created_at", "updated_at"),
    create=s.ArticleIn, update=s.partial(s.ArticleIn), deletable=True)

SEGMENTS = Resource(
    summary="Saved list-generator queries (preview one at /api/v1/segments/preview)",
    entity=Entity(name="segments", model=Segment, unique=("name",),
                  fields=("id", "name", "definition", "created_at")),
    filterable=("name", "created_at"), sortable=("id", "name", "created_at"),
    create=s.SegmentIn, update=s.partial(s.SegmentIn), deletable=True)

OFFERS = Resource(
    summary="Cross-sell and up-sell offers: the next best offer of the screen-pop",
    entity=Entity(name="offers", model=Offer,
                  references={"product_id": Product, "requires_product_id": Product},
                  fields=("id", "name", "kind", "product_id", "requires_product_id", "pitch",
                          "discount_percent", "priority", "active", "starts_on", "ends_on")),
    filterable=("kind", "product_id", "requires_product_id", "active", "priority"),
    sortable=("id", "name", "priority", "starts_on"),
    create=s.OfferIn, update=s.partial(s.OfferIn), deletable=True)

QUOTES = Resource(
    summary="Proposals given to customers (read only)",
    entity=Entity(name="quotes", model=Quote,
                  fields=("id", "opportunity_id", "account_id", "contact_id", "status",
                          "total", "created_at", "sent_at")),
    filterable=("opportunity_id", "account_id", "contact_id", "status", "total",
                "created_at", "sent_at"),
    sortable=("id", "total", "created_at", "sent_at"))

INVOICES = Resource(
    summary="What customers were billed (read only)",
    entity=Entity(name="invoices", model=Invoice,
                  fields=("id", "number", "order_id", "account_id", "amount", "status",
                          "issued_at", "due_at", "paid_at")),
    filterable=("number", "order_id", "account_id", "status", "amount", "issued_at",
                "due_at", "paid_at"),
    sortable=("id", "amount", "issued_at", "due_at"))

RESOURCES: tuple[Resource, ...] = (
    CONTACTS, ACCOUNTS, LEADS, OPPORTUNITIES, ACTIVITIES, PRODUCTS, CASES, CAMPAIGNS, ORDERS,
    INTERACTIONS, USERS, AUDIT, ARTICLES, SEGMENTS, OFFERS, QUOTES, INVOICES)

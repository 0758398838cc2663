"""What the API accepts when it creates a row; the partial versions for updates
are derived (``partial``) so that the two never disagree.

Unknown fields are refused (a typo is an error naming it, not a silent
no-op), choices come from the tuples beside the models, phone numbers are
stored in E.164 and times must say their time zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
)

from crm_core import segments
from crm_core.models import (
    ACTIVITY_KINDS,
    CASE_STATUSES,
    CASE_TYPES,
    CHANNELS,
    LEAD_STATUSES,
    PRIORITIES,
    ROLES,
    STAGES,
)
from crm_core.phones import to_e164

CENT = Decimal("0.01")


def _in_utc(moment: dt.datetime) -> dt.datetime:
    """The moment in UTC, as it is stored; 0001-01-01T00:00+01:00 has none."""
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("out of range once in UTC") from None


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone") from None
    return name


if TYPE_CHECKING:  # the checker sees plain strings; pydantic sees the choices
    LeadStatus = str
    Stage = str
    Priority = str
    CaseType = str
    CaseStatus = str
    Channel = str
    Role = str
    ActivityKind = str
else:
    LeadStatus = Literal[LEAD_STATUSES]
    Stage = Literal[(*STAGES, "lost")]
    Priority = Literal[PRIORITIES]
    CaseType = Literal[CASE_TYPES]
    CaseStatus = Literal[CASE_STATUSES]
    Channel = Literal[CHANNELS]
    Role = Literal[ROLES]
    ActivityKind = Literal[ACTIVITY_KINDS]

#: ids are 32-bit integers in both databases
Id = Annotated[int, Field(gt=0, le=2**31 - 1)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Label = Annotated[str, Field(min_length=1, max_length=50)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,15}$")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, Field(max_length=40), AfterValidator(to_e164)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_time_zone)]
def _decimal_schema(whole_digits: int, maximum: float) -> WithJsonSchema:
    """How the document shows an exact decimal: a number, or a string such as "12.50"
    (pydantic's own schema lets the string be anything)."""
    return WithJsonSchema({"anyOf": [
        {"type": "number", "minimum": 0, "maximum": maximum},
        {"type": "string", "pattern": rf"^[0-9]{{1,{whole_digits}}}(\.[0-9]{{1,2}})?$"}]})


Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2),
                  AfterValidator(lambda amount: amount.quantize(CENT)),
                  _decimal_schema(12, 999_999_999_999.99)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2),
                    _decimal_schema(3, 100)]
LongText = Annotated[str, Field(max_length=20_000)]
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL cannot store NUL in text; refuse it here rather than fail there."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value


class PhoneIn(Input):
    number: Phone
    kind: Code = "mobile"


class ContactIn(Input):
    first_name: Name
    last_name: Name
    account_id: Id | None = None
    email: Email | None = None
    language: Annotated[str, Field(max_length=16)] | None = None
    time_zone: TimeZone | None = None
    birth_date: dt.date | None = None
    gender: Annotated[str, Field(max_length=16)] | None = None
    vip: bool = False
    do_not_call: bool = False
    consent_marketing: bool = False
    owner_id: Id | None = None
    phones: list[PhoneIn] = Field(default_factory=list, max_length=20)


class AccountIn(Input):
    name: Title
    segment: Label | None = None
    industry: Label | None = None
    time_zone: TimeZone | None = None
    owner_id: Id | None = None


class LeadIn(Input):
    first_name: Name
    last_name: Name
    company: Title | None = None
    email: Email | None = None
    phone: Phone | None = None
    source: Annotated[str, Field(min_length=1, max_length=32)] = "web"
    status: LeadStatus = "new"
    score: int = Field(0, ge=0, le=100)
    owner_id: Id | None = None
    product_id: Id | None = None
    campaign_id: Id | None = None
    contact_id: Id | None = None


class OpportunityIn(Input):
    name: Title
    account_id: Id | None = None
    contact_id: Id | None = None
    lead_id: Id | None = None
    kind: Literal["new", "renewal", "upsell"] = "new"
    stage: Stage = STAGES[0]
    amount: Money = Decimal(0)
    probability: int = Field(10, ge=0, le=100)
    owner_id: Id | None = None
    expected_close: dt.date | None = None


class ActivityIn(Input):
    kind: ActivityKind
    subject: Title
    body: LongText | None = None
    contact_id: Id | None = None
    account_id: Id | None = None
    lead_id: Id | None = None
    opportunity_id: Id | None = None
    case_id: Id | None = None
    owner_id: Id | None = None
    due_at: Moment | None = None
    done_at: Moment | None = None


class ProductIn(Input):
    sku: Annotated[str, Field(min_length=1, max_length=40)]
    name: Title
    category: Label
    price: Money = Decimal(0)
    active: bool = True


class CaseIn(Input):
    subject: Title
    description: LongText | None = None
    contact_id: Id | None = None
    account_id: Id | None = None
    priority: Priority = "normal"
    type: CaseType = "question"
    status: CaseStatus = "new"
    channel: Code = "phone"
    owner_id: Id | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)


class CampaignIn(Input):
    name: Title
    channel: Channel
    status: Code = "planned"
    budget: Money = Decimal(0)
    cost: Money = Decimal(0)
    starts_on: dt.date
    ends_on: dt.date | None = None
    segment_id: Id | None = None
    product_id: Id | None = None

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, ends_on: dt.date | None, info: ValidationInfo) -> dt.date | None:
        starts_on = info.data.get("starts_on")
        if ends_on is not None and starts_on is not None and ends_on < starts_on:
            raise ValueError(f"before starts_on ({starts_on.isoformat()})")
        return ends_on


class UserIn(Input):
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
    full_name: Title | None = None
    role: Role
    agent: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = None
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    active: bool = True


class PhoneOut(BaseModel):
    e164: str
    kind: str


class StageOut(BaseModel):
    stage: str
    entered_at: dt.datetime
    changed_by: str | None


class OrderLineOut(BaseModel):
    product_id: int
    quantity: int
    unit_price: Decimal


def partial(model: type[Input], *, exclude: tuple[str, ...] = ()) -> type[Input]:
    """The update form of ``model``: every field optional, none of them nullable unless
    it was, same checks. An omitted field is left alone; an explicit null for a
    required field is an error, not a way to blank it."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else (
            info.annotation)
        fields[name] = (annotation, None)
    update: type[Input] = create_model(f"{model.__name__.removesuffix('In')}Update",
                                       __base__=Input, **fields)
    return update


def _segment_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """A list-generator definition that ``crm_core.segments`` can run."""
    segments.validate(definition)
    return definition


class ArticleIn(Input):
    title: Title
    body: LongText
    tags: Annotated[str, Field(max_length=200)] | None = None
    published: bool = True


class SegmentIn(Input):
    name: Title
    definition: Annotated[dict[str, Any], AfterValidator(_segment_definition)]


class OfferIn(Input):
    name: Title
    kind: Literal["cross_sell", "up_sell"]
    product_id: Id
    requires_product_id: Id | None = None
    pitch: Annotated[str, Field(min_length=1, max_length=500)]
    discount_percent: Percent = Decimal(0)
    priority: Annotated[int, Field(ge=0, le=1000)] = 0
    active: bool = True
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


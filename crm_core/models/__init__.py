"""The CRM's tables (SQLAlchemy 2), one module per area.

Only repositories and services in ``crm_core`` open sessions on these; the
rest of the platform calls services. The schema itself comes from the Alembic
migrations, and a test keeps these classes and the migrations in step.
"""

from crm_core.models.access import ROLES, AuditEntry, User
from crm_core.models.agent_time import AgentStateSpan
from crm_core.models.base import Base
from crm_core.models.call_recordings import CallRecording
from crm_core.models.customers import (
    Account,
    Address,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
)
from crm_core.models.interactions import Interaction
from crm_core.models.marketing import (
    ATTEMPT,
    CHANNELS,
    RESPONSE_KINDS,
    Campaign,
    CampaignMember,
    CampaignResponse,
    DialUpload,
    Offer,
    Segment,
)
from crm_core.models.rfm import RfmScore
from crm_core.models.sales import (
    ACTIVITY_KINDS,
    CLOSED_STAGES,
    LEAD_STATUSES,
    STAGES,
    Activity,
    Invoice,
    Lead,
    Opportunity,
    OpportunityStage,
    Order,
    OrderLine,
    Product,
    Quote,
    QuoteLine,
)
from crm_core.models.scores import ContactScore, ScoreRunRecord
from crm_core.models.service import (
    CASE_STATUSES,
    CASE_TYPES,
    OPEN_CASE_STATUSES,
    PRIORITIES,
    Article,
    Case,
    SlaPolicy,
)
from crm_core.models.voicemail import VoicemailMessage

__all__ = [
    "ACTIVITY_KINDS", "ATTEMPT", "CASE_STATUSES", "CASE_TYPES", "CHANNELS", "CLOSED_STAGES",
    "LEAD_STATUSES", "OPEN_CASE_STATUSES", "PRIORITIES", "RESPONSE_KINDS", "ROLES", "STAGES",
    "Account", "Activity", "Address", "AgentStateSpan", "Article", "AuditEntry", "Base",
    "CallRecording", "Campaign",
    "CampaignMember", "CampaignResponse", "Case", "Contact", "ContactEmail", "ContactPhone",
    "ContactScore", "ContactTag", "DialUpload", "Interaction", "Invoice", "Lead", "Offer",
    "Opportunity", "OpportunityStage", "Order", "OrderLine", "Product", "Quote", "QuoteLine",
    "RfmScore", "ScoreRunRecord", "Segment", "SlaPolicy", "User",
    "VoicemailMessage",
]

"""Accounts, contacts with E.164 phones, and interactions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("segment", sa.String(50)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("language", sa.String(16)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("vip", sa.Boolean, nullable=False),
        sa.Column("do_not_call", sa.Boolean, nullable=False),
        sa.Column("consent_marketing", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index("ix_contacts_account_id", "contacts", ["account_id"])
    op.create_index("ix_contacts_email", "contacts", ["email"])
    op.create_table(
        "contact_phones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_id", sa.Integer,
                  sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("e164", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_contact_phones_e164", "contact_phones", ["e164"])
    op.create_index("ix_contact_phones_contact_id", "contact_phones", ["contact_id"])
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), unique=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts.id")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("caller", sa.String(32)),
        sa.Column("dialed", sa.String(32)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("queue", sa.String(64)),
        sa.Column("outcome", sa.String(32)),
        sa.Column("ivr_path", sa.JSON),
        sa.Column("notes", sa.Text),
    )
    op.create_index("ix_interactions_contact_started", "interactions",
                    ["contact_id", "started_at"])


def downgrade() -> None:
    op.drop_table("interactions")
    op.drop_table("contact_phones")
    op.drop_table("contacts")
    op.drop_table("accounts")

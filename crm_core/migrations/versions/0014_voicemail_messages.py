"""Voicemail messages and what became of them (``crm_core.models.voicemail``).

Revision ID: 0014
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voicemail_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False, unique=True),
        sa.Column("mailbox", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("recording", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_by", sa.String(64), nullable=True),
        sa.Column("disposition", sa.String(40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(64), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_voicemail_status_left", "voicemail_messages", ["status", "left_at"])
    op.create_index("ix_voicemail_queue", "voicemail_messages", ["queue"])
    op.create_index("ix_voicemail_agent", "voicemail_messages", ["agent"])
    op.create_index("ix_voicemail_assignee", "voicemail_messages", ["assignee"])
    op.create_index("ix_voicemail_contact", "voicemail_messages", ["contact_id"])


def downgrade() -> None:
    for name in ("ix_voicemail_contact", "ix_voicemail_assignee", "ix_voicemail_agent",
                 "ix_voicemail_queue", "ix_voicemail_status_left"):
        op.drop_index(name, table_name="voicemail_messages")
    op.drop_table("voicemail_messages")

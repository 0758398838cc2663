"""Every recorded part of a call (``crm_core.models.call_recordings``): a transferred
call's first part was lost when the interaction kept only its last recording's name.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_recordings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interaction_id", sa.Integer(),
                  sa.ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("interaction_id", "part", name="uq_call_recordings_part"),
    )
    op.create_index("ix_call_recordings_interaction_id", "call_recordings",
                    ["interaction_id"])
    op.create_index("ix_call_recordings_name", "call_recordings", ["name"])


def downgrade() -> None:
    op.drop_index("ix_call_recordings_name", table_name="call_recordings")
    op.drop_index("ix_call_recordings_interaction_id", table_name="call_recordings")
    op.drop_table("call_recordings")

"""Agents' states over time, for occupancy by agent, queue and interval
(``crm_core.models.agent_time``).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_states",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("agent", "started_at", name="uq_agent_states_start"),
    )
    op.create_index("ix_agent_states_started_at", "agent_states", ["started_at"])
    op.create_index("ix_agent_states_open", "agent_states", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_agent_states_open", table_name="agent_states")
    op.drop_index("ix_agent_states_started_at", table_name="agent_states")
    op.drop_table("agent_states")

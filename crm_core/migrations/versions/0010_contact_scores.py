"""Lifetime value and churn scores per contact, and the figures of each run
(``crm_core.scores``).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_score_runs_computed_at", "score_runs", ["computed_at"])
    op.create_table(
        "contact_scores",
        sa.Column("contact_id", sa.Integer(),
                  sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("expected_purchases", sa.Float(), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=False),
        sa.Column("clv", sa.Float(), nullable=False),
        sa.Column("churn_probability", sa.Float(), nullable=False),
        sa.Column("median_days_to_churn", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contact_scores")
    op.drop_index("ix_score_runs_computed_at", table_name="score_runs")
    op.drop_table("score_runs")

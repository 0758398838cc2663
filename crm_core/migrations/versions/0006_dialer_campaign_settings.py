"""Dialer campaigns made through the API: their settings on the phone campaign, and
their uploaded lists.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("dialer", sa.JSON(), nullable=True))
    op.create_table(
        "dial_uploads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(),
                  sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.UniqueConstraint("campaign_id", "record_id"),
    )
    op.create_index("ix_dial_uploads_campaign_id", "dial_uploads", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_dial_uploads_campaign_id", table_name="dial_uploads")
    op.drop_table("dial_uploads")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("dialer")

"""A call's hold time and its parties' times (call control) on its interaction.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("hold_seconds", sa.Float(), nullable=True))
        batch.add_column(sa.Column("parties", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("parties")
        batch.drop_column("hold_seconds")

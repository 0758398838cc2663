"""A campaign list's arm: ``treated`` members are contacted, ``control`` members are held
out at random and never contacted, so that the campaign's effect can be measured.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_members") as batch:
        batch.add_column(sa.Column("arm", sa.String(length=8), nullable=False,
                                   server_default="treated"))


def downgrade() -> None:
    with op.batch_alter_table("campaign_members") as batch:
        batch.drop_column("arm")

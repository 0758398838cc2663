"""A dialer campaign's calls: the attempt and list record on the interaction, and the
one campaign response each call is.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("record_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_interactions_campaign_record", ["campaign_id", "record_id"])
    with op.batch_alter_table("campaign_responses") as batch:
        batch.add_column(sa.Column("interaction_id", sa.Integer(), nullable=True))
        # unique: the outbox may offer a call twice, and it is one response
        batch.create_index("ix_campaign_responses_interaction_id", ["interaction_id"],
                           unique=True)
        batch.create_foreign_key("fk_campaign_responses_interaction_id", "interactions",
                                 ["interaction_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("campaign_responses") as batch:
        batch.drop_constraint("fk_campaign_responses_interaction_id", type_="foreignkey")
        batch.drop_index("ix_campaign_responses_interaction_id")
        batch.drop_column("interaction_id")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_index("ix_interactions_campaign_record")
        batch.drop_column("record_id")
        batch.drop_column("attempt")

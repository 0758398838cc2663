"""The orders' index by contact and time also holds each order's status and total, so
that RFM and the value and churn scores read every order from the index alone.

The scores' summary and RFM's select go through the orders contact by contact, in
time; with ``(contact_id, ordered_at)`` alone each order's status and total were read
from its table page, one page per order on a table kept in time order: on 20 million
orders the summary went from 206 s to 24 s on PostgreSQL with this index, and from
443 s to 96 s on SQLite (docs/benchmarks.md, "Analytical CRM at 1M contacts"). It
replaces the narrower index, of which it is an extension.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_contact_ordered_status_total", "orders",
                    ["contact_id", "ordered_at", "status", "total"], unique=False)
    op.drop_index("ix_orders_contact_ordered", table_name="orders")


def downgrade() -> None:
    op.create_index("ix_orders_contact_ordered", "orders", ["contact_id", "ordered_at"],
                    unique=False)
    op.drop_index("ix_orders_contact_ordered_status_total", table_name="orders")

"""When each user was given their agent id (``users.agent_since``): agent ids are handed
on to new hires, and a new holder must not hear the calls taken under the id before
it was theirs.

A user's start is the last time the audit log saw their ``agent`` change (an admin
re-linking them, or the config file at start), or, with no such entry, when their
row was made.

Revision ID: 0016
Revises: 0015
"""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_USERS = sa.table("users", sa.column("id", sa.Integer()),
                  sa.column("created_at", sa.DateTime(timezone=True)),
                  sa.column("agent_since", sa.DateTime(timezone=True)))
_AUDIT = sa.table("audit_log", sa.column("entity", sa.String()),
                  sa.column("entity_id", sa.Integer()), sa.column("at", sa.DateTime(timezone=True)),
                  sa.column("changes", sa.JSON()))


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _linked(connection: Any) -> dict[int, dt.datetime]:
    """Each user's last audited change of ``agent``."""
    found: dict[int, dt.datetime] = {}
    rows = connection.execute(sa.select(_AUDIT.c.entity_id, _AUDIT.c.at, _AUDIT.c.changes)
                              .where(_AUDIT.c.entity == "users"))
    for user_id, at, changes in rows:
        if user_id is not None and isinstance(changes, dict) and "agent" in changes:
            at = _aware(at)
            found[user_id] = max(found.get(user_id, at), at)
    return found


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agent_since", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    linked = _linked(connection)
    for user_id, created in connection.execute(sa.select(_USERS.c.id, _USERS.c.created_at)):
        since = linked.get(user_id) or (created and _aware(created))
        connection.execute(_USERS.update().where(_USERS.c.id == user_id)
                           .values(agent_since=since))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("agent_since")

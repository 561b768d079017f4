"""Alert notifications on state changes (issue 13): ``notification.event`` and user addresses.

``notification`` gains ``event`` (``fired`` for the existing rows, then ``assigned``,
``escalated``, ``resolved``) and its natural key becomes (alert, event, channel, target): a
person is told once per alert and event, and a person told when the alert fired is still told
when it is assigned to them. ``app_user`` gains ``email``, the address state-change
notifications go to. SQLite rebuilds ``notification`` (batch mode) to change its unique key.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("event", sa.String(12), nullable=False,
                                   server_default="fired"))
        batch.drop_constraint("uq_notification_key", type_="unique")
        batch.create_unique_constraint("uq_notification_key",
                                       ["alert_id", "event", "channel", "target"])
    op.add_column("app_user", sa.Column("email", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("app_user", "email")
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint("uq_notification_key", type_="unique")
        batch.execute(sa.text("DELETE FROM notification WHERE event <> 'fired'"))
        batch.create_unique_constraint("uq_notification_key", ["alert_id", "channel", "target"])
        batch.drop_column("event")

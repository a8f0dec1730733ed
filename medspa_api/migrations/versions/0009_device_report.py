"""What each workstation last said of itself: its app version and whose changes wait on it.

A desk reports after each sync (``PUT /devices/me/report``); a manager's
workstation list shows the version and the changes waiting, and disabling a
leaver names the workstations where their changes wait.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.add_column("devices", sa.Column("app_version", sa.String(40), nullable=False, server_default=""))
    op.add_column("devices", sa.Column("queued_json", sa.Text, nullable=False, server_default="{}"))
    op.add_column("devices", sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("devices", "reported_at")
    op.drop_column("devices", "queued_json")
    op.drop_column("devices", "app_version")

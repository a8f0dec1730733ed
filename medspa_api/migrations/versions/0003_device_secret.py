"""Devices get a secret issued at registration (stored hashed); sessions record whether it was shown.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("secret_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("device_proven", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("device_proven")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("secret_hash")

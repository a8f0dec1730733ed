"""An authenticator enrolment waiting for its person: the secret, and when it was given out (once).

A manager starts it (new account or re-enrolment) without ever seeing the secret;
the person gets it once after signing in with their password and confirms it
with a code.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_enrolment", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enrolment_shown_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_enrolment_shown_at")
        batch.drop_column("totp_enrolment")

"""The practice's switch window: how long a session lasts after a sign-in with the code.

A manager sets it (1 to 24 hours, 12 by default) from the desk's practice
settings; the server ends a session, idle or not, once it is that old, so a
person switches back in on a shared workstation with their password alone only
within it. One row per practice in ``tenant_policies``; no row means 12 hours.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "tenant_policies",
        sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("switch_window_s", sa.Integer, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE tenant_policies ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tenant_policies FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY tenant_isolation ON tenant_policies "
               "USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) "
               "WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)")
    app_role = context.config.attributes.get("app_role", "")
    if app_role:
        role = op.get_bind().dialect.identifier_preparer.quote(app_role)
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON tenant_policies TO {role}")


def downgrade() -> None:
    op.drop_table("tenant_policies")

"""A keyed audit chain, and heads tables the app role cannot delete from.

Each audit row records which server key its link is an HMAC under
(``audit.key_id``). Rows chained before this revision have no key; the
revision writes, per practice, the last such seq into ``audit_keyed_from``,
which the app role may only read, so a row appended later without a valid
keyed link fails verification. The app role loses DELETE on ``audit_heads``
and ``change_heads`` (nothing in the app deletes a head; deleting one would
restart a chain or a change sequence). SQLite, which has no roles, gets
triggers that refuse those deletes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"

HEADS = ("audit_heads", "change_heads")
HEADS_KEPT = "heads rows are never deleted"


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=False, server_default=""))
    op.create_table(
        "audit_keyed_from",
        sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO audit_keyed_from (tenant_id, seq) SELECT tenant_id, last_seq FROM audit_heads")
        for table in HEADS:
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{HEADS_KEPT}'); END")
        return
    # Row-level security is forced on the owner too: lift it on audit_heads for this one read.
    op.execute("ALTER TABLE audit_heads NO FORCE ROW LEVEL SECURITY")
    op.execute("INSERT INTO audit_keyed_from (tenant_id, seq) SELECT tenant_id, last_seq FROM audit_heads")
    op.execute("ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE audit_keyed_from ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE audit_keyed_from FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY tenant_isolation ON audit_keyed_from "
               "USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) "
               "WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)")
    app_role = context.config.attributes.get("app_role", "")
    if app_role:
        role = op.get_bind().dialect.identifier_preparer.quote(app_role)
        op.execute(f"GRANT SELECT ON audit_keyed_from TO {role}")
        op.execute(f"REVOKE DELETE ON {', '.join(HEADS)} FROM {role}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in HEADS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    else:
        app_role = context.config.attributes.get("app_role", "")
        if app_role:
            role = op.get_bind().dialect.identifier_preparer.quote(app_role)
            op.execute(f"GRANT DELETE ON {', '.join(HEADS)} TO {role}")
    op.drop_table("audit_keyed_from")
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("key_id")

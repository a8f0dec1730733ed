"""PostgreSQL: every advance of a tenant's change head is announced with NOTIFY.

Server processes behind one load balancer hear each other's pushes through
``LISTEN medspa_changes`` (medspa_api/sync/pg_notices.py) instead of polling
the database per tenant. The notice is sent by a trigger, so it leaves with
the commit that made the change and never for a rolled-back one. SQLite has no
NOTIFY; its processes keep polling.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"

CHANNEL = "medspa_changes"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION medspa_change_notice() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.tenant_id::text || ':' || NEW.last_seq::text);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER change_heads_notice AFTER UPDATE OF last_seq ON change_heads
        FOR EACH ROW WHEN (NEW.last_seq > OLD.last_seq) EXECUTE FUNCTION medspa_change_notice()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_heads_notice ON change_heads")
    op.execute("DROP FUNCTION IF EXISTS medspa_change_notice()")

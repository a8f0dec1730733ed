"""The end of a contract: a practice destroyed on two managers' word, and the tombstone kept of it.

``practice_destructions`` holds one row per practice that asked to be destroyed: the request (who, when,
why, the SHA-256 of the export's manifest), the confirmation by a second manager, and, once destroyed,
the rows deleted per table and the destruction's own audit events, handed to the practice with its
certificate. ``destroyed_workstations`` lists the practice's workstations and when each confirmed its
wipe. Both are keyed by ``practice_id``, not ``tenant_id``: they are what is kept after every row that
carries the tenant's id is gone, and a test checks that no ``tenant_id`` row survives.

Deleting a practice's audit rows and chain heads is otherwise impossible, and stays so for anything but
a confirmed destruction:

- SQLite (no roles): the append-only triggers let a delete through only for a practice whose
  destruction two different managers confirmed (and, as before, audit rows past six years);
- PostgreSQL: the app role still has no DELETE on the audit or the heads. It may call one function,
  ``medspa_destroy_practice``, owned by the owner (SECURITY DEFINER), which refuses unless the
  practice's destruction was confirmed by a manager other than the one who asked, and then deletes the
  practice's rows from every table with a ``tenant_id`` column (read from the catalog, so a table added
  later is never missed) and the practice itself, returning the count per table.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0012"
down_revision = "0011"

TS = sa.DateTime(timezone=True)
APPEND_ONLY = "audit log is append-only"
HEADS_KEPT = "heads rows are never deleted"
CONFIRMED = ("EXISTS (SELECT 1 FROM practice_destructions d WHERE d.practice_id = OLD.tenant_id "
             "AND d.confirmed_at IS NOT NULL AND d.destroyed_at IS NULL AND d.confirmed_by <> d.requested_by)")
HEADS = ("audit_heads", "change_heads")


def upgrade() -> None:
    op.create_table(
        "practice_destructions",
        sa.Column("practice_id", sa.Uuid, primary_key=True),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("practice_name", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.Uuid, nullable=False),
        sa.Column("requested_by_name", sa.String(200), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("export_sha256", sa.String(64), nullable=False),
        sa.Column("export_counts", sa.Text, nullable=False),
        sa.Column("confirmed_by", sa.Uuid, nullable=True),
        sa.Column("confirmed_by_name", sa.String(200), nullable=True),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.Column("destroyed_at", TS, nullable=True),
        sa.Column("deleted_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("events_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("certificate_hash", sa.String(64), nullable=True),
    )
    op.create_table(
        "destroyed_workstations",
        sa.Column("practice_id", sa.Uuid, primary_key=True),
        sa.Column("device_id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("wiped_at", TS, nullable=True),
        sa.Index("ix_destroyed_workstations_device", "device_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(only_unless_destroyed=True)
        return
    _postgresql_function()
    app_role = context.config.attributes.get("app_role", "")
    if app_role:
        role = op.get_bind().dialect.identifier_preparer.quote(app_role)
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON practice_destructions, destroyed_workstations TO {role}")
        op.execute(f"GRANT EXECUTE ON FUNCTION medspa_destroy_practice(uuid) TO {role}")


def _sqlite_triggers(*, only_unless_destroyed: bool) -> None:
    unless = f" AND NOT {CONFIRMED}" if only_unless_destroyed else ""
    op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    op.execute(f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
               f"WHEN OLD.recorded_at > datetime('now', '-6 years'){unless} "
               f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    for table in HEADS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        when = f" WHEN NOT {CONFIRMED}" if only_unless_destroyed else ""
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}{when} "
                   f"BEGIN SELECT RAISE(ABORT, '{HEADS_KEPT}'); END")


def _audit_guard(*, also_returns: str) -> None:
    """The audit's append-only trigger function: a delete passes only past six years, or ``also_returns``."""
    op.execute(f"CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"IF TG_OP = 'DELETE' THEN IF OLD.recorded_at < now() - interval '6 years' THEN RETURN OLD; END IF; "
               f"{also_returns} END IF; "
               f"RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$")


def _postgresql_function() -> None:
    _audit_guard(also_returns="IF current_setting('medspa.destroying', true) = OLD.tenant_id::text THEN "
                              "RETURN OLD; END IF;")
    op.execute("""
        CREATE FUNCTION medspa_destroy_practice(practice uuid)
        RETURNS TABLE (table_name text, deleted bigint)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
        DECLARE
            target record;
            n bigint;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM practice_destructions d WHERE d.practice_id = practice
                           AND d.confirmed_at IS NOT NULL AND d.destroyed_at IS NULL
                           AND d.confirmed_by <> d.requested_by) THEN
                RAISE EXCEPTION 'no confirmed destruction for this practice' USING ERRCODE = 'insufficient_privilege';
            END IF;
            -- Every insert into a practice's table checks its foreign key to the practice (FOR KEY SHARE):
            -- this waits for those in flight and holds off new ones, so no row escapes the deletes below.
            PERFORM 1 FROM tenants WHERE id = practice FOR UPDATE;
            PERFORM set_config('app.tenant_id', practice::text, true);
            PERFORM set_config('medspa.destroying', practice::text, true);
            FOR target IN
                SELECT c.relname AS name FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid
                JOIN pg_namespace s ON s.oid = c.relnamespace
                WHERE a.attname = 'tenant_id' AND NOT a.attisdropped AND c.relkind = 'r'
                  AND s.nspname = current_schema()
                ORDER BY c.relname
            LOOP
                EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', target.name) USING practice;
                GET DIAGNOSTICS n = ROW_COUNT;
                table_name := target.name;
                deleted := n;
                RETURN NEXT;
            END LOOP;
            DELETE FROM tenants WHERE id = practice;
            GET DIAGNOSTICS n = ROW_COUNT;
            table_name := 'tenants';
            deleted := n;
            RETURN NEXT;
            PERFORM set_config('medspa.destroying', '', true);
        END $$""")
    op.execute("REVOKE ALL ON FUNCTION medspa_destroy_practice(uuid) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(only_unless_destroyed=False)
    else:
        op.execute("DROP FUNCTION IF EXISTS medspa_destroy_practice(uuid)")
        _audit_guard(also_returns="")
    op.drop_table("destroyed_workstations")
    op.drop_table("practice_destructions")

"""Initial schema: tenants, users, devices, sessions, records, changes, slots, audit.

On PostgreSQL also: btree_gist exclusion constraints against double bookings,
row-level security forced on every tenant table, append-only triggers on the
audit table, and grants for the application role (never the owner).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
APPEND_ONLY = "the audit trail is append-only"


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table("change_heads", _tenant(),
                    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table("audit_heads", _tenant(),
                    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
                    sa.Column("last_hash", sa.String(64), nullable=False))
    op.create_table(
        "users", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("provider_id", sa.Uuid, nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=False),
        sa.Column("totp_last_counter", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
    )
    op.create_table(
        "devices", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("registered_by", sa.Uuid, nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", sa.Uuid, nullable=True),
        sa.Column("vault_id", sa.Uuid, nullable=True),
        sa.Column("wrapped_key", sa.Text, nullable=True),
        sa.Column("server_half", sa.String(64), nullable=True),
    )
    op.create_table(
        "sessions", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("device_id", sa.Uuid, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=False, server_default=""),
    )
    op.create_index("ix_sessions_user", "sessions", ["tenant_id", "user_id"])
    op.create_index("ix_sessions_device", "sessions", ["tenant_id", "device_id"])
    op.create_table(
        "tokens", _tenant(),
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
    )
    op.create_index("ix_tokens_session", "tokens", ["tenant_id", "session_id"])
    op.create_table(
        "address_throttle",
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
    )
    op.create_table(
        "records", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=True),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_records_seq", "records", ["tenant_id", "seq"], unique=True)
    op.create_index("ix_records_entity", "records", ["tenant_id", "entity"])
    op.create_table(
        "changes", _tenant(),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("mutation_id", sa.Uuid, nullable=True),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "appointment_slots", _tenant(),
        sa.Column("appointment_id", sa.Uuid, primary_key=True),
        sa.Column("provider_id", sa.Uuid, nullable=False),
        sa.Column("room_id", sa.Uuid, nullable=True),
        sa.Column("blocked_from", TS, nullable=False),
        sa.Column("blocked_to", TS, nullable=False),
        sa.Column("holds_slot", sa.Boolean, nullable=False),
    )
    op.create_index("ix_slots_provider", "appointment_slots", ["tenant_id", "provider_id", "blocked_from"])
    op.create_index("ix_slots_room", "appointment_slots", ["tenant_id", "room_id", "blocked_from"])
    op.create_table(
        "mutations", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("device_id", sa.Uuid, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "conflicts", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("mutation_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Uuid, nullable=False),
        sa.Column("holder_id", sa.Uuid, nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "audit", _tenant(),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("actor_user_id", sa.Uuid, nullable=True),
        sa.Column("device_id", sa.Uuid, nullable=True),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(200), nullable=False, server_default=""),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False, server_default=""),
        sa.Column("entity_id", sa.Uuid, nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False, server_default=""),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_audit_tenant_event"),
    )
    op.create_index("ix_audit_at", "audit", ["tenant_id", "at"])
    op.create_table(
        "audit_checkpoints", _tenant(),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_guards()
    else:
        _postgresql_guards(app_role=context.config.attributes.get("app_role", ""))


TENANT_TABLES = ("change_heads", "audit_heads", "users", "devices", "sessions", "tokens", "records",
                 "changes", "appointment_slots", "mutations", "conflicts", "audit", "audit_checkpoints")


def _sqlite_guards() -> None:
    op.execute(f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
               f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    # Only rows past the six-year retention may ever be purged.
    op.execute(f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
               f"WHEN OLD.recorded_at > datetime('now', '-6 years') "
               f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")


def _postgresql_guards(*, app_role: str) -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("ALTER TABLE appointment_slots ADD CONSTRAINT ex_slots_provider EXCLUDE USING gist "
               "(tenant_id WITH =, provider_id WITH =, tstzrange(blocked_from, blocked_to) WITH &&) "
               "WHERE (holds_slot)")
    op.execute("ALTER TABLE appointment_slots ADD CONSTRAINT ex_slots_room EXCLUDE USING gist "
               "(tenant_id WITH =, room_id WITH =, tstzrange(blocked_from, blocked_to) WITH &&) "
               "WHERE (holds_slot AND room_id IS NOT NULL)")
    op.execute(f"""
        CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.recorded_at < now() - interval '6 years' THEN
                    RETURN OLD;
                END IF;
            END IF;
            RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$""")
    op.execute("CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
               "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()")
    op.execute("CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} "
                   "USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) "
                   "WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)")
    if app_role:
        role = op.get_bind().dialect.identifier_preparer.quote(app_role)
        op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        op.execute(f"GRANT SELECT ON alembic_version TO {role}")
        op.execute(f"GRANT SELECT, INSERT ON tenants, audit, audit_checkpoints TO {role}")
        writable = [t for t in (*TENANT_TABLES, "address_throttle") if t not in ("audit", "audit_checkpoints")]
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(writable)} TO {role}")


def downgrade() -> None:
    raise RuntimeError("the initial schema is not downgraded; restore a backup instead")

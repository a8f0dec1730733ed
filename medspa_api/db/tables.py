"""Table definitions (SQLAlchemy Core). The Alembic migrations build exactly these.

Every tenant table is keyed ``tenant_id`` first, so the data can later be
sharded by tenant. Records are stored whole as JSON text beside the columns
queries need (entity, seq, location).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)


def tenant_col() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True)


tenants = sa.Table(
    "tenants", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
)

# One lock row per tenant: seq is assigned while holding it, so seq order is commit order.
change_heads = sa.Table(
    "change_heads", metadata,
    tenant_col(),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
)

audit_heads = sa.Table(
    "audit_heads", metadata,
    tenant_col(),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

users = sa.Table(
    "users", metadata,
    tenant_col(),
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
    # An authenticator enrolment waiting for its person (schema 0006): the secret, given out once.
    sa.Column("totp_enrolment", sa.String(64), nullable=True),
    sa.Column("totp_enrolment_shown_at", TS, nullable=True),
    sa.UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
)

devices = sa.Table(
    "devices", metadata,
    tenant_col(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    sa.Column("registered_by", sa.Uuid, nullable=False),
    sa.Column("registered_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
    sa.Column("revoked_by", sa.Uuid, nullable=True),
    sa.Column("vault_id", sa.Uuid, nullable=True),
    sa.Column("wrapped_key", sa.Text, nullable=True),
    sa.Column("server_half", sa.String(64), nullable=True),
    # SHA-256 of the secret issued once at registration; NULL for devices registered before it existed.
    sa.Column("secret_hash", sa.String(64), nullable=True),
    # What the desk last said of itself (PUT /devices/me/report, migration 0009).
    sa.Column("app_version", sa.String(40), nullable=False, server_default=""),
    sa.Column("queued_json", sa.Text, nullable=False, server_default="{}"),  # {user id: changes waiting}
    sa.Column("reported_at", TS, nullable=True),
)

sessions = sa.Table(
    "sessions", metadata,
    tenant_col(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("device_id", sa.Uuid, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_seen_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("ended_at", TS, nullable=True),
    sa.Column("end_reason", sa.String(40), nullable=False, server_default=""),
    # The sign-in (or a refresh) showed the device's secret: only such sessions get the escrow.
    sa.Column("device_proven", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_sessions_user", "tenant_id", "user_id"),
    sa.Index("ix_sessions_device", "tenant_id", "device_id"),
)

# Access and refresh tokens, stored only as SHA-256 hashes; a refresh token's
# family is its session. ``replaced_by``: the hash of the refresh token a rotation issued for it.
# ``access_hash`` (refresh tokens, schema 0004): the access token issued with it, ended with it when
# a retry spends it.
tokens = sa.Table(
    "tokens", metadata,
    tenant_col(),
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("used_at", TS, nullable=True),
    sa.Column("replaced_by", sa.String(64), nullable=True),
    sa.Column("access_hash", sa.String(64), nullable=True),
    sa.Index("ix_tokens_session", "tenant_id", "session_id"),
)

# Failed sign-ins per network address (not tenant data: no PHI, no RLS).
address_throttle = sa.Table(
    "address_throttle", metadata,
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("window_start", TS, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
)

records = sa.Table(
    "records", metadata,
    tenant_col(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("location_id", sa.Uuid, nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_records_seq", "tenant_id", "seq", unique=True),
    sa.Index("ix_records_entity", "tenant_id", "entity"),
)

changes = sa.Table(
    "changes", metadata,
    tenant_col(),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mutation_id", sa.Uuid, nullable=True),
    sa.Column("at", TS, nullable=False),
)

# The interval an appointment blocks (buffers included) and whether it still
# holds it: what the overlap rule is checked on.
appointment_slots = sa.Table(
    "appointment_slots", metadata,
    tenant_col(),
    sa.Column("appointment_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("room_id", sa.Uuid, nullable=True),
    sa.Column("blocked_from", TS, nullable=False),
    sa.Column("blocked_to", TS, nullable=False),
    sa.Column("holds_slot", sa.Boolean, nullable=False),
    sa.Index("ix_slots_provider", "tenant_id", "provider_id", "blocked_from"),
    sa.Index("ix_slots_room", "tenant_id", "room_id", "blocked_from"),
)

mutations = sa.Table(
    "mutations", metadata,
    tenant_col(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("device_id", sa.Uuid, nullable=False),
    sa.Column("at", TS, nullable=False),
)

conflicts = sa.Table(
    "conflicts", metadata,
    tenant_col(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("mutation_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.Uuid, nullable=False),
    sa.Column("holder_id", sa.Uuid, nullable=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

audit = sa.Table(
    "audit", metadata,
    tenant_col(),
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
    # Which server key the link is an HMAC under (medspa_api.audit_log.key_id); "" for rows chained
    # before the chain had a key, which audit_keyed_from bounds.
    sa.Column("key_id", sa.String(16), nullable=False, server_default=""),
    sa.UniqueConstraint("tenant_id", "id", name="uq_audit_tenant_event"),
    sa.Index("ix_audit_at", "tenant_id", "at"),
    sa.Index("ix_audit_entity", "tenant_id", "entity_id", "seq"),  # one record's or client's rows (0008)
)

# Rows after this seq must carry a keyed link. Written by the migration that added the key (as the owner);
# the app role may only read it, so it cannot declare its own appended rows to be from before the key.
audit_keyed_from = sa.Table(
    "audit_keyed_from", metadata,
    tenant_col(),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

# The practice's sign-in policy (schema 0011); no row means the defaults.
tenant_policies = sa.Table(
    "tenant_policies", metadata,
    tenant_col(),
    # How long a session lasts after a sign-in with the authenticator code, idle or not: within it the
    # person switches back in on a shared workstation with their password alone.
    sa.Column("switch_window_s", sa.Integer, nullable=False),
)

audit_checkpoints = sa.Table(
    "audit_checkpoints", metadata,
    tenant_col(),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("at", TS, nullable=False),
)

# A photo's bytes (migration 0010), kept like every other record of the practice: in its database, keyed by
# tenant first. ``photo_uploads`` says what the photo is to be (size, hash, type, chunk size) and when it
# became whole; ``photo_chunks`` holds each chunk checked and kept, so an upload cut short resumes.
photo_uploads = sa.Table(
    "photo_uploads", metadata,
    tenant_col(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("client_id", sa.Uuid, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("media_type", sa.String(20), nullable=False),
    sa.Column("chunk_size", sa.Integer, nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=False),
    sa.Column("device_id", sa.Uuid, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("completed_at", TS, nullable=True),
)

photo_chunks = sa.Table(
    "photo_chunks", metadata,
    tenant_col(),
    sa.Column("photo_id", sa.Uuid, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# What is kept of a practice destroyed at the end of its contract (migration 0012): keyed by ``practice_id``,
# never ``tenant_id``, since no row carrying the tenant's id survives its destruction. One row per practice
# that asked: the request, the second manager's confirmation, then the rows deleted per table and the
# destruction's own audit events (JSON), handed to the practice with its certificate of destruction.
practice_destructions = sa.Table(
    "practice_destructions", metadata,
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
    sa.Column("certificate_hash", sa.String(64), nullable=True),  # SHA-256 of the key that reads the certificate
)

# The destroyed practice's workstations: each is told on its next contact, wipes, and confirms here with
# its device secret (checked against ``secret_hash``).
destroyed_workstations = sa.Table(
    "destroyed_workstations", metadata,
    sa.Column("practice_id", sa.Uuid, primary_key=True),
    sa.Column("device_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=True),
    sa.Column("revoked_at", TS, nullable=True),
    sa.Column("wiped_at", TS, nullable=True),
    sa.Index("ix_destroyed_workstations_device", "device_id"),
)

TENANT_TABLES: tuple[str, ...] = tuple(t.name for t in metadata.sorted_tables if "tenant_id" in t.c)

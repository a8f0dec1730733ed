"""Photo bytes: uploads (what each photo is to be) and their chunks, per practice.

Kept in the database like every other record of the practice (row-level
security and the app role's grants as for the other tenant tables). A chunk
row is written once per (photo, index), so an upload cut short resumes with
the chunks still missing.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"

TABLES = ("photo_uploads", "photo_chunks")


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "photo_uploads", _tenant(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("client_id", sa.Uuid, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(20), nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=False),
        sa.Column("device_id", sa.Uuid, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "photo_chunks", _tenant(),
        sa.Column("photo_id", sa.Uuid, primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} "
                   "USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) "
                   "WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)")
    app_role = context.config.attributes.get("app_role", "")
    if app_role:
        role = op.get_bind().dialect.identifier_preparer.quote(app_role)
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {', '.join(TABLES)} TO {role}")


def downgrade() -> None:
    op.drop_table("photo_chunks")
    op.drop_table("photo_uploads")

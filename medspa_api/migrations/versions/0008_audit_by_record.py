"""An index to read one record's (or one client's) audit rows a page at a time.

The audit viewer and a client's access report filter by ``entity_id`` and page
by ``seq``; without this index PostgreSQL walks the practice's whole trail.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_index("ix_audit_entity", "audit", ["tenant_id", "entity_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_entity", table_name="audit")

"""Everything that differs between SQLite and PostgreSQL, in one place.

- SQLite gets WAL, foreign keys and a busy timeout on every connection, and
  write transactions start with ``BEGIN IMMEDIATE`` so writers are serialised
  (that is what keeps seq order equal to commit order and double bookings out).
- Both are durable at commit: SQLite runs ``synchronous=FULL`` (in WAL,
  ``NORMAL`` may lose the last commits on power loss, and a desk deletes a
  mutation from its outbox once the server has answered), and PostgreSQL
  connections ask for ``synchronous_commit=on`` whatever the database's default.
- PostgreSQL gets the tenant set per transaction for row-level security, and
  ``SELECT ... FOR UPDATE`` on the per-tenant head rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

SQLITE_BUSY_TIMEOUT_MS = 30_000
IMMEDIATE = "medspa_immediate"


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq, pg_dump and psycopg itself take it."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine_for(url: str, *, pool_size: int = 20, behind_pooler: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  pool_size=pool_size, max_overflow=pool_size)
        _configure_sqlite(engine)
        return engine
    if behind_pooler:
        # A transaction-mode pooler (PgBouncer) hands each transaction any server connection: a
        # statement prepared on one is unknown on the next, and a startup option is refused.
        # synchronous_commit is set per write transaction instead (Database.transaction).
        return sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                                connect_args={"prepare_threshold": None})
    # A startup option outranks ALTER DATABASE/ROLE ... SET, so a server tuned for speed cannot make
    # an answered push forgettable.
    return sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                            connect_args={"options": "-c synchronous_commit=on"})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to send.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(IMMEDIATE) else "BEGIN")


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def set_tenant(conn: Connection, tenant_id: UUID) -> None:
    """Row-level security reads the tenant from a transaction-local setting."""
    if not is_sqlite(conn):
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def uuid_text(conn: Connection, column: sa.ColumnElement) -> sa.ColumnElement:
    """A UUID column as its dashed text, made by the database where it can (no UUID objects per row)."""
    return column if is_sqlite(conn) else sa.cast(column, sa.Text)


def walk_in_seq_order(conn: Connection) -> None:
    """Make PostgreSQL page through records along the (tenant_id, seq) index.

    With statistics that lag a bulk import, the planner reckons "seq > cursor"
    matches a few hundred rows and reads all of them to sort, on every page:
    an initial pull of 500,000 records then reads the table a hundred times.
    Walking the index is right for every page, so the sort is ruled out for
    this transaction only.
    """
    if not is_sqlite(conn):
        conn.exec_driver_sql("SET LOCAL enable_sort = off")


def for_update(statement: sa.Select) -> sa.Select:
    """Lock the selected rows until commit (SQLite already holds the write lock)."""
    return statement.with_for_update()


def insert_ignoring_duplicates(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping those whose key exists; returns how many were new."""
    if not rows:
        return 0
    if is_sqlite(conn):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    result = conn.execute(insert(table).on_conflict_do_nothing(), rows)
    return max(result.rowcount, 0)


def bulk_insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast (loading a practice): executemany on SQLite, COPY on PostgreSQL.

    PostgreSQL refuses ``COPY FROM`` into a table under row-level security, so
    the rows are copied into a temporary table of the same shape (temporary
    tables have no policies) and moved with one ``INSERT ... SELECT``, which
    the tenant policy checks row by row as usual.
    """
    if not rows:
        return
    if is_sqlite(conn):
        conn.execute(table.insert(), rows)
        return
    from psycopg import sql

    columns = list(rows[0])
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    target, staging = sql.Identifier(table.name), sql.Identifier(f"bulk_{table.name}")
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) "
                               "ON COMMIT DELETE ROWS").format(staging, target))
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, names)) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
        cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(target, names, names, staging))
        cursor.execute(sql.SQL("TRUNCATE {}").format(staging))
    finally:
        cursor.close()


def is_slot_violation(error: DBAPIError) -> bool:
    """The PostgreSQL exclusion constraint refusing an overlapping booking."""
    return getattr(error.orig, "sqlstate", None) == "23P01"


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

"""The database handle: transactions opened for one tenant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy.engine import Connection, Engine

from medspa_api.db.dialect import IMMEDIATE, create_engine_for, set_tenant

AFTER_COMMIT = "medspa_after_commit"


def after_commit(conn: Connection, action: Callable[[], None]) -> None:
    """Run ``action`` once the transaction on ``conn`` has committed (not if it rolls back)."""
    conn.info.setdefault(AFTER_COMMIT, []).append(action)


class Database:
    def __init__(self, url: str, *, pool_size: int = 20, behind_pooler: bool = False) -> None:
        self.url = url
        self.engine: Engine = create_engine_for(url, pool_size=pool_size, behind_pooler=behind_pooler)
        self._sync_commit_per_transaction = behind_pooler and not url.startswith("sqlite")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, tenant_id: UUID | None = None, *, write: bool = True) -> Iterator[Connection]:
        """One transaction, scoped to ``tenant_id`` when given; commits on success."""
        with self.engine.connect() as conn:
            conn.info[IMMEDIATE] = write
            # conn.info lives with the pooled DBAPI connection: start each transaction with no leftovers.
            conn.info[AFTER_COMMIT] = []
            try:
                with conn.begin():
                    if write and self._sync_commit_per_transaction:
                        conn.exec_driver_sql("SET LOCAL synchronous_commit = on")
                    if tenant_id is not None:
                        set_tenant(conn, tenant_id)
                    yield conn
            finally:
                actions = conn.info.pop(AFTER_COMMIT, [])
            for action in actions:
                action()

    def dispose(self) -> None:
        self.engine.dispose()

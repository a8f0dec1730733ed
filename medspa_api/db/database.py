"""The database handle: transactions opened for one tenant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy.engine import Connection, Engine

from medspa_api.db.dialect import IMMEDIATE, create_engine_for, set_tenant


class Database:
    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.engine: Engine = create_engine_for(url, pool_size=pool_size)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, tenant_id: UUID | None = None, *, write: bool = True) -> Iterator[Connection]:
        """One transaction, scoped to ``tenant_id`` when given; commits on success."""
        with self.engine.connect() as conn:
            conn.info[IMMEDIATE] = write
            with conn.begin():
                if tenant_id is not None:
                    set_tenant(conn, tenant_id)
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()

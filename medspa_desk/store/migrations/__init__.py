"""Numbered schema migrations: ``NNNN_name.sql``, applied in order, each in one transaction.

The schema version lives in ``PRAGMA user_version``. A file made by a newer
Medspa Desk is refused, never "downgraded". A migration only ever adds to what
released schemas hold; each released schema is kept in the tests (built by
applying only its migrations) and proved to upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from medspa_desk.store.errors import StoreError, TooNew


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    found = []
    for entry in resources.files(__package__).iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("schema migrations must be numbered 0001, 0002, … without gaps")
    return found


LATEST = len(available())


def schema_version(conn: Any) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Any, *, target: int | None = None) -> int:
    """Bring the schema up to ``target`` (the latest by default); returns the version reached."""
    migrations = available()
    goal = len(migrations) if target is None else target
    current = schema_version(conn)
    if current > len(migrations):
        raise TooNew(f"This data file was written by a newer version of Medspa Desk (schema "
                     f"{current}; this version knows up to {len(migrations)}). Update Medspa Desk "
                     "on this workstation; the file was not changed.")
    for migration in migrations[current:goal]:
        _apply(conn, migration)
    return schema_version(conn)


def _apply(conn: Any, migration: Migration) -> None:
    # One script, one transaction: the schema change and the new user_version
    # commit together or not at all.
    script = (f"BEGIN IMMEDIATE;\n{migration.sql}\n"
              f"PRAGMA user_version = {migration.version};\nCOMMIT;")
    try:
        conn.executescript(script)
    except Exception as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"Updating the local data file to schema {migration.version} failed "
                         f"({type(exc).__name__}); it was left at schema "
                         f"{schema_version(conn)}. Contact support.") from exc

"""``python -m medspa_demo seed``: the demo practice into a central API's database.

Settings come from the environment as for ``medspa-api`` (medspa_api.settings);
every demo user gets the password in ``MEDSPA_API_DEMO_PASSWORD`` (or one
made up and printed) and an authenticator, whose enrolment links are printed.
Every failure is a plain sentence and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

import sqlalchemy as sa

from medspa_api.data.tenants import tenant_id_by_name
from medspa_api.db.database import Database
from medspa_api.security.passwords import WeakPassword
from medspa_api.settings import Settings, SettingsError
from medspa_demo.model import Scale
from medspa_demo.seed import seed_demo

MAX_CLIENTS = 1_000_000
MAX_MONTHS = 24
TENANT_NAME_LIMIT = 200


class SeedRefused(Exception):
    """A request the operator can fix; the message says how."""


def seed(settings: Settings, *, tenant: str, clients: int, months: int, password: str) -> str:
    """Load the demo practice as a new practice named ``tenant``; the summary with enrolment links."""
    if not 1 <= clients <= MAX_CLIENTS or not 1 <= months <= MAX_MONTHS:
        raise SeedRefused(f"--clients must be from 1 to {MAX_CLIENTS:,} and --months from 1 to {MAX_MONTHS}.")
    if not tenant.strip() or len(tenant) > TENANT_NAME_LIMIT:
        raise SeedRefused(f"--tenant needs a name of 1 to {TENANT_NAME_LIMIT} characters.")
    db = Database(settings.database_url, pool_size=2, behind_pooler=settings.behind_pooler)
    try:
        with db.transaction(write=False) as conn:
            if tenant_id_by_name(conn, name=tenant) is not None:
                raise SeedRefused(f"A practice named {tenant!r} already exists; pick another --tenant name.")
        scale = Scale(clients=clients, months_back=months, months_ahead=months)
        return seed_demo(db, tenant_name=tenant, password=password, scale=scale)
    finally:
        db.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m medspa_demo",
                                     description="The demo practice (invented people) for a central API.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seed", help="load the demo practice as a new practice")
    p.add_argument("--tenant", default="Demo Med Spa", help="the new practice's name")
    p.add_argument("--clients", type=int, default=2000, help="how many clients (default 2000)")
    p.add_argument("--months", type=int, default=3, help="months of history and of bookings ahead (default 3)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environment()
        print(seed(settings, tenant=args.tenant, clients=args.clients, months=args.months,
                   password=os.environ.get("MEDSPA_API_DEMO_PASSWORD", "")))
    except (SeedRefused, SettingsError, WeakPassword) as exc:
        print(f"medspa_demo: {exc}", file=sys.stderr)
        return 2
    except (sa.exc.OperationalError, OSError) as exc:
        print(f"medspa_demo: {type(exc).__name__}: the database could not be reached; check "
              "MEDSPA_API_DATABASE_URL.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

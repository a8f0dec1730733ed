"""``medspa-api``: set up, run and look after the central API.

Commands: init-db, create-tenant, create-location, create-user, serve,
import-setup, backup, restore-check, purge-audit (the demo practice is
``python -m medspa_demo seed``: the server carries no demo code). Settings come from the
environment (see medspa_api.settings); every failure is a plain sentence
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import ipaddress
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import segno
import sqlalchemy as sa

from medspa_api.audit_log import (
    AuditBuffer,
    ChainKeys,
    Origin,
    chain_keys,
    flush,
    use_chain_keys,
    verify_chain,
)
from medspa_api.data.changes import ChangeLog
from medspa_api.data.tenants import create_location, create_tenant, tenant_id_by_name
from medspa_api.data.users import create_user, reveal_enrolment
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import as_utc, libpq_url
from medspa_api.migrate import upgrade_database
from medspa_api.security.passwords import WeakPassword
from medspa_api.security.totp import enrolment_uri
from medspa_api.settings import Settings, SettingsError
from medspa_desk.records import AuditAction, Location, RestoreDrill, Role

RETENTION = timedelta(days=6 * 365 + 2)
COUNTED_TABLES = ("tenants", "users", "devices", "records", "changes", "appointment_slots", "mutations",
                  "conflicts", "audit")


class CliError(Exception):
    """A problem the operator can fix; the message says how."""


def _database(settings: Settings) -> Database:
    """The operator's connection; audit rows it writes (import-setup) are chained under the server's key."""
    db = Database(settings.database_url, pool_size=2, behind_pooler=settings.behind_pooler)
    use_chain_keys(db.engine, chain_keys(settings))
    return db


def _tenant(db: Database, name: str):
    with db.transaction(write=False) as conn:
        tenant_id = tenant_id_by_name(conn, name=name)
    if tenant_id is None:
        raise CliError(f"No practice named {name!r}; create it with `medspa-api create-tenant`.")
    return tenant_id


def cmd_init_db(settings: Settings, args: argparse.Namespace) -> None:
    upgrade_database(settings.owner_url, app_role=args.app_role)
    print("Database schema is up to date.")


def cmd_create_tenant(settings: Settings, args: argparse.Namespace) -> None:
    db = _database(settings)
    with db.transaction() as conn:
        if tenant_id_by_name(conn, name=args.name) is not None:
            raise CliError(f"A practice named {args.name!r} already exists.")
        tenant_id = create_tenant(conn, name=args.name)
    print(f"Created practice {args.name!r} ({tenant_id}).")


def cmd_create_location(settings: Settings, args: argparse.Namespace) -> None:
    db = _database(settings)
    tenant_id = _tenant(db, args.tenant)
    try:
        location = Location(name=args.name, time_zone=args.time_zone, address=args.address)
    except ValueError as exc:
        raise CliError(f"The location is not valid: {exc.errors()[0]['msg']}.") from None  # type: ignore[attr-defined]
    with db.transaction(tenant_id) as conn:
        stored = create_location(conn, tenant_id=tenant_id, location=location)
    print(f"Created location {args.name!r} ({stored.id}).")


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> None:
    db = _database(settings)
    tenant_id = _tenant(db, args.tenant)
    password = os.environ.get("MEDSPA_API_NEW_PASSWORD") or getpass.getpass("Password for the new user: ")
    try:
        with db.transaction(tenant_id) as conn:
            made = create_user(conn, tenant_id=tenant_id, tenant_name=args.tenant, username=args.username,
                               display_name=args.display_name or args.username, role=Role(args.role),
                               password=password)
            # The operator sets up the first manager, who has no manager to start it: the enrolment is given
            # out here, once, as the person's own first sign-in would; their first code confirms it.
            secret = reveal_enrolment(conn, tenant_id=tenant_id, user_id=made.id)
    except WeakPassword as exc:
        raise CliError(str(exc)) from None
    assert secret is not None
    uri = enrolment_uri(secret, username=args.username, tenant=args.tenant)
    print(f"Created {args.role} {args.username!r} ({made.id}).")
    print("Scan this with the user's authenticator app (or enter the URI); it is shown only now, and the first")
    print("sign-in with a code from it completes the set-up:")
    print(uri)
    segno.make(uri, error="m").terminal(compact=True)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from medspa_api.app import create_app
    from medspa_api.logs import configure

    if args.insecure_loopback:
        if not ipaddress.ip_address(args.host).is_loopback:
            raise CliError("--insecure-loopback serves plain HTTP only on 127.0.0.1; use a TLS certificate "
                           "for any other address.")
        tls: dict[str, object] = {}
    else:
        if not (args.cert and args.key):
            raise CliError("serve needs --cert and --key (TLS); plain HTTP is only for --insecure-loopback "
                           "on 127.0.0.1 during development.")
        tls = {"ssl_certfile": args.cert, "ssl_keyfile": args.key, "ssl_version": ssl.PROTOCOL_TLS_SERVER,
               "ssl_ciphers": "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5"}
    configure()
    app = create_app(settings)
    # A practice's desks all hold a change stream or a long-poll open: leave room in the listen backlog
    # for all of them reconnecting at once, and do not let open long-polls hold up a shutdown.
    config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False,
                            log_config=None, backlog=args.backlog, timeout_graceful_shutdown=5,
                            timeout_keep_alive=35, server_header=False, **settings.forwarded_options(),
                            **tls)  # type: ignore[arg-type]

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[Any] | None = None) -> None:
            await super().startup(sockets)
            # What the app loaded to start (modules, schemas, the OpenAPI models) lives as long as the
            # process: keep the cyclic collector from walking it again and again, a pause every desk's
            # change notice would wait behind.
            gc.collect()
            gc.freeze()

        async def shutdown(self, sockets: list[Any] | None = None) -> None:
            # Change streams never finish by themselves: end them first (each desk is told the server is
            # restarting and reconnects) rather than let them hold the graceful shutdown to its timeout.
            await app.state.streams.close()
            await super().shutdown(sockets)

    server = Server(config)
    if tls:
        # TLS 1.2 is the floor; uvicorn builds the context, so raise the minimum on it after load.
        original = config.load

        def load_with_minimum() -> None:
            original()
            if config.ssl is not None:
                config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2

        config.load = load_with_minimum  # type: ignore[method-assign]
    server.run()


def cmd_import_setup(settings: Settings, args: argparse.Namespace) -> None:
    from medspa_api.setup_import import SetupFileError, import_setup, read_setup_file

    db = _database(settings)
    tenant_id = _tenant(db, args.tenant)
    try:
        document = read_setup_file(Path(args.file))
        with db.transaction(tenant_id) as conn:
            plan = import_setup(conn, tenant_id=tenant_id, document=document, apply=args.apply,
                                file_name=args.file)
    except SetupFileError as exc:
        raise CliError(str(exc)) from None
    if plan.empty:
        print(f"{args.tenant}: the file matches what the practice has; nothing to do.")
    elif args.apply:
        print(f"{args.tenant}: imported: {plan.summary()}. Workstations pull it at their next sync.")
    else:
        print(f"{args.tenant}: dry run, nothing written. It would {plan.summary()}. "
              "Run again with --apply to write it.")


def cmd_backup(settings: Settings, args: argparse.Namespace) -> None:
    target = Path(args.target)
    if target.exists():
        raise CliError(f"{target} exists; choose a new file name so no backup is overwritten.")
    if settings.is_sqlite:
        source = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".backup-")
        os.close(fd)
        os.chmod(temp, 0o600)
        with sqlite3.connect(temp) as copy:
            source.backup(copy)
        source.close()
        os.replace(temp, target)
    else:
        url = libpq_url(settings.maintenance_url)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".backup-")
        os.close(fd)
        os.chmod(temp, 0o600)
        try:
            with open(temp, "wb") as out:
                subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--dbname", url],
                               stdout=out, check=True)
            os.replace(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    print(f"Backup written to {target}.")


def cmd_restore_check(settings: Settings, args: argparse.Namespace) -> None:
    """Restore a backup into a scratch database and check counts and every tenant's audit chain."""
    backup = Path(args.backup)
    if not backup.exists():
        raise CliError(f"No backup at {backup}.")
    scratch_dir = Path(tempfile.mkdtemp(prefix="medspa-restore-"))
    try:
        if backup.suffix in (".db", ".sqlite", ".sqlite3") or settings.is_sqlite:
            scratch = scratch_dir / "restored.db"
            shutil.copyfile(backup, scratch)
            url = f"sqlite:///{scratch}"
            report, chains = _check_restored(url, keys=chain_keys(settings))
        else:
            report, chains = _restore_check_postgresql(settings, backup)
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    print(report)
    print(_record_drills(settings, backup=backup, chains=chains))
    if "FAILED" in report:
        raise CliError("The restored copy did not verify; keep the previous backups and investigate.")


def _restore_check_postgresql(settings: Settings, backup: Path) -> tuple[str, list[ChainCheck]]:
    """pg_restore into a scratch database next to the live one, check it, drop it."""
    import psycopg
    from psycopg import sql

    maintenance = sa.make_url(settings.maintenance_url)
    name = f"medspa_restore_{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}"
    with psycopg.connect(libpq_url(settings.maintenance_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scratch = maintenance.set(database=name)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname",
                        libpq_url(str(scratch.render_as_string(hide_password=False))), str(backup)], check=True)
        return _check_restored(scratch.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
                               keys=chain_keys(settings))
    finally:
        with psycopg.connect(libpq_url(settings.maintenance_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# One practice's audit chain in the restored copy: its id, its name, and the report's line about it.
ChainCheck = tuple[UUID, str, bool, str]


def _check_restored(url: str, *, keys: ChainKeys) -> tuple[str, list[ChainCheck]]:
    db = Database(url, pool_size=1)
    lines = [f"Restore check {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"]
    chains: list[ChainCheck] = []
    try:
        with db.transaction(write=False) as conn:
            for table in COUNTED_TABLES:
                count = conn.execute(sa.select(sa.func.count()).select_from(t.metadata.tables[table])).scalar()
                lines.append(f"  {table:20s} {count:>10d} rows")
            tenants = list(conn.execute(sa.select(t.tenants.c.id, t.tenants.c.name)))
        for tenant_id, name in tenants:
            with db.transaction(tenant_id, write=False) as conn:
                check = verify_chain(conn, tenant_id=tenant_id, keys=keys)
            status = "ok" if check.ok else f"FAILED at row {check.first_bad_seq}"
            lines.append(f"  audit chain of {name!r}: {check.rows} rows, {status}")
            chains.append((tenant_id, name, check.ok, lines[-1].strip()))
    finally:
        db.dispose()
    return "\n".join(lines), chains


def _record_drills(settings: Settings, *, backup: Path, chains: list[ChainCheck]) -> str:
    """Each practice of the live database gets the drill as a synced record its desks show (Compliance →
    Evidence, the binder): when, whether its copy verified, and its own line of the report only (the
    other practices' names and the server's row counts are not its business)."""
    db = _database(settings)
    recorded = 0
    destroyed_in_backup: list[str] = []
    try:
        with db.transaction(write=False) as conn:
            known = {row.id for row in conn.execute(sa.select(t.tenants.c.id))}
            destroyed = {row.practice_id: row.destroyed_at for row in conn.execute(
                sa.select(t.practice_destructions.c.practice_id, t.practice_destructions.c.destroyed_at)
                .where(t.practice_destructions.c.destroyed_at.is_not(None)))}
        at = datetime.now(UTC)
        for tenant_id, name, ok, line in chains:
            if tenant_id in destroyed:
                destroyed_in_backup.append(f"{name} (destroyed {as_utc(destroyed[tenant_id]):%Y-%m-%d})")
            if tenant_id not in known:
                continue
            drill = RestoreDrill(checked_at=at, ok=ok, report=(
                f"Restore check {at:%Y-%m-%d %H:%M} UTC of the backup {backup.name}: restored into a scratch "
                f"database, every table counted, and this practice's {line}."))
            audit = AuditBuffer(origin=Origin(address="", user_agent="medspa-api restore-check"))
            audit.record(actor_user_id=None, device_id=None, action=AuditAction.CREATE, entity=RestoreDrill.entity,
                         entity_id=drill.id, outcome="ok" if ok else "failed", detail=backup.name[:200])
            with db.transaction(tenant_id) as conn:
                log = ChangeLog(conn, tenant_id)
                log.save(drill, is_new=True)
                log.finish()
                flush(conn, tenant_id=tenant_id, buffer=audit)
            recorded += 1
    finally:
        db.dispose()
    said = f"Recorded the drill for {recorded} practice{'s' if recorded != 1 else ''}: their desks show it."
    if destroyed_in_backup:
        said += ("\nThis backup still holds practices destroyed at the end of their contract: "
                 f"{', '.join(destroyed_in_backup)}. Destroy the backup file once your backup retention allows, "
                 "and keep no copy of it past that.")
    return said


def cmd_purge_audit(settings: Settings, args: argparse.Namespace) -> None:
    """Delete audit rows older than ``--before``; anything younger than six years is refused."""
    before = datetime.fromisoformat(args.before).replace(tzinfo=UTC)
    if before > datetime.now(UTC) - RETENTION:
        raise CliError("Audit records are kept six years; choose a --before date at least six years ago.")
    db = Database(settings.owner_url, pool_size=1)
    tenant_id = _tenant(db, args.tenant)
    with db.transaction(tenant_id) as conn:
        gone = conn.execute(t.audit.delete().where(t.audit.c.tenant_id == tenant_id,
                                                   t.audit.c.recorded_at < before)).rowcount
    print(f"Purged {gone} audit rows recorded before {before:%Y-%m-%d}.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medspa-api", description="Medspa Desk central API")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init-db", help="create or upgrade the schema (as the owner role)")
    p.add_argument("--app-role", default="", help="PostgreSQL role the app connects as (gets grants)")
    p.set_defaults(run=cmd_init_db)
    p = sub.add_parser("create-tenant", help="add a practice")
    p.add_argument("name")
    p.set_defaults(run=cmd_create_tenant)
    p = sub.add_parser("create-location", help="add a clinic site to a practice")
    p.add_argument("--tenant", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--time-zone", required=True, help="IANA name, e.g. America/New_York")
    p.add_argument("--address", default="")
    p.set_defaults(run=cmd_create_location)
    p = sub.add_parser("create-user", help="add a user (password asked, TOTP enrolment QR printed once)")
    p.add_argument("--tenant", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", default="")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.set_defaults(run=cmd_create_user)
    p = sub.add_parser("serve", help="run the API over TLS")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--insecure-loopback", action="store_true", help="plain HTTP on 127.0.0.1 (development)")
    p.add_argument("--backlog", type=int, default=4096, help="pending connections the socket queues")
    p.set_defaults(run=cmd_serve)
    p = sub.add_parser("import-setup", help="locations, rooms, providers, shifts, services and products "
                                            "from a YAML or JSON file (dry run unless --apply)")
    p.add_argument("--tenant", required=True)
    p.add_argument("file")
    p.add_argument("--apply", action="store_true", help="write it (default: show what would change)")
    p.set_defaults(run=cmd_import_setup)
    p = sub.add_parser("backup", help="online backup to a new file")
    p.add_argument("target")
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore-check", help="restore into scratch and verify counts and audit chains")
    p.add_argument("backup")
    p.set_defaults(run=cmd_restore_check)
    p = sub.add_parser("purge-audit", help="remove audit rows past the six-year retention")
    p.add_argument("--tenant", required=True)
    p.add_argument("--before", required=True, help="YYYY-MM-DD, at least six years ago")
    p.set_defaults(run=cmd_purge_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environment()
        args.run(settings, args)
    except (CliError, SettingsError) as exc:
        print(f"medspa-api: {exc}", file=sys.stderr)
        return 2
    except (sa.exc.OperationalError, subprocess.CalledProcessError, OSError) as exc:
        print(f"medspa-api: {type(exc).__name__}: the database or a tool could not be reached; check "
              "MEDSPA_API_DATABASE_URL and that pg_dump/pg_restore are installed.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

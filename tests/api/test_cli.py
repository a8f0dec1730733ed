"""The ``medspa-api`` command as an operator runs it: a real process, real databases.

On PostgreSQL the test makes its own database with an owner role
(migrations), an app role, and a backup role with BYPASSRLS and CREATEDB
(pg_dump must read past the forced row-level security; restore-check makes
and drops a scratch database), and drops all of them afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from medspa_desk.records import RestoreDrill
from tests.support.live_api import SUPERUSER_URL, PostgresScratch

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "harbor lantern violet 3391"


@dataclass
class Operator:
    """Runs ``python -m medspa_api.cli`` with one deployment's environment."""

    env: dict[str, str]
    workdir: Path

    def run(self, *args: str, timeout: float = 120, module: str = "medspa_api.cli",
            **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                              timeout=timeout, cwd=REPO, env={**self.env, **extra_env})

    def ok(self, *args: str, module: str = "medspa_api.cli", **extra_env: str) -> str:
        done = self.run(*args, module=module, **extra_env)
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr
        return done.stdout


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def operator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    workdir = tmp_path_factory.mktemp(f"cli-{request.param}")
    env = {**os.environ, "MEDSPA_API_SECRET_KEY": secrets.token_urlsafe(48), "MEDSPA_API_ENV": "production"}
    if request.param == "sqlite":
        env["MEDSPA_API_DATABASE_URL"] = f"sqlite:///{workdir / 'central.db'}"
        yield Operator(env, workdir)
        return
    scratch = PostgresScratch.create()
    backup_role = f"medspa_backup_{secrets.token_hex(4)}"
    with psycopg.connect(SUPERUSER_URL, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {backup_role} LOGIN BYPASSRLS CREATEDB")
        conn.execute(f"GRANT pg_read_all_data TO {backup_role}")
    env.update(MEDSPA_API_DATABASE_URL=scratch.app_url, MEDSPA_API_MIGRATION_URL=scratch.owner_url,
               MEDSPA_API_BACKUP_URL=scratch.url_for(backup_role), MEDSPA_API_APP_ROLE=scratch.app)
    try:
        yield Operator(env, workdir)
    finally:
        scratch.drop()
        with psycopg.connect(SUPERUSER_URL, autocommit=True) as conn:
            for (name,) in conn.execute("SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                                        "WHERE r.rolname = %s", (backup_role,)).fetchall():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS {backup_role}")


def test_an_operator_sets_up_a_practice_and_backs_it_up_with_a_verified_restore(operator: Operator) -> None:
    init = operator.ok("init-db", "--app-role", operator.env.get("MEDSPA_API_APP_ROLE", ""))
    assert "up to date" in init
    assert "Created practice" in operator.ok("create-tenant", "Lakeside Skin")
    assert "Created location" in operator.ok("create-location", "--tenant", "Lakeside Skin", "--name", "Harbor Rd",
                                             "--time-zone", "America/Chicago")
    made = operator.ok("create-user", "--tenant", "Lakeside Skin", "--username", "rosa", "--role", "manager",
                       MEDSPA_API_NEW_PASSWORD=PASSWORD)
    assert re.search(r"otpauth://totp/[^\s]+secret=[A-Z2-7]+", made)
    # The demo practice comes from the demo's own package: the server carries no demo code.
    seeded = operator.ok("seed", "--tenant", "Demo Spa", "--clients", "40", "--months", "1",
                         module="medspa_demo", MEDSPA_API_DEMO_PASSWORD=PASSWORD)
    records = int(re.search(r"\): (\d+) records", seeded).group(1))
    assert records > 40
    again = operator.run("seed", "--tenant", "Demo Spa", "--clients", "40", module="medspa_demo",
                         MEDSPA_API_DEMO_PASSWORD=PASSWORD)
    assert again.returncode == 2 and "already exists; pick another --tenant name" in again.stderr
    assert "Traceback" not in again.stderr

    backup = operator.workdir / ("backup.db" if "sqlite" in operator.env["MEDSPA_API_DATABASE_URL"] else "backup.dump")
    assert "Backup written" in operator.ok("backup", str(backup))
    assert backup.stat().st_mode & 0o077 == 0, "a backup holds PHI: only its owner may read it"
    report = operator.ok("restore-check", str(backup))
    assert f"Restore check {datetime.now(UTC):%Y-%m-%d}" in report
    restored_records = int(re.search(r"records\s+(\d+) rows", report).group(1))
    assert restored_records >= records
    assert re.search(r"audit chain of 'Demo Spa': \d+ rows, ok", report)
    assert re.search(r"audit chain of 'Lakeside Skin': \d+ rows, ok", report)
    # The drill reaches each practice's desks as a synced record (Compliance → Evidence, the binder).
    # One drill per practice the backup holds (other tests of this file may have added practices).
    practices = re.search(r"tenants\s+(\d+) rows", report)
    assert practices is not None and int(practices.group(1)) >= 2
    assert f"Recorded the drill for {practices.group(1)} practices" in report
    drills = _restore_drills(operator)
    assert {"Demo Spa", "Lakeside Skin"} <= {name for name, _ in drills}
    assert len(drills) == int(practices.group(1))  # one per practice, each once
    assert all(drill.ok and "audit chain of" in drill.report for _, drill in drills)
    assert "Lakeside" not in next(d.report for name, d in drills if name == "Demo Spa")  # its own line only
    again = operator.run("backup", str(backup))
    assert again.returncode != 0 and "choose a new file name" in again.stderr


def _restore_drills(operator: Operator) -> list[tuple[str, RestoreDrill]]:
    """The restore drills in the live database, with their practice's name (read past row-level security)."""
    url = operator.env.get("MEDSPA_API_BACKUP_URL") or operator.env["MEDSPA_API_DATABASE_URL"]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT t.name, r.data FROM records r JOIN tenants t ON t.id = r.tenant_id "
                                        "WHERE r.entity = 'restore_drill'")).all()
    finally:
        engine.dispose()
    return [(name, RestoreDrill.model_validate_json(data)) for name, data in rows]


def test_a_weak_password_for_a_new_user_is_refused_with_the_reason(operator: Operator) -> None:
    operator.ok("init-db", "--app-role", operator.env.get("MEDSPA_API_APP_ROLE", ""))
    if "Created" not in operator.run("create-tenant", "Weak Pw Spa").stdout:
        pytest.fail("the practice could not be created")
    done = operator.run("create-user", "--tenant", "Weak Pw Spa", "--username", "sam", "--role", "front_desk",
                        MEDSPA_API_NEW_PASSWORD="short")
    assert done.returncode == 2
    assert "12" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("arguments", [["--insecure-loopback", "--host", "0.0.0.0"], ["--host", "0.0.0.0"]],
                         ids=["plain-http-off-loopback", "no-certificate"])
def test_serve_refuses_plain_http_anywhere_but_loopback(tmp_path: Path, arguments: list[str]) -> None:
    env = {**os.environ, "MEDSPA_API_SECRET_KEY": secrets.token_urlsafe(48),
           "MEDSPA_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    done = subprocess.run([sys.executable, "-m", "medspa_api.cli", "serve", *arguments, "--port", "0"],
                          capture_output=True, text=True, timeout=60, cwd=REPO, env=env)
    assert done.returncode == 2
    assert "TLS" in done.stderr or "127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_secret_key_is_refused_outside_development(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSPA_API_")}
    env["MEDSPA_API_DATABASE_URL"] = f"sqlite:///{tmp_path / 'nokey.db'}"
    done = subprocess.run([sys.executable, "-m", "medspa_api.cli", "init-db"], capture_output=True, text=True,
                          timeout=60, cwd=REPO, env=env)
    assert done.returncode == 2
    assert "MEDSPA_API_SECRET_KEY" in done.stderr

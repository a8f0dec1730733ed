"""Two server processes behind HAProxy, PgBouncer (transaction mode) between them and PostgreSQL.

Two real workstations sync through the balancer. Each server process is in
turn killed with SIGKILL while the desks hold their change streams and
connections through it, then started again: the desks reconnect through the
balancer to the process still up, every client written on one desk reaches the
other, and the server holds each exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.store import Store
from tests.support.live_api import LiveApi
from tests.support.server_process import haproxy, pgbouncer, start_server_process
from tests.support.sync_desks import new_client, open_desk, wait_until

pytestmark = pytest.mark.postgres


def _clients_named(store: Store, last_name: str) -> list[str]:
    rows = store.connection.execute("SELECT data FROM clients").fetchall()
    return sorted(json.loads(data)["first_name"] for (data,) in rows if json.loads(data)["last_name"] == last_name)


def _clients_on_server(live: LiveApi) -> int:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.records).where(
            t.records.c.tenant_id == live.tenant.id, t.records.c.entity == "client")).scalar_one()


def test_desks_behind_the_balancer_lose_nothing_when_each_server_process_is_killed(
        tmp_path: Path, secret_service: None) -> None:
    with LiveApi.start(tmp_path / "api", backend="postgresql") as live, pgbouncer(live) as pooled:
        env = {"MEDSPA_API_DATABASE_POOLER": "transaction", "MEDSPA_API_NOTIFY_DATABASE_URL": live.database_url}
        servers = [start_server_process(live, database_url=pooled, env=env) for _ in range(2)]
        try:
            with haproxy(live, servers) as balancer:
                writer = open_desk(live, tmp_path / "a", who="front_desk", server_url=balancer.url, name="desk A")
                reader = open_desk(live, tmp_path / "b", who="manager", server_url=balancer.url, name="desk B")
                try:
                    before = _clients_on_server(live)
                    written = 0
                    for round_name in ("Before", "FirstKilled", "SecondKilled"):
                        if round_name != "Before":
                            index = 0 if round_name == "FirstKilled" else 1
                            servers[index].kill()
                        names = [f"{round_name}{i}" for i in range(3)]
                        writer.write(lambda store, names=names, last=round_name: [
                            store.create_client(new_client(n, last), actor=writer.actor) for n in names])
                        written += len(names)
                        wait_until(lambda last=round_name, names=names:
                                   reader.read(lambda store: _clients_named(store, last)) == sorted(names),
                                   timeout_s=90, what=f"desk B to have the {round_name} clients")
                        if round_name == "FirstKilled":
                            # Back on its port, so the second kill leaves the balancer one process.
                            servers[0] = start_server_process(live, database_url=pooled, env=env,
                                                              port=servers[0].port)
                            wait_until(lambda: balancer.is_up(0), timeout_s=30,
                                       what="the balancer to send to the restarted process")
                    assert writer.read(lambda store: store.outbox_count()) == 0
                    assert _clients_on_server(live) == before + written
                finally:
                    writer.close()
                    reader.close()
        finally:
            for server in servers:
                server.stop()


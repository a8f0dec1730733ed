"""Offline, saves wait in the outbox for the engine's next try on the backoff; the network back pushes at once.

The desk reaches the API only through the fault proxy, which counts every TCP
connection the desk opens (each refused while the line is down).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from medspa_desk.sync.backoff import Backoff
from tests.resilience.conftest import live, proxy
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk, wait_until

SAVES = 20
ENGINE_RETRY_AT_LEAST_S = 60.0  # the engine's first retry after a failure, at the earliest
__all__ = ["live", "proxy"]  # fixtures: the live API and the fault proxy in front of it


def _offline_desk(live: LiveApi, proxy: FaultProxy, directory: Path) -> Desk:
    # The engine's own retry waits 60-120 s: within this test only the watcher's probe can bring it back
    # (the watcher's own reconnect waits at most 30 s, ENGINE_RETRY_AT_LEAST_S below any wait here).
    desk = open_desk(live, directory, who="front_desk", server_url=proxy.url, interval_s=240.0,
                     backoff=Backoff(first_s=ENGINE_RETRY_AT_LEAST_S * 2, longest_s=ENGINE_RETRY_AT_LEAST_S * 2,
                                     rng=random.Random(7)))
    wait_until(lambda: desk.engine.status.last_success_at is not None, timeout_s=20, what="the first sync")
    proxy.go_offline()
    return desk


def test_saves_while_offline_wait_for_the_backoff_instead_of_each_opening_a_connection(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    desk = _offline_desk(live, proxy, tmp_path / "desk")
    try:
        before = proxy.connections
        for i in range(SAVES):
            desk.write(lambda store, i=i: store.create_client(new_client(f"Offline{i}", "Save"), actor=desk.actor))
            time.sleep(0.1)
        attempts = proxy.connections - before
        assert desk.read(lambda store: store.outbox_count()) == SAVES  # every save kept, none lost
        assert desk.engine.waiting_to_retry
        # One try by the engine (the first save), and the watcher's few probes on its own backoff:
        # never one connection per save.
        assert attempts <= 5, f"{attempts} connections for {SAVES} saves while offline"
    finally:
        proxy.go_online()
        desk.close()


def test_when_the_line_comes_back_the_probe_pushes_the_queued_saves_at_once(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    desk = _offline_desk(live, proxy, tmp_path / "desk")
    try:
        for i in range(3):
            desk.write(lambda store, i=i: store.create_client(new_client(f"Queued{i}", "Save"), actor=desk.actor))
        wait_until(lambda: desk.engine.waiting_to_retry, timeout_s=10, what="the engine's failed try")
        proxy.go_online()
        # The engine's own retry is 60 s or more away; the watcher's probe (its stream opening, after its
        # own reconnect wait of at most 30 s) ends the wait: the queued saves reach the server before the
        # engine's retry could have sent them.
        wait_until(lambda: desk.read(lambda store: store.outbox_count()) == 0,
                   timeout_s=ENGINE_RETRY_AT_LEAST_S - 10, what="the queued saves to be pushed once the server answers again")
        # The outbox empties mid-cycle (the push settles before the pull); the backoff ends and the
        # status says online when that cycle ends (a failed try still in flight when the line came
        # back may set the backoff again; the cycle the probe woke clears it). On a loaded machine that
        # end can come late: it is awaited on its own, and what was last seen is said if it never comes.
        seen: dict[str, object] = {}

        def settled() -> bool:
            seen.update(outbox=desk.read(lambda store: store.outbox_count()),
                        waiting_to_retry=desk.engine.waiting_to_retry, online=desk.engine.status.online,
                        cycles_ended=desk.engine.cycles_ended)
            return seen["outbox"] == 0 and not seen["waiting_to_retry"] and bool(seen["online"])

        try:
            wait_until(settled, timeout_s=30, what="the backoff over and the desk online")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; last seen {seen}") from None
    finally:
        desk.close()


def test_the_os_saying_the_network_is_back_pushes_at_once(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", server_url=proxy.url, interval_s=120.0,
                     long_poll=False, backoff=Backoff(first_s=60.0, longest_s=60.0, rng=random.Random(7)))
    try:
        wait_until(lambda: desk.engine.status.last_success_at is not None, timeout_s=20, what="the first sync")
        proxy.go_offline()
        desk.write(lambda store: store.create_client(new_client("Queued", "Save"), actor=desk.actor))
        wait_until(lambda: desk.engine.waiting_to_retry, timeout_s=10, what="the engine's failed try")
        proxy.go_online()
        desk.engine.network_did_return()
        wait_until(lambda: desk.read(lambda store: store.outbox_count()) == 0, timeout_s=10,
                   what="the queued save to be pushed")
    finally:
        desk.close()

"""A leaver's changes still queued on this workstation are counted for the manager; others may not ask."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.desk import clients
from medspa_desk.desk.staff import queued_here, queued_notice
from medspa_desk.records import AuditAction, Client, Role, new_id
from medspa_desk.rules import NotPermitted
from medspa_desk.store import Actor, Store


def test_the_manager_is_told_how_many_of_a_leavers_changes_wait_here(tmp_path: Path) -> None:
    leaver = Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)
    colleague = Actor(user_id=new_id(), device_id=leaver.device_id, role=Role.FRONT_DESK)
    manager = Actor(user_id=new_id(), device_id=leaver.device_id, role=Role.MANAGER)
    with Store.open(tmp_path / "desk.db", bytearray(os.urandom(32)), create=True) as store:
        for first in ("Ana", "Bea"):
            clients.add_client(store, actor=leaver, client=Client(first_name=first, last_name="Ruiz",
                                                                  birth_date=date(1990, 1, 2)))
        clients.add_client(store, actor=colleague, client=Client(first_name="Cy", last_name="Oda",
                                                                 birth_date=date(1985, 3, 4)))
        assert queued_here(store, actor=manager, user_id=leaver.user_id) == 2
        assert queued_here(store, actor=manager, user_id=new_id()) == 0
        with pytest.raises(NotPermitted):
            queued_here(store, actor=colleague, user_id=leaver.user_id)
        assert any(e.action is AuditAction.ACCESS_DENIED and e.actor_user_id == colleague.user_id
                   for e in store.audit.events(limit=1000))
    assert queued_notice(0, name="Ana") == ""
    assert "Ana made changes that never reached the server: this workstation holds 2 changes." in queued_notice(
        2, name="Ana")

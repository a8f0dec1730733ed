"""Changing a client's details: only the changed fields travel, each problem is named at its field, and the
profile can say who changed which fields and when (from the audit, never the values)."""

from __future__ import annotations

from medspa_desk.desk import clients
from medspa_desk.records import AuditAction, Role, User
from medspa_desk.store import InvalidChange
from medspa_desk.store.clients import CLIENT_UPDATES_SQL
from tests.support.desk_walk import Scene


def staff_named(scene: Scene, role: Role, name: str) -> None:
    actor = scene.staff[role]
    scene.store.put_reference(User(id=actor.user_id, username=name.split()[0].lower(), display_name=name,
                                   role=role), actor=scene.staff[Role.MANAGER])


def test_a_change_sends_only_the_changed_fields_and_the_history_names_them_and_who(scene: Scene) -> None:
    staff_named(scene, Role.FRONT_DESK, "Amy Chen")
    desk = scene.staff[Role.FRONT_DESK]
    client = scene.client()

    clients.change_client(scene.store, actor=desk, client_id=client.id,
                          changes={"allergies": "latex", "emergency_contact": "Luis 555-010-2000",
                                   "first_name": client.first_name})

    update = [m for m in scene.store.outbox_batch(1000) if m.entity_id == client.id][-1]
    assert update.kind.value == "client.update"
    assert sorted(update.payload["changes"]) == ["allergies", "emergency_contact"]
    history = clients.client_change_history(scene.store, client_id=client.id)
    assert [(note.by, note.fields) for note in history] == [("Amy Chen", ("Allergies", "Emergency contact"))]
    events = [e for e in scene.store.audit.events(limit=10_000) if e.entity_id == client.id
              and e.action is AuditAction.UPDATE]
    assert "latex" not in events[-1].detail and "Luis" not in events[-1].detail


def test_the_history_lists_the_latest_change_first(scene: Scene) -> None:
    staff_named(scene, Role.FRONT_DESK, "Amy Chen")
    staff_named(scene, Role.MANAGER, "Lee Park")
    client = scene.client()
    clients.change_client(scene.store, actor=scene.staff[Role.FRONT_DESK], client_id=client.id,
                          changes={"phone": "555-010-3000"})
    clients.change_client(scene.store, actor=scene.staff[Role.MANAGER], client_id=client.id,
                          changes={"alerts": "Fainted after filler", "notes": "Prefers mornings"})

    history = clients.client_change_history(scene.store, client_id=client.id)

    assert [(n.by, n.fields) for n in history] == [("Lee Park", ("Alerts", "Desk notes")),
                                                   ("Amy Chen", ("Phone",))]


def test_each_problem_is_named_at_its_field_without_repeating_what_was_typed(scene: Scene) -> None:
    client = scene.client()

    problems = clients.client_field_problems(client, {"email": "maria-at-home", "first_name": "",
                                                      "phone": "12", "notes": "x" * 5000})

    assert set(problems) == {"email", "first_name", "phone", "notes"}
    assert problems["first_name"] == "First name cannot be empty."
    assert problems["email"].startswith("Email: email address looks wrong")
    assert problems["notes"] == "Desk notes is too long: keep it under 4000 characters."
    assert all("maria-at-home" not in message for message in problems.values())
    assert clients.client_field_problems(client, {"email": "maria@example.com"}) == {}


def test_a_refused_change_saves_nothing(scene: Scene) -> None:
    client = scene.client()
    before = scene.store.outbox_count()

    try:
        clients.change_client(scene.store, actor=scene.staff[Role.FRONT_DESK], client_id=client.id,
                              changes={"email": "not an address"})
    except InvalidChange as refused:
        assert "email" in str(refused)
    else:
        raise AssertionError("a bad email was saved")

    assert scene.store.outbox_count() == before
    assert clients.client_change_history(scene.store, client_id=client.id) == ()


def test_the_change_history_is_read_through_the_audit_index_not_a_scan_of_the_trail(scene: Scene) -> None:
    """Every opening of a record is audited: a scan of the whole trail would grow with every view."""
    client = scene.client()

    plan = scene.store.connection.execute("EXPLAIN QUERY PLAN " + CLIENT_UPDATES_SQL,
                                          ("client", str(client.id), "update", 20)).fetchall()

    assert any("USING INDEX audit_by_record" in str(row[-1]) for row in plan), plan

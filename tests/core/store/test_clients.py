from __future__ import annotations

import json
from datetime import date

import pytest

from medspa_desk.records import AuditAction, Client, new_id
from medspa_desk.store import Actor, InvalidChange, Store


def test_a_new_client_is_found_by_name_prefix_and_phone_digits(practice) -> None:
    maria = practice.client("Maria", "Lopez", phone="(555) 201-7788")
    practice.client("Mark", "Bell", phone="617 444 0000")
    practice.client("Ana", "Maddox", phone="212 333 4444")

    hits = practice.store.search_clients("ma 555")

    assert [h.display_name for h in hits] == ["Maria Lopez"]
    assert hits[0].id == maria.id and hits[0].phone == "(555) 201-7788"
    assert practice.store.search_clients("7788")[0].id == maria.id
    assert practice.store.search_clients("(555) 201-77")[0].id == maria.id


def test_search_finds_birth_date_typed_the_us_or_iso_way(practice) -> None:
    lee = practice.client("Jo", "Lee", birth_date=date(1979, 11, 2))
    practice.client("Jo", "Park", birth_date=date(1990, 1, 5))

    assert [h.id for h in practice.store.search_clients("jo 11/2/1979")] == [lee.id]
    assert [h.id for h in practice.store.search_clients("1979-11-02")] == [lee.id]
    assert [h.id for h in practice.store.search_clients("1102")] == [lee.id]


def test_search_ranks_a_last_name_match_above_an_email_match(practice) -> None:
    by_email = practice.client("Ann", "Ward", email="kim.lovers@example.com")
    by_name = practice.client("Ann", "Kim")

    assert [h.id for h in practice.store.search_clients("kim")] == [by_name.id, by_email.id]


def test_search_ignores_fts_syntax_typed_by_a_person(practice) -> None:
    maria = practice.client("Maria", "Lopez")

    assert [h.id for h in practice.store.search_clients('ma"* (lo')] == [maria.id]
    assert practice.store.search_clients('ma" OR * NEAR(') == []
    assert practice.store.search_clients("  ") == []
    assert practice.store.search_clients("***") == []


def test_search_matches_names_without_their_accents(practice) -> None:
    zoe = practice.client("Zoë", "Núñez", preferred_name="Zo")

    hits = practice.store.search_clients("nunez")

    assert [h.id for h in hits] == [zoe.id]
    assert hits[0].display_name == "Zoë (Zo) Núñez"


def test_opening_a_client_requires_an_actor_and_writes_a_view_event(practice, actor: Actor) -> None:
    maria = practice.client()

    assert practice.store.client(maria.id, actor=actor) == maria
    last = practice.store.audit.events()[-1]
    assert (last.action, last.entity_id, last.actor_user_id) == (AuditAction.VIEW, maria.id, actor.user_id)
    with pytest.raises(TypeError):
        practice.store.client(maria.id, actor=None)


def test_an_update_is_validated_and_a_failed_one_changes_nothing(practice, actor: Actor) -> None:
    maria = practice.client(phone="555 201 7788")
    outbox_before = practice.store.outbox_count()

    with pytest.raises(InvalidChange) as refused:
        practice.store.update_client(maria.id, {"email": "not-an-email", "phone": "555 000 1111"},
                                     actor=actor)

    assert "email" in str(refused.value) and "not-an-email" not in str(refused.value)
    assert practice.store.client(maria.id, actor=actor) == maria
    assert practice.store.outbox_count() == outbox_before


def test_an_update_changes_search_and_queues_only_the_changed_fields(practice, actor: Actor) -> None:
    maria = practice.client(phone="555 201 7788")

    changes = practice.store.update_client(maria.id, {"last_name": "Garcia", "phone": "555 201 7788"},
                                           actor=actor)

    assert changes.clients == {maria.id}
    assert practice.store.search_clients("lopez") == []
    assert practice.store.search_clients("garc")[0].id == maria.id
    mutation = practice.store.outbox_batch(100)[-1]
    assert mutation.kind == "client.update"
    assert mutation.payload == {"changes": {"last_name": "Garcia"}, "base": {"last_name": "Lopez"}}
    assert mutation.base_version == 1
    assert practice.store.client(maria.id, actor=actor).version == 2


def test_unknown_or_identity_fields_cannot_be_updated(practice, actor: Actor) -> None:
    maria = practice.client()

    with pytest.raises(InvalidChange, match="id"):
        practice.store.update_client(maria.id, {"id": "x"}, actor=actor)


def test_a_deleted_client_leaves_the_search(practice, actor: Actor) -> None:
    maria = practice.client()

    practice.store.update_client(maria.id, {"deleted": True}, actor=actor)

    assert practice.store.search_clients("maria") == []


def test_a_closed_store_refuses_reads(store: Store) -> None:
    store.close()

    from medspa_desk.store import StoreClosed
    with pytest.raises(StoreClosed):
        store.search_clients("ma")


def test_client_labels_name_clients_for_the_schedule_without_an_audit_event(practice) -> None:
    plain = practice.client("Maria", "Lopez")
    called = practice.client("Katherine", "öster", preferred_name="Kate", alerts="Latex allergy")
    before = practice.store.audit.count()

    labels = practice.store.client_labels([plain.id, called.id, plain.id, new_id()])

    assert practice.store.audit.count() == before
    assert set(labels) == {plain.id, called.id}
    assert (labels[plain.id].shown_name, labels[plain.id].initials, labels[plain.id].has_alerts) == (
        "Maria Lopez", plain.initials, False)
    assert (labels[called.id].shown_name, labels[called.id].initials, labels[called.id].has_alerts) == (
        "Kate öster", called.initials, True)


def test_a_first_bulk_load_indexes_each_client_once_as_last_loaded(store: Store) -> None:
    first = Client(first_name="Imogen", last_name="Quast", birth_date=date(1980, 1, 1))
    renamed = first.model_copy(update={"last_name": "Quirke", "version": 2})
    gone = Client(first_name="Imogen", last_name="Vale", birth_date=date(1981, 1, 1), deleted=True)

    store.import_records([first, gone, renamed])

    assert [h.id for h in store.search_clients("imogen")] == [first.id]
    assert store.search_clients("quast") == [] and store.search_clients("vale") == []
    assert store.connection.execute("SELECT count(*) FROM client_search").fetchone()[0] == 1


@pytest.mark.parametrize(("field", "typed"), [("notes", "scanned \x00 code"), ("phone", "555-201-7788\x00"),
                                              ("first_name", "Ma\x1bria"), ("allergies", "latex\x07")])
def test_a_hidden_control_character_is_refused_at_the_field_and_nothing_is_queued(
        practice, field: str, typed: str) -> None:
    maria = practice.client("Maria", "Lopez")
    queued = practice.store.outbox_count()

    with pytest.raises(InvalidChange) as refused:
        practice.store.update_client(maria.id, {field: typed}, actor=practice.actor)

    said = str(refused.value)
    assert field.replace("_", " ") in said and "hidden control character" in said
    assert "\x00" not in said and typed not in said, "the message never quotes what was typed"
    assert practice.store.outbox_count() == queued


def test_tabs_and_line_breaks_stay_allowed_in_notes_and_the_typed_text_backslash_u0000_is_kept(practice) -> None:
    maria = practice.client("Maria", "Lopez")
    note = "Prefers mornings.\r\n\tCall first. Barcode text: \\u0000"

    practice.store.update_client(maria.id, {"notes": note}, actor=practice.actor)

    assert practice.store.client(maria.id, actor=practice.actor).notes == note


def test_a_client_an_older_desk_saved_with_a_nul_still_opens_without_it(practice) -> None:
    maria = practice.client("Maria", "Lopez")
    saved_by_older_desk = {**maria.to_json(), "notes": "Scanned 4417\x00 8890"}
    conn = practice.store.connection
    conn.execute("UPDATE clients SET data = ? WHERE id = ?", (json.dumps(saved_by_older_desk), str(maria.id)))

    assert practice.store.client(maria.id, actor=practice.actor).notes == "Scanned 4417 8890"

"""A "new" client who is already on file is shown first: same name and birth date, or phone, or email."""

from __future__ import annotations

from datetime import date

import pytest

from medspa_desk.desk import clients, visits
from medspa_desk.desk.clients import PossibleDuplicate
from medspa_desk.records import Client, Role
from medspa_desk.store import NotFound
from tests.support.desk_walk import Scene


def on_file(scene: Scene) -> Client:
    maria = Client(first_name="Maria", last_name="Lopez", birth_date=date(1985, 3, 14), phone="(555) 010-2000",
                   email="Maria.Lopez@example.com")
    clients.add_client(scene.store, actor=scene.staff[Role.FRONT_DESK], client=maria)
    return maria


@pytest.mark.parametrize(("newcomer", "why"), [
    (Client(first_name="maria", last_name="LOPEZ", birth_date=date(1985, 3, 14)), ("name and date of birth",)),
    (Client(first_name="Mary", last_name="Lopes", birth_date=date(1986, 1, 1), phone="+1 555 010 2000"),
     ("phone",)),
    (Client(first_name="M", last_name="L", birth_date=date(1990, 1, 1), email="maria.lopez@EXAMPLE.com"),
     ("email",)),
], ids=["name-and-birth-date", "phone", "email"])
def test_a_new_client_like_one_on_file_is_shown_first_and_not_saved(
        scene: Scene, newcomer: Client, why: tuple[str, ...]) -> None:
    maria = on_file(scene)
    desk = scene.staff[Role.FRONT_DESK]

    with pytest.raises(PossibleDuplicate) as asked:
        clients.add_client(scene.store, actor=desk, client=newcomer)

    (match,) = asked.value.matches
    assert match.client.id == maria.id and match.why == why
    assert "Maria" not in str(asked.value) and "555" not in str(asked.value)  # the message holds no values
    with pytest.raises(NotFound):
        scene.store.client(newcomer.id, actor=desk)


def test_a_different_person_with_nothing_in_common_is_added_without_a_question(scene: Scene) -> None:
    on_file(scene)
    other = Client(first_name="Maria", last_name="Lopez", birth_date=date(1992, 7, 1), phone="555-777-1234")

    clients.add_client(scene.store, actor=scene.staff[Role.FRONT_DESK], client=other)

    assert scene.store.client(other.id, actor=scene.staff[Role.FRONT_DESK]).birth_date == date(1992, 7, 1)


def test_a_booking_with_a_new_client_on_file_asks_first_and_books_once_told_they_differ(scene: Scene) -> None:
    maria = on_file(scene)
    desk = scene.staff[Role.FRONT_DESK]
    twin = Client(first_name="Maria", last_name="Lopez", birth_date=maria.birth_date)
    visit = scene.next_visit(twin)

    with pytest.raises(PossibleDuplicate):
        visits.book_visit(scene.store, actor=desk, visit=visit, new_client=twin, confirmed=True)
    with pytest.raises(NotFound):
        scene.store.appointment(visit.id)

    visits.book_visit(scene.store, actor=desk, visit=visit, new_client=twin, confirmed=True, not_a_duplicate=True)
    assert scene.store.appointment(visit.id).client_id == twin.id

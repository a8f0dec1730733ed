"""Client import (issue 17 item 5): each peer's export, every kind of bad row, all or nothing, audited."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.client_import import ImportFileProblem, parse_date
from medspa_desk.desk import clients
from medspa_desk.desk.client_import import ImportRefused, import_clients, preview_client_import
from medspa_desk.records import AuditAction, Client, Role
from medspa_desk.rules import NotPermitted
from tests.support.desk_walk import Scene

LISTS = Path(__file__).parent / "client_lists"


def _stored_clients(scene: Scene) -> dict[str, Client]:
    rows = scene.store.connection.execute("SELECT data FROM clients WHERE deleted = 0").fetchall()
    return {(c := Client.model_validate_json(r[0])).full_name: c for (r) in rows}


def _outbox(scene: Scene) -> int:
    return scene.store.outbox_count()


@pytest.mark.parametrize(("file", "source", "count"), [
    ("boulevard.csv", "Boulevard", 3), ("mangomint.csv", "Mangomint", 3), ("vagaro.csv", "Vagaro", 3),
    ("jane.csv", "Jane", 2), ("template.csv", "Medspa Desk template", 2)])
def test_each_peers_export_is_recognised_and_imported_whole(scene: Scene, file: str, source: str,
                                                            count: int) -> None:
    manager = scene.staff[Role.MANAGER]
    queued_before = _outbox(scene)
    preview = preview_client_import(scene.store, actor=manager, path=LISTS / file, today=date.today())

    assert preview.source == source
    assert (len(preview.good), preview.refused, preview.duplicates) == (count, (), ())
    outcome = import_clients(scene.store, actor=manager, preview=preview)

    assert outcome.imported == count
    stored = _stored_clients(scene)
    assert len(stored) == count
    assert _outbox(scene) - queued_before == count  # each one travels to the server
    created = [e for e in scene.store.audit.events(limit=10_000)
               if e.action is AuditAction.CREATE and e.entity == Client.entity]
    assert {e.entity_id for e in created} == {c.id for c in stored.values()}
    assert all(e.actor_user_id == manager.user_id for e in created)
    assert scene.store.audit.verify().ok


def test_the_columns_land_in_the_desks_fields(scene: Scene) -> None:
    manager = scene.staff[Role.MANAGER]
    for file in ("boulevard.csv", "vagaro.csv", "jane.csv", "mangomint.csv"):
        import_clients(scene.store, actor=manager,
                       preview=preview_client_import(scene.store, actor=manager, path=LISTS / file,
                                                     today=date.today()))
    stored = _stored_clients(scene)

    hattie = stored["Harriet Okafor"]
    assert (hattie.preferred_name, hattie.birth_date, hattie.phone) == ("Hattie", date(1986, 4, 17),
                                                                        "(512) 555-0142")
    assert hattie.address == "418 Juniper Ln, Apt 2, Austin, TX, 78704"
    assert hattie.emergency_contact == "Samuel Okafor, (512) 555-0199"
    assert stored["Rosa Delgado"].birth_date == date(1985, 3, 4)  # "3/4/85", month first
    assert stored["Femi Adeyemi"].phone == "(305) 555-0124"  # the day phone when no mobile
    assert stored["Beatrix Kowalczyk"].allergies == "Lidocaine"
    assert stored["Oluwaseun Bakare"].alerts == "Pregnant, due in May"
    assert stored["Darius Ebadi"].alerts == "Fainted after filler 2023"


def test_every_kind_of_bad_row_is_named_and_nothing_is_saved_until_the_manager_leaves_them_out(
        scene: Scene, tmp_path: Path) -> None:
    manager = scene.staff[Role.MANAGER]
    on_file = Client(first_name="Other", last_name="Person", birth_date=date(1970, 5, 5), phone="555-010-1010")
    clients.add_client(scene.store, actor=scene.staff[Role.FRONT_DESK], client=on_file)
    before = (_outbox(scene), len(_stored_clients(scene)))

    preview = preview_client_import(scene.store, actor=manager, path=LISTS / "every_bad_row.csv",
                                    today=date.today())

    problems = {row.line: row.problems for row in preview.refused}
    assert problems[2] == ("First name is empty",)
    assert problems[3] == ("Last name is empty",)
    assert problems[4] == ("Date of birth is empty",)
    assert "not a date the desk can read" in problems[5][0]
    assert problems[6] == ("Date of birth: birth date must be between 1900 and today",)
    assert problems[7][0].startswith("Email: email address looks wrong")
    assert problems[8] == ("Phone: phone number should have 7 to 15 digits",)
    assert "This row has 7 cells but the file has 5 columns" in problems[9][0]
    assert problems[10][0].startswith("Last name: ") and "hidden" in problems[10][0].lower()
    duplicates = {row.line: row.duplicate_of for row in preview.duplicates}
    assert duplicates == {11: "a client on file (same phone)", 13: "row 12 (same name and date of birth)",
                          14: "row 12 (same phone)"}
    assert [row.line for row in preview.good] == [12]
    for row in preview.refused:  # a message never repeats what was typed
        assert not any(word in " ".join(row.problems) for word in ("nofirst", "not-an-email", "Charac"))

    with pytest.raises(ImportRefused, match="Nothing was imported: 9 rows cannot be imported"):
        import_clients(scene.store, actor=manager, preview=preview)
    with pytest.raises(ImportRefused, match="3 rows look like someone already on file"):
        import_clients(scene.store, actor=manager, preview=preview, leave_out_refused=True)
    assert (_outbox(scene), len(_stored_clients(scene))) == before
    refusals = [e for e in scene.store.audit.events(limit=10_000) if e.outcome == "refused"]
    assert [e.detail for e in refusals] == ["import_clients:rows_left", "import_clients:rows_left"]

    outcome = import_clients(scene.store, actor=manager, preview=preview, leave_out_refused=True,
                             leave_out_duplicates=True)
    assert (outcome.imported, outcome.left_out_refused, outcome.left_out_duplicates) == (1, 9, 3)
    assert set(_stored_clients(scene)) == {"Other Person", "Same Person"}


def test_a_file_that_is_not_a_client_list_is_refused_plainly_and_the_refusal_audited(
        scene: Scene, tmp_path: Path) -> None:
    manager = scene.staff[Role.MANAGER]
    cases = {
        "empty.csv": (b"", "The file is empty"),
        "photo.csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "This is not a CSV text file"),
        "no_birth.csv": (b"First Name,Last Name,Email\nAda,Byron,ada@example.com\n", "date of birth"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ImportFileProblem, match=message):
            preview_client_import(scene.store, actor=manager, path=tmp_path / name, today=date.today())
    with pytest.raises(ImportFileProblem, match="could not be read"):
        preview_client_import(scene.store, actor=manager, path=tmp_path / "gone.csv", today=date.today())
    refused = [e.detail for e in scene.store.audit.events(limit=100) if e.outcome == "refused"]
    assert refused == ["import_clients:unreadable_file"] * 4


def test_the_front_desk_may_not_import_a_client_list(scene: Scene, tmp_path: Path) -> None:
    shutil.copy(LISTS / "template.csv", tmp_path / "list.csv")
    with pytest.raises(NotPermitted, match="Only a manager or an admin can import a client list"):
        preview_client_import(scene.store, actor=scene.staff[Role.FRONT_DESK], path=tmp_path / "list.csv",
                              today=date.today())


def test_a_manager_may_correct_the_column_choices_on_the_preview(scene: Scene) -> None:
    manager = scene.staff[Role.MANAGER]
    first = preview_client_import(scene.store, actor=manager, path=LISTS / "vagaro.csv", today=date.today())
    corrected = tuple(None if h == "Customer Notes" else f for h, f in zip(first.headers, first.mapping,
                                                                           strict=True))
    preview = preview_client_import(scene.store, actor=manager, path=LISTS / "vagaro.csv", today=date.today(),
                                    mapping=corrected)
    import_clients(scene.store, actor=manager, preview=preview)
    assert _stored_clients(scene)["Femi Adeyemi"].notes == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("1985-03-04", date(1985, 3, 4)), ("3/4/1985", date(1985, 3, 4)), ("03-04-1985", date(1985, 3, 4)),
    ("3/4/85", date(1985, 3, 4)), ("1/2/05", date(2005, 1, 2)), ("Mar 4, 1985", date(1985, 3, 4)),
    ("1985-3-4", date(1985, 3, 4)), ("1985-03-04T00:00:00", date(1985, 3, 4))])
def test_dates_of_birth_as_exports_write_them(text: str, expected: date) -> None:
    assert parse_date(text, today=date(2026, 12, 7)) == expected

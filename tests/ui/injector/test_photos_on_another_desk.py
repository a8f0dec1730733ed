"""A photo a provider adds on one workstation shows in the charting screen open on another (issue 16 item 14).

Desk B is the app's own path (signed in through ``DeskBackend``, the store on the database worker, the
charting screen reading through it); desk A is a second workstation in the same practice, with its own
store worker, where the provider books and charts, then adds the photo through the use case the charting
screen calls (``import_photo``). Nothing nudges sync on either desk, and B's screen is not reopened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medspa_desk.desk import charts, visits
from medspa_desk.desk.photos import import_photo
from medspa_desk.records import PhotoKind, Role, TreatmentRecord
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions
from medspa_desk.signing_in import sign_in as session_sign_in
from medspa_desk.store.photos import photos_for
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker
from tests.support.sync_desks import booking, new_client, next_opening
from tests.ui.conftest import release_worker
from tests.ui.online import sign_in_as_the_app_does, wait_for
from ui.injector.charting import ChartingDialog
from ui.operations import db_worker


@pytest.fixture
def desks(live_api: LiveApi, tmp_path: Path, qapp: Any) -> Iterator[tuple[DeskSession, DeskSession]]:
    """Desk A (the seeded provider, its own worker) and desk B (a second provider, the app's own path)."""
    provider, colleague = live_api.users["provider"], live_api.add_user(Role.PROVIDER)
    a = session_sign_in(tmp_path / "a", username=provider.username, password=provider.password,
                        totp=live_api.totp("provider"), worker=store_worker(),
                        options=SignInOptions(server_url=live_api.base_url, tenant=live_api.tenant.name,
                                              ca_path=live_api.ca_path))
    b = sign_in_as_the_app_does(live_api, tmp_path / "b", who=colleague.username)
    try:
        assert a.sync is not None
        wait_for(lambda: any(s.id == live_api.tenant.service.id for s in a.sync.with_store(lambda s: s.services())),
                 what="desk A's first sync")
        wait_for(lambda: db_worker().run_sync(lambda _store: b.reload_location()) is not None,
                 what="desk B's first sync to bring the practice's location")
        yield a, b
    finally:
        release_worker()
        for session in (a, b):
            session.sign_out()


def test_a_photo_added_on_desk_a_shows_in_the_charting_screen_open_on_desk_b(
        qtbot: Any, live_api: LiveApi, desks: tuple[DeskSession, DeskSession], tmp_path: Path) -> None:
    a, b = desks
    assert a.sync is not None
    client = new_client("Noor", "Haddad")
    visit = booking(live_api, client_id=client.id, starts_at=next_opening(10))
    draft = TreatmentRecord(client_id=client.id, appointment_id=visit.id, provider_id=live_api.tenant.provider.id,
                            service_id=visit.service_id, performed_at=visit.starts_at, clinical_notes="Glabella")
    image = b"\xff\xd8\xff\xe0" + os.urandom(1_500_000)
    path = tmp_path / "before.jpg"
    path.write_bytes(image)

    def a_books_and_charts(store: Any) -> None:
        visits.book_visit(store, actor=a.actor, visit=visit, new_client=client, confirmed=True)
        charts.save_chart(store, actor=a.actor, record=draft)

    a.sync.with_store(a_books_and_charts)
    wait_for(lambda: db_worker().run_sync(lambda store: store.select(
        "SELECT 1 FROM treatments WHERE id = ?", (str(draft.id),))) != [], what="A's draft on desk B")
    chart = ChartingDialog(b, appointment_id=visit.id)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.data is not None or chart.message.text() != "", timeout=10_000)
    assert chart.data is not None, chart.message.text()
    assert chart.photo_list.text() == "No photos yet."

    def a_adds_the_photo(store: Any) -> Any:
        photo = import_photo(store, path, client_id=client.id, treatment_id=draft.id, kind=PhotoKind.BEFORE,
                             actor=a.actor)
        charts.save_chart(store, actor=a.actor, record=draft.model_copy(update={"photo_ids": (photo.id,),
                                                                                "version": 2}))
        return photo

    photo = a.sync.with_store(a_adds_the_photo)
    # The open screen shows it when its bytes have arrived, without being reopened.
    qtbot.waitUntil(lambda: chart.photo_list.text() == "1 before, 0 after", timeout=60_000)
    assert [p.id for p in db_worker().run_sync(lambda store: photos_for(store, draft.id))] == [photo.id]

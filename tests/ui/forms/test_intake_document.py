"""Issue 15: the intake summary flags only the treatments the client is booked for."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.screens import submit_intake_raising_a_block
from ui.forms.documents import intake_document
from ui.operations import db_worker


def _summary(desk: Desk, client: object) -> str:  # noqa: F811
    intake = desk.run(lambda store: store.intakes_for(client.id, actor=desk.actor))[0]
    document = db_worker().run_sync(lambda store: intake_document(
        store, actor=desk.actor, location=desk.location, client_id=client.id, intake_id=intake.id))
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.pdf)).pages)


def test_a_client_booked_only_for_a_consultation_gets_no_injectable_flags(desk: Desk) -> None:  # noqa: F811
    client = desk.add_client("Theodora", "Vanterpool")
    submit_intake_raising_a_block(desk, client)  # pregnant: no injectables
    desk.book(client, day=desk.today, hour=13, service="consult")
    text = _summary(desk, client)
    assert "Do not treat" not in text and "No contraindication flags for the treatments booked" in text


def test_a_client_booked_for_botox_sees_the_block_for_it(desk: Desk) -> None:  # noqa: F811
    client = desk.add_client("Theodora", "Vanterpool")
    submit_intake_raising_a_block(desk, client)
    desk.book(client, day=desk.today, hour=13)
    text = _summary(desk, client)
    assert "Do not treat" in text and "Neurotoxin (e.g. Botox)" in text
    assert "Dermal filler" not in text  # not booked, not flagged

from __future__ import annotations

import csv
import io
import os
import stat
from collections import Counter
from datetime import datetime

import pytest
from pypdf import PdfReader

from medspa_desk.clinical.charting import build_treatment
from medspa_desk.clinical.recall_export import ExportFormat, export_recall, recall_pdf
from medspa_desk.protocol import Change
from medspa_desk.records import AuditAction, Client, Role
from medspa_desk.store import InvalidChange, Store, StoreError
from medspa_desk.store.connection import open_database
from medspa_desk.store.migrations import migrate
from medspa_desk.store.recall import RecallCriteria, find_recall_clients, lots_used
from medspa_desk.store.rows import CLIENTS, TREATMENTS
from tests.core.clinical.charts import (
    in_date,
    neurotoxin_visit,
    point,
    product,
    treatment_day,
    visit,
)


def _busiest_lot(demo) -> str:
    counts = Counter(u.lot for t in demo.treatments for u in t.products)
    return counts.most_common(1)[0][0]


def _who_got(demo, *, lot=None, product_id=None, since=None, until=None) -> set:
    return {t.client_id for t in demo.treatments for u in t.products
            if (lot is None or u.lot == lot) and (product_id is None or u.product_id == product_id)
            and (since is None or t.performed_at >= since) and (until is None or t.performed_at < until)}


def test_lot_recall_finds_exactly_the_clients_who_received_the_lot(store, demo, manager):
    lot = _busiest_lot(demo)
    expected = _who_got(demo, lot=lot)
    assert len(expected) > 3  # a meaningful recall, not one client

    hits = find_recall_clients(store, RecallCriteria(lot=lot.lower()), actor=manager)

    assert {h.client_id for h in hits} == expected
    clients = {c.id: c for c in demo.clients}
    for hit in hits:
        assert (hit.phone, hit.email, hit.address) == (clients[hit.client_id].phone,
                                                       clients[hit.client_id].email,
                                                       clients[hit.client_id].address)
        assert all(u.lot == lot for u in hit.uses)
    names = [(h.last_name.casefold(), h.first_name.casefold()) for h in hits]
    assert names == sorted(names)


def test_product_recall_within_a_date_range_finds_exactly_those_clients(store, demo, manager):
    botox = product(demo, "Botox Cosmetic 100U")
    times = sorted(t.performed_at for t in demo.treatments)
    since, until = times[len(times) // 4], times[len(times) // 2]
    expected = _who_got(demo, product_id=botox.id, since=since, until=until)
    assert expected

    hits = find_recall_clients(store, RecallCriteria(product_id=botox.id, since=since, until=until),
                               actor=manager)

    assert {h.client_id for h in hits} == expected
    assert all(since <= u.performed_at < until for h in hits for u in h.uses)


def test_a_recall_search_is_audited_with_a_count_and_no_names(store, demo, manager):
    lot = _busiest_lot(demo)
    hits = find_recall_clients(store, RecallCriteria(lot=lot), actor=manager)
    event = store.audit.events(limit=100_000)[-1]
    assert (event.action, event.entity, event.actor_user_id) == (AuditAction.VIEW, "lot_recall", manager.user_id)
    assert event.detail == f"clients: {len(hits)}"


def test_a_recall_needs_a_lot_or_a_product_and_a_sane_range(store, manager, demo):
    with pytest.raises(InvalidChange, match="Enter a lot number, or pick a product"):
        find_recall_clients(store, RecallCriteria(lot="  "), actor=manager)
    now = demo.treatments[0].performed_at
    with pytest.raises(InvalidChange, match="start of the date range must be before its end"):
        find_recall_clients(store, RecallCriteria(product_id=demo.products[0].id, since=now, until=now),
                            actor=manager)


def test_a_chart_saved_at_the_desk_is_found_and_a_changed_lot_moves_with_it(store, demo, injector, manager):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    catalog = {p.id: p for p in demo.products}
    first = build_treatment(visit(appt, (point(botox, area="Glabella", amount=20, lot="NEWLOT1"),),
                                  expiry=in_date(appt, demo)), catalog=catalog, role=Role.PROVIDER,
                            on=treatment_day(appt, demo))
    store.save_treatment(first.record, actor=injector)
    assert [h.client_id for h in find_recall_clients(store, RecallCriteria(lot="newlot1"), actor=manager)] \
        == [appt.client_id]
    assert "NEWLOT1" in lots_used(store, botox.id, limit=1000)

    corrected = build_treatment(visit(appt, (point(botox, area="Glabella", amount=20, lot="NEWLOT2"),),
                                      expiry=in_date(appt, demo)), catalog=catalog, role=Role.PROVIDER,
                                on=treatment_day(appt, demo), draft_id=first.record.id, version=2)
    store.save_treatment(corrected.record, actor=injector)
    assert find_recall_clients(store, RecallCriteria(lot="NEWLOT1"), actor=manager) == []
    assert len(find_recall_clients(store, RecallCriteria(lot="NEWLOT2"), actor=manager)) == 1


def test_a_store_made_before_schema_3_indexes_its_old_treatments_on_upgrade(tmp_path, demo, manager):
    key = bytearray(os.urandom(32))
    path = tmp_path / "old.db"
    conn = open_database(path, key, create=True)
    migrate(conn, target=2)
    lot = _busiest_lot(demo)
    # Clients as schema 2 held them: without the address column of schema 6.
    old_columns = tuple(c for c in CLIENTS.columns if c != "address")
    old_rows = [tuple(v for c, v in zip(CLIENTS.columns, CLIENTS.to_row(client), strict=True)
                      if c != "address") for client in demo.clients]
    with conn:
        conn.executemany(f"INSERT INTO clients ({', '.join(old_columns)}) "  # noqa: S608 (our columns)
                         f"VALUES ({', '.join('?' for _ in old_columns)})", old_rows)
        conn.executemany(TREATMENTS.upsert_sql, [TREATMENTS.to_row(t) for t in demo.treatments])
    conn.close()
    with Store.open(path, key) as upgraded:
        hits = find_recall_clients(upgraded, RecallCriteria(lot=lot), actor=manager)
    assert {h.client_id for h in hits} == _who_got(demo, lot=lot)
    addresses = {c.id: c.address for c in demo.clients}
    assert all(h.address == addresses[h.client_id] for h in hits)


def test_recall_exports_to_csv_and_pdf_owner_only_and_audited(store, demo, manager, tmp_path):
    lot = _busiest_lot(demo)
    criteria = RecallCriteria(lot=lot)
    hits = find_recall_clients(store, criteria, actor=manager)
    names = {p.id: p.name for p in demo.products}
    common = dict(criteria=criteria, product_names=names, practice_name="Glow Aesthetics",
                  zone=demo.location.zone, actor=manager)

    export_recall(store, hits, tmp_path / "recall.csv", file_format=ExportFormat.CSV, **common)
    export_recall(store, hits, tmp_path / "recall.pdf", file_format=ExportFormat.PDF, **common)

    for name in ("recall.csv", "recall.pdf"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left behind
    rows = list(csv.DictReader(io.StringIO((tmp_path / "recall.csv").read_text("utf-8-sig"))))
    assert [(r["last_name"], r["first_name"]) for r in rows] == [(h.last_name, h.first_name) for h in hits]
    assert all(r["lot"] == lot for r in rows)
    pdf_text = "".join(page.extract_text() for page in PdfReader(tmp_path / "recall.pdf").pages)
    assert f"Lot recall: lot {lot}" in pdf_text
    assert hits[0].last_name in pdf_text and f"{len(hits)} clients to contact" in pdf_text
    # The birth date tells two clients of one name apart, on paper and in the spreadsheet.
    born = {c.id: c.birth_date for c in demo.clients}
    first = born[hits[0].client_id]
    assert "Born" in pdf_text and f"{first:%b} {first.day}, {first.year}" in pdf_text
    assert [r["birth_date"] for r in rows] == [born[h.client_id].isoformat() for h in hits]
    exports = [e for e in store.audit.events(limit=100_000) if e.action is AuditAction.EXPORT]
    assert [e.detail for e in exports] == [f"clients: {len(hits)}, format: csv",
                                           f"clients: {len(hits)}, format: pdf"]


def test_a_spreadsheet_formula_in_a_name_is_defused_in_the_csv(store, demo, injector, manager, tmp_path):
    client = Client(first_name="=HYPERLINK(\"x\")", last_name="Formula", birth_date=demo.clients[0].birth_date)
    store.create_client(client, actor=manager)
    appt = neurotoxin_visit(demo).model_copy(update={"client_id": client.id})
    botox = product(demo, "Botox Cosmetic 100U")
    result = build_treatment(visit(appt, (point(botox, area="Chin", amount=4, lot="FX1"),),
                                   expiry=in_date(appt, demo)), catalog={p.id: p for p in demo.products},
                             role=Role.PROVIDER, on=treatment_day(appt, demo))
    store.save_treatment(result.record, actor=injector)
    criteria = RecallCriteria(lot="FX1")
    hits = find_recall_clients(store, criteria, actor=manager)
    export_recall(store, hits, tmp_path / "r.csv", file_format=ExportFormat.CSV, criteria=criteria,
                  product_names={}, practice_name="Glow", zone=demo.location.zone, actor=manager)
    assert "'=HYPERLINK" in (tmp_path / "r.csv").read_text("utf-8-sig")


def test_an_export_to_a_missing_folder_says_so_and_is_audited_as_failed(store, demo, manager, tmp_path):
    criteria = RecallCriteria(lot=_busiest_lot(demo))
    hits = find_recall_clients(store, criteria, actor=manager)
    with pytest.raises(StoreError, match=r"could not be written to .*Pick another folder"):
        export_recall(store, hits, tmp_path / "nowhere" / "r.csv", file_format=ExportFormat.CSV,
                      criteria=criteria, product_names={}, practice_name="Glow", zone=demo.location.zone,
                      actor=manager)
    assert store.audit.events(limit=100_000)[-1].outcome == "failed"


def _relotted(treatment, lot: str):
    """The treatment again, one version on, with every product use from ``lot``."""
    uses = tuple(u.model_copy(update={"lot": lot}) for u in treatment.products)
    points = tuple(p.model_copy(update={"lot": lot}) for p in treatment.points)
    return treatment.model_copy(update={"products": uses, "points": points, "version": treatment.version + 1,
                                        "seq": treatment.seq + 1000})


def _charted(demo, count: int):
    return [t for t in demo.treatments if t.products][:count]


def test_a_bulk_load_into_a_store_with_treatments_reindexes_the_lots_it_replaces(store, demo, manager):
    changed, added = _charted(demo, 2)
    old_lots = {u.lot for u in changed.products}
    store.connection.execute("DELETE FROM treatments WHERE id = ?", (str(added.id),))

    store.import_records([_relotted(changed, "BULKLOT1"), _relotted(added, "BULKLOT2")])

    assert [h.client_id for h in find_recall_clients(store, RecallCriteria(lot="bulklot1"), actor=manager)] \
        == [changed.client_id]
    assert [h.client_id for h in find_recall_clients(store, RecallCriteria(lot="BULKLOT2"), actor=manager)] \
        == [added.client_id]
    rows = store.connection.execute("SELECT DISTINCT lot FROM treatment_lots WHERE treatment_id = ?",
                                    (str(changed.id),)).fetchall()
    assert {lot for (lot,) in rows} == {"BULKLOT1"} and "BULKLOT1" not in old_lots


def test_a_pulled_treatment_moves_its_lots_in_the_index(store, demo, manager):
    [treatment] = _charted(demo, 1)
    pulled = _relotted(treatment, "PULLEDLOT")

    store.apply_changes([Change(seq=pulled.seq, entity="treatment", entity_id=pulled.id, version=pulled.version,
                                data=pulled.to_json())], cursor=pulled.seq)

    hits = find_recall_clients(store, RecallCriteria(lot="pulledlot"), actor=manager)
    assert [h.client_id for h in hits] == [treatment.client_id]
    assert {u.treatment_id for h in hits for u in h.uses} == {treatment.id}
    for lot in {u.lot for u in treatment.products}:
        assert treatment.id not in {u.treatment_id for h in find_recall_clients(
            store, RecallCriteria(lot=lot), actor=manager) for u in h.uses}


def test_a_first_bulk_load_indexes_every_lot_its_treatments_used(tmp_path, demo, manager):
    expected = {(str(t.id), u.lot.casefold()) for t in demo.treatments for u in t.products}
    with Store.open(tmp_path / "first.db", bytearray(os.urandom(32)), create=True) as fresh:
        fresh.import_records(demo.all_records())
        rows = fresh.connection.execute("SELECT treatment_id, lot FROM treatment_lots").fetchall()
    assert {(tid, lot.casefold()) for tid, lot in rows} == expected


def test_the_recall_pdf_names_the_product_and_the_last_day_of_the_range(store, demo, manager):
    lot = _busiest_lot(demo)
    zone = demo.location.zone
    # The window's range ends at the midnight after its last day.
    criteria = RecallCriteria(lot=lot, since=datetime(2000, 1, 1, tzinfo=zone), until=datetime(2100, 1, 1, tzinfo=zone))
    hits = find_recall_clients(store, criteria, actor=manager)
    names = {p.id: p.name for p in demo.products}
    pdf = recall_pdf(hits, criteria=criteria, product_names=names, practice_name="Glow Aesthetics", zone=zone)
    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "from January 1, 2000, to December 31, 2099" in words and "before" not in words
    used = {names[u.product_id] for h in hits for u in h.uses}
    assert used and all(name in words for name in used)  # the Product column

"""Injector: key press to door card shown (client with 300 treatments); lot recall over 100,000 treatments.

- ``injector.card_open_ms``: Space on the selected appointment of a real day
  schedule to the card's data on screen (``did_load``), offscreen Qt, over a
  real SQLCipher store; the client has 300 charted treatments. Includes the
  one audited view (a committed, fsynced write).
- ``injector.lot_recall_ms``: ``find_recall_clients`` for one lot over a store
  holding 100,000 treatments (the demo practice's charts, copied across its
  clients, lots and dates), audit write included; ``..._query_ms`` is the
  read alone. Baseline: the same recall by scanning every treatment's JSON
  (what the store could do without the schema-3 lot index).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.harness import Report, median, percentile, time_ms

TREATMENTS_FOR_RECALL = 100_000
CARD_HISTORY = 300


def _store(folder: Path) -> Any:
    from medspa_desk.store import Store

    return Store.open(folder / "bench.db", bytearray(os.urandom(32)), create=True)


def _copies(practice: Any, count: int, rng: random.Random) -> list[Any]:
    from medspa_desk.records import new_id

    charted = [t for t in practice.treatments if t.products]
    clients = [c.id for c in practice.clients] + [c.id for c in getattr(practice, "more_clients", [])]
    out = []
    for n in range(count):
        source = charted[n % len(charted)]
        days_back = rng.randrange(0, 900)
        # A practice receives a new lot of each product every quarter: an older visit used an older lot.
        quarter = days_back // 91
        uses = tuple(u.model_copy(update={"lot": f"{u.lot}Q{quarter}" if quarter else u.lot})
                     for u in source.products)
        points = tuple(p.model_copy(update={"lot": f"{p.lot}Q{quarter}" if quarter else p.lot})
                       for p in source.points)
        out.append(source.model_copy(update={
            "id": new_id(), "client_id": rng.choice(clients), "appointment_id": None, "products": uses,
            "points": points, "performed_at": source.performed_at - timedelta(days=days_back)}))
    return out


def lot_recall(report: Report, folder: Path) -> None:
    from medspa_demo.practice import generate_practice
    from medspa_desk.records import Role, new_id
    from medspa_desk.store import Actor
    from medspa_desk.store.recall import RecallCriteria, find_recall_clients

    practice = generate_practice(clients=1500)
    rng = random.Random(11)
    # About a third as many clients as treatments, as in a practice that has charted 100,000 visits.
    practice.more_clients = [c.model_copy(update={"id": new_id()}) for c in practice.clients * 20]
    store = _store(folder)
    copies = _copies(practice, TREATMENTS_FOR_RECALL - len(practice.treatments), rng)
    store.import_records([*practice.all_records(), *practice.more_clients, *copies])
    total = store.connection.execute("SELECT count(*) FROM treatments").fetchone()[0]
    manager = practice.user("manager")
    actor = Actor(user_id=manager.id, device_id=None, role=Role.MANAGER)
    lots = Counter(u.lot for t in [*practice.treatments, *copies] for u in t.products)
    lot = lots.most_common(1)[0][0]  # the worst case: the lot most used
    hits = find_recall_clients(store, RecallCriteria(lot=lot), actor=actor)
    samples = time_ms(lambda: find_recall_clients(store, RecallCriteria(lot=lot), actor=actor), repeat=30)
    query = ("SELECT tl.client_id, c.phone FROM treatment_lots AS tl JOIN clients AS c ON c.id = tl.client_id "
             "WHERE tl.lot = ?")
    query_samples = time_ms(lambda: store.connection.execute(query, (lot,)).fetchall(), repeat=30)

    def scan() -> int:
        found = 0
        for (data,) in store.connection.execute("SELECT data FROM treatments"):
            found += f'"lot":"{lot}"' in data
        return found

    baseline = median(time_ms(scan, repeat=2, warmup=0))
    ranked = [name for name, _uses in lots.most_common()]
    typical = ranked[len(ranked) // 2]
    typical_samples = time_ms(lambda: find_recall_clients(store, RecallCriteria(lot=typical), actor=actor),
                              repeat=30)
    print(f"  typical lot {typical!r}: {lots[typical]} uses")
    print(f"  recall: {total} treatments, lot {lot!r} reached {len(hits)} clients")
    report.figure("injector.lot_recall_ms", median(samples), unit="ms", target=50, baseline=baseline,
                  baseline_name="scan every treatment's JSON")
    report.figure("injector.lot_recall_p95_ms", percentile(samples, 95), unit="ms")
    report.figure("injector.lot_recall_query_ms", median(query_samples), unit="ms")
    report.figure("injector.lot_recall_typical_lot_ms", median(typical_samples), unit="ms")
    store.close()


def card_open(report: Report, folder: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from medspa_demo.practice import generate_practice
    from medspa_desk.records import AppointmentStatus, Role, utc_now
    from medspa_desk.store import Actor
    from ui.injector import door_card_action
    from ui.operations import db_worker
    from ui.qt import QApplication, QCoreApplication, QElapsedTimer, Qt, QTest
    from ui.schedule.day_view import DayScheduleView

    app = QApplication.instance() or QApplication([])
    practice = generate_practice(clients=400)
    zone = practice.location.zone
    today = utc_now().astimezone(zone).date()
    appt = min((a for a in practice.appointments if a.starts_at.astimezone(zone).date() >= today
                and a.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)), key=lambda a: a.starts_at)
    day = appt.starts_at.astimezone(zone).date()
    rng = random.Random(5)
    regular = [h.model_copy(update={"client_id": appt.client_id, "appointment_id": None})
               for h in _copies(practice, CARD_HISTORY, rng)]
    user = next(u for u in practice.users if u.role is Role.PROVIDER)

    class Session:
        location = practice.location
        actor = Actor(user_id=user.id, device_id=None, role=Role.PROVIDER)

    session = Session()
    session.user = user
    worker = db_worker()
    worker.open(lambda: _store(folder))
    worker.run_sync(lambda store: store.import_records([*practice.all_records(), *regular]))
    count = worker.run_sync(lambda store: store.connection.execute(
        "SELECT count(*) FROM treatments WHERE client_id = ?", (str(appt.client_id),)).fetchone()[0])
    view = DayScheduleView(session, day=day)
    view.resize(1300, 900)
    view.show()
    door_card_action(view, session, selected=lambda: view.canvas.selected)
    deadline = time.monotonic() + 30
    while view.shown is None and time.monotonic() < deadline:
        app.processEvents()
    view.canvas.select(appt.id)
    view.activateWindow()
    view.canvas.setFocus()
    while not view.isActiveWindow() and time.monotonic() < deadline:
        app.processEvents()
    samples = []
    for run in range(23):
        view.activateWindow()
        view.canvas.setFocus()
        while not view.isActiveWindow():
            app.processEvents()
        clock = QElapsedTimer()
        clock.start()
        QTest.keyClick(view.canvas, Qt.Key.Key_Space)
        card = getattr(view, "door_card", None)
        while card is None or card.card is None:
            app.processEvents()
            card = getattr(view, "door_card", None)
            if clock.elapsed() > 10_000:
                raise RuntimeError(f"the door card did not open (run {run}: {card.subheading.text() if card else 'no card'})")
        app.processEvents()  # the frame with the data painted
        elapsed = clock.nsecsElapsed() / 1e6
        if run >= 3:
            samples.append(elapsed)
        card.close()
        view.door_card = None
        QCoreApplication.processEvents()
    print(f"  card: client with {count} treatments")
    report.figure("injector.card_open_ms", median(samples), unit="ms", target=50)
    report.figure("injector.card_open_p95_ms", percentile(samples, 95), unit="ms")
    view.close()
    worker.detach(close=True)
    worker.run_sync(lambda _store: None)


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as card_dir:
        card_open(report, Path(card_dir))
    with tempfile.TemporaryDirectory() as recall_dir:
        lot_recall(report, Path(recall_dir))

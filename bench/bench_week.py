"""The week view: one provider's week at 40 providers and 300,000 visits (issue 16).

Builds the store benchmark's practice (``bench_store.Practice``: 40 providers,
one location, 300,000 visits, 100,000 clients; treatments left out, the week
never reads them) into a real encrypted store, then times what opening a
provider's week costs: ``load_week`` (the visits through the provider's
``(provider_id, blocked_start)`` index, the blocked time, the client labels)
and painting the week into a 1366-pixel-wide image, for weeks spread over the
visits' two and a half years. ``desk.week_view_ms`` is the median of load plus
paint; ``desk.week_view_cpu_ms`` the same in this process's CPU time (on a
shared, loaded machine wall time also counts waiting for a core); the load
average is printed beside them.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import Report, cpu_ms, median, percentile, time_ms

TARGET_MS = 50
WEEKS = 40


def run(report: Report) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bench.bench_store import APPOINTMENTS, PROVIDERS, SLOTS_PER_DAY, Practice
    from medspa_desk.store import Store
    from ui.qt import QApplication, QImage, QPainter
    from ui.schedule.model import ColumnMode
    from ui.schedule.week_view import WeekCanvas, load_week

    app = QApplication.instance() or QApplication([])
    practice = Practice(random.Random(2025))
    records = [*practice.reference(), *practice.clients, *practice.appointments()]
    days = APPOINTMENTS // (PROVIDERS * SLOTS_PER_DAY)
    rng = random.Random(7)
    asked = [(practice.first_day + timedelta(days=rng.randrange(days)), rng.choice(practice.providers).id)
             for _ in range(WEEKS)]
    with tempfile.TemporaryDirectory(prefix="bench-week-") as folder:
        store = Store.open(Path(folder) / "desk.db", bytearray(os.urandom(32)), create=True)
        try:
            started = time.perf_counter()
            store.import_records(records)
            print(f"   built {len(records):,} records in {time.perf_counter() - started:.1f} s", flush=True)
            canvas = WeekCanvas()
            canvas.resize(1366 - 24, 560)  # the week's canvas in the main window on a 1366x768 laptop
            image = QImage(canvas.size(), QImage.Format.Format_RGB32)
            turn = iter(range(10**9))

            def load() -> object:
                day, provider_id = asked[next(turn) % WEEKS]
                return load_week(store, location=practice.location, day=day, mode=ColumnMode.PROVIDERS,
                                 holder_id=provider_id)

            def open_week() -> None:
                canvas.set_week(load())  # type: ignore[arg-type]
                painter = QPainter(image)
                canvas.paint_into(painter)
                painter.end()

            week = load()
            print(f"   a week holds {len(week.appointments)} visits of one provider")  # type: ignore[attr-defined]
            samples = time_ms(open_week, repeat=WEEKS)
            loads = time_ms(load, repeat=WEEKS)
            cpu = cpu_ms(open_week, repeat=WEEKS)
        finally:
            store.close()
    app.processEvents()
    report.figure("desk.week_view_ms", median(samples), unit="ms", target=TARGET_MS)
    report.figure("desk.week_view_p95_ms", percentile(samples, 95), unit="ms")
    report.figure("desk.week_view_cpu_ms", median(cpu), unit="ms", target=TARGET_MS)
    report.figure("desk.week_load_ms", median(loads), unit="ms")
    print(f"   load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

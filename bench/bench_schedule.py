"""Day schedule paint: 40 providers × 20 appointments, everything on screen at once.

``ui.schedule_paint_ms`` is the median time to paint the whole day (all 800
blocks, grid, header, gutter, now line) into an image the size of the content:
the worst case, wider than any real screen. The cold figure includes building
the layout and eliding every label (what a day change costs); the viewport
figure is a 1600×900 window, what a receptionist actually sees. The ``cpu``
figure is the same warm paint in process CPU time: on a shared, loaded
machine wall time also counts waiting for a core.
"""

from __future__ import annotations

import os
from datetime import date

from bench.harness import Report, cpu_ms, median, percentile, time_ms

PROVIDERS = 40
PER_PROVIDER = 20
TARGET_MS = 50


def run(report: Report) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from tests.ui.schedule.factory import busy_day
    from ui.qt import QApplication, QImage, QPainter
    from ui.schedule.canvas import ScheduleCanvas

    app = QApplication.instance() or QApplication([])
    from medspa_desk.records import HOLDS_SLOT, AppointmentStatus

    # Every appointment drawn: statuses that show on the grid (cancelled ones are hidden).
    shown = tuple(s for s in AppointmentStatus if s in HOLDS_SLOT or s is AppointmentStatus.NO_SHOW)
    day = busy_day(day=date(2026, 3, 10), providers=PROVIDERS, per_provider=PER_PROVIDER, statuses=shown)
    canvas = ScheduleCanvas()
    canvas.set_day(day)
    layout = canvas.layout_cache
    assert layout is not None
    # Tall enough for the whole day at the roomiest rows (rows are fitted to the window, up to roomy).
    canvas.resize(int(canvas._gutter_w + PROVIDERS * canvas._min_col_w) + 60,
                  int(canvas._roomy_px_per_min * layout.grid.minutes + canvas._header_h) + 60)
    canvas.show()
    app.processEvents()
    layout = canvas.layout_cache
    assert layout is not None
    image = QImage(canvas.viewport().size(), QImage.Format.Format_RGB32)

    def paint() -> None:
        painter = QPainter(image)
        canvas.paint_into(painter, canvas.viewport().rect())
        painter.end()

    def paint_cold() -> None:
        canvas.set_day(day)
        paint()

    warm = time_ms(paint, repeat=30)
    cold = time_ms(paint_cold, repeat=10)
    print(f"   blocks painted: {len(layout.blocks)} of {len(day.appointments)} appointments; "
          f"image {image.width()}×{image.height()}")
    report.figure("ui.schedule_paint_ms", median(warm), unit="ms", target=TARGET_MS)
    report.figure("ui.schedule_paint_p95_ms", percentile(warm, 95), unit="ms")
    report.figure("ui.schedule_paint_cpu_ms", median(cpu_ms(paint, repeat=30)), unit="ms", target=TARGET_MS)
    report.figure("ui.schedule_paint_cold_ms", median(cold), unit="ms")

    canvas.resize(1600, 900)
    app.processEvents()
    window = QImage(canvas.viewport().size(), QImage.Format.Format_RGB32)

    def paint_window() -> None:
        painter = QPainter(window)
        canvas.paint_into(painter, canvas.viewport().rect())
        painter.end()

    report.figure("ui.schedule_paint_window_ms", median(time_ms(paint_window, repeat=30)), unit="ms",
                  target=TARGET_MS)
    canvas.close()

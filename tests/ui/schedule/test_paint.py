"""The painted grid: a 40-provider day draws every block, in its status colour, names elided not cut."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from medspa_desk.records import AppointmentStatus
from tests.ui.schedule.factory import busy_day
from ui.qt import QImage, QPainter
from ui.schedule.canvas import ScheduleCanvas
from ui.schedule.colors import STATUS_STYLES


def _canvas(qtbot: QtBot, *, providers: int, per_provider: int, width: int, height: int) -> ScheduleCanvas:
    canvas = ScheduleCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(width, height)
    canvas.set_day(busy_day(day=date(2026, 3, 10), providers=providers, per_provider=per_provider))
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def test_forty_providers_by_twenty_appointments_paint_every_block_in_its_status_colour(qtbot: QtBot) -> None:
    # Wide and tall enough to show the whole day, so every one of the 800 blocks is painted.
    canvas = _canvas(qtbot, providers=40, per_provider=20, width=40 * 120 + 80, height=600)
    layout = canvas.layout_cache
    assert layout is not None
    canvas.resize(int(canvas._gutter_w + 40 * canvas._min_col_w) + 60, int(layout.grid.height + canvas._header_h) + 60)
    assert canvas.horizontalScrollBar().maximum() == 0 and canvas.verticalScrollBar().maximum() == 0
    day = canvas.day
    assert len(layout.blocks) == sum(1 for a in day.appointments if a.status is not AppointmentStatus.CANCELLED)
    image = QImage(canvas.viewport().size(), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    canvas.paint_into(painter, canvas.viewport().rect())
    painter.end()
    for block in layout.blocks:
        rect = canvas.block_rect(block)
        # A point inside the block, right of the status bar and below the text lines.
        x, y = int(rect.right()) - 3, int(rect.bottom()) - 3
        expected = STATUS_STYLES[day.appointment(block.appointment_id).status].fill
        assert image.pixelColor(x, y).name() == expected, block


def test_long_names_are_elided_to_the_block_width(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=12, per_provider=6, width=800, height=600)
    layout = canvas.layout_cache
    block = layout.blocks[0]
    width = canvas.block_rect(block).width()
    lines = canvas._block_lines(block, width)
    assert any(line.endswith("…") for line in lines)
    for i, line in enumerate(lines):
        metrics = canvas._fm_bold if i == 0 else canvas._fm
        assert metrics.horizontalAdvance(line) <= width - 8


def test_privacy_mode_paints_initials_instead_of_names(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=2, per_provider=3, width=900, height=600)
    block = canvas.layout_cache.blocks[0]
    label = canvas.day.clients[canvas.day.appointment(block.appointment_id).client_id]
    assert canvas._block_lines(block, 300)[0] == label.name
    canvas.set_privacy(True)
    assert canvas._block_lines(block, 300)[0] == label.initials
    canvas.select(block.appointment_id)
    assert label.name not in canvas.accessibleDescription()
    assert label.initials in canvas.accessibleDescription()

"""The painted grid: a 40-provider day draws every block, in its status colour, names elided not cut."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from medspa_desk.records import AppointmentStatus
from medspa_desk.scheduling import format_span
from tests.ui.schedule.factory import busy_day
from ui.qt import QImage, QPainter, QPoint
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
    # Tall enough for the whole day at the roomiest rows (rows are fitted to the height, up to roomy).
    canvas.resize(int(canvas._gutter_w + 40 * canvas._min_col_w) + 60,
                  int(canvas._roomy_px_per_min * layout.grid.minutes + canvas._header_h) + 60)
    layout = canvas.layout_cache
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


def test_a_narrow_block_keeps_the_room_whole_and_drops_the_time_first(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=12, per_provider=6, width=800, height=1400)  # roomy rows: 11 hours fit
    day = canvas.day
    painted = canvas._painted_blocks()[0]
    appt = day.appointment(painted.block.appointment_id)
    room = day.room_name(appt.room_id)
    # Columns are never that narrow now, but a block beside an overlapping one (half a column) is:
    # "7:00–7:30 · Room 1" does not fit a 110-px block, so the room gets its own line, the time goes last.
    lines = canvas._block_lines(painted.block, 110)
    assert lines[2] == room
    assert lines[3] == format_span(appt.starts_at, appt.ends_at, day.zone)
    # A 30-minute block shows client, service and the room line; nothing more is squeezed in.
    shown = [static.text() for _line, _point, static in painted.lines]
    assert shown == canvas._block_lines(painted.block, painted.rect.width())[:3]
    assert room in shown[2]


def test_a_wide_block_puts_time_and_room_on_one_line(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=2, per_provider=3, width=900, height=600)
    block = canvas.layout_cache.blocks[0]
    appt = canvas.day.appointment(block.appointment_id)
    lines = canvas._block_lines(block, canvas.block_rect(block).width())
    assert lines[2] == f"{format_span(appt.starts_at, appt.ends_at, canvas.day.zone)} · " \
                       f"{canvas.day.room_name(appt.room_id)}"


def test_hovering_a_block_or_a_heading_shows_its_whole_text(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=12, per_provider=6, width=800, height=600)
    day = canvas.day
    block = canvas.layout_cache.blocks[0]
    appt = day.appointment(block.appointment_id)
    canvas.verticalScrollBar().setValue(int(block.top))
    target = canvas.block_rect(block).center().toPoint()
    # From elsewhere first: a test before this one may have left the pointer on this very spot, and a
    # move to where the pointer already is delivers no move event (the tooltip would stay empty).
    qtbot.mouseMove(canvas.viewport(), target + QPoint(40, 40))
    qtbot.mouseMove(canvas.viewport(), target)
    tip = canvas.viewport().toolTip()
    for part in (day.client_label(appt.client_id, privacy=False), day.service_name(appt),
                 day.room_name(appt.room_id), day.provider_name(appt.provider_id), "Booked"):
        assert part in tip, part
    heading = QPoint(int(canvas._gutter_w + canvas._col_w * 3 + 10), 4)
    qtbot.mouseMove(canvas.viewport(), heading)
    assert canvas.viewport().toolTip().splitlines() == [day.providers[3].display_name, "NP"]


def test_a_long_provider_name_wraps_onto_two_lines_in_its_heading(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=12, per_provider=6, width=800, height=600)
    name = canvas.layout_cache.columns[3].title  # Olivia Smith-Whitaker
    avail = int(canvas._col_w) - 12
    assert canvas._fm_bold.horizontalAdvance(name) > avail
    lines = canvas._title_lines(name, avail)
    assert len(lines) == 2 and lines[0] == "Olivia"
    # What still does not fit is elided (the heading's tooltip has the whole name).
    assert name.startswith(f"{lines[0]} {lines[1].rstrip('…')}")
    assert canvas._header_h == canvas._line_h * 3 + 10


def test_a_long_client_name_wraps_in_a_block_tall_enough_and_is_elided_in_a_short_one(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, providers=12, per_provider=6, width=800, height=600)
    day = canvas.day
    block = next(b for b in canvas.layout_cache.blocks
                 if day.client_label(day.appointment(b.appointment_id).client_id, privacy=False).endswith(
                     "Smith-Whitaker"))
    name = day.client_label(day.appointment(block.appointment_id).client_id, privacy=False)
    width = canvas.block_rect(block).width()
    short = canvas._block_lines(block, width, max_lines=3)
    assert short[0].endswith("…") and len(short) >= 3
    tall = canvas._block_lines(block, width, max_lines=5)
    assert name.startswith(tall[0]) and tall[0] != name
    assert day.service_name(day.appointment(block.appointment_id)).startswith(tall[2].rstrip("…"))

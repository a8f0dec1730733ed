"""A dozen providers in the narrow grid of a laptop at 150%: readable columns that scroll sideways,
the column headings moving with the grid and the hours staying put."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from tests.ui.schedule.factory import busy_day
from ui.qt import QImage, QPainter, QPoint, QRect, Qt
from ui.schedule.canvas import ScheduleCanvas

# The grid's share of a 1366x768 laptop at 150% (910 logical pixels), beside the flow board.
GRID_AT_150_PERCENT = (513, 480)
PROVIDERS = 12


def _canvas(qtbot: QtBot) -> ScheduleCanvas:
    canvas = ScheduleCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(*GRID_AT_150_PERCENT)
    canvas.set_day(busy_day(day=date(2026, 3, 10), providers=PROVIDERS, per_provider=6))
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def _shot(canvas: ScheduleCanvas) -> QImage:
    image = QImage(canvas.viewport().size(), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    canvas.paint_into(painter, canvas.viewport().rect())
    painter.end()
    return image


def _strip(image: QImage, *, x: int, width: int, top: int, bottom: int) -> QImage:
    return image.copy(QRect(x, top, width, bottom - top))


def test_a_dozen_providers_keep_readable_columns_and_the_grid_scrolls_sideways(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot)
    bar = canvas.horizontalScrollBar()
    assert canvas._col_w >= canvas._min_col_w
    assert bar.maximum() > 0, "twelve columns do not fit: the grid must scroll sideways"
    shown = canvas.columns_shown()
    assert shown.start == 0 and 2 <= len(shown) < PROVIDERS
    assert canvas.columns_shown_label() == [f"1–{shown.stop}", f"of {PROVIDERS}"]
    assert bar.accessibleName() == "Scroll the columns"
    assert f"providers 1 to {shown.stop} of {PROVIDERS}" in bar.accessibleDescription()
    # Readable: a client's name of up to 14 characters is shown whole in its block.
    day = canvas.day
    checked = 0
    for block in canvas.layout_cache.blocks:
        name = day.client_label(day.appointment(block.appointment_id).client_id, privacy=False)
        if len(name) <= 14:
            assert canvas._block_lines(block, canvas.block_rect(block).width())[0] == name
            checked += 1
    assert checked


def test_the_headings_scroll_with_the_grid_and_the_hours_stay_put(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot)
    bar = canvas.horizontalScrollBar()
    gutter, header, column = int(canvas._gutter_w), canvas._header_h, int(canvas._col_w)
    height = canvas.viewport().height()
    before = _shot(canvas)
    canvas.scroll_columns(1)
    assert bar.value() == round(canvas._col_w)
    assert canvas.columns_shown().start == 1
    after = _shot(canvas)
    # The second column, heading and blocks, is now drawn exactly where the first was.
    assert _strip(after, x=gutter + 1, width=column - 1, top=0, bottom=height) == \
        _strip(before, x=gutter + column + 1, width=column - 1, top=0, bottom=height)
    assert canvas.text_at(QPoint(gutter + 5, 5)) == \
        f"{canvas.layout_cache.columns[1].title}\n{canvas.layout_cache.columns[1].subtitle}"
    # The hours gutter did not move.
    assert _strip(after, x=0, width=gutter, top=header, bottom=height) == \
        _strip(before, x=0, width=gutter, top=header, bottom=height)


def test_shift_arrows_scroll_a_column_at_a_time_without_changing_the_selection(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot)
    bar = canvas.horizontalScrollBar()
    first = canvas.layout_cache.blocks[0].appointment_id
    canvas.select(first)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert bar.value() == round(2 * canvas._col_w)
    assert canvas.columns_shown().start == 2
    qtbot.keyClick(canvas, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert bar.value() == round(canvas._col_w)
    assert canvas.selected == first
    # A plain arrow still moves the selection, and scrolls to show the block it lands on.
    for _ in range(PROVIDERS - 1):
        qtbot.keyClick(canvas, Qt.Key.Key_Right)
    last = canvas.layout_cache.block(canvas.selected)
    assert last.column == PROVIDERS - 1
    assert last.column in canvas.columns_shown()


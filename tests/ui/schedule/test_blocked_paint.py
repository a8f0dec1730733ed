"""Blocked time is painted in the day grid (issue 16 item 7): a provider's break in the provider's column,
a room's maintenance in the room's column, hatched grey and titled; not only listed in words."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from medspa_desk.desk.blocked_time import block_time
from medspa_desk.records import BlockedTime, BlockKind
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import DAY, _view
from ui.qt import QImage, QPainter, QPoint
from ui.schedule.canvas import ScheduleCanvas
from ui.schedule.day_view import DayScheduleView
from ui.schedule.model import ColumnMode


def _block(desk: Desk, **holder: object) -> BlockedTime:  # noqa: F811
    block = BlockedTime(location_id=desk.location.id, starts_at=desk.at(DAY, 12), ends_at=desk.at(DAY, 13),
                        **holder)  # type: ignore[arg-type]
    desk.run(lambda store: block_time(store, actor=desk.as_user("manager").actor, block=block))
    return block


def _painted(canvas: ScheduleCanvas) -> QImage:
    image = QImage(canvas.viewport().size(), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    canvas.paint_into(painter, canvas.viewport().rect())
    painter.end()
    return image


def _column_x(view: DayScheduleView, key: object) -> float:
    canvas = view.canvas
    column = next(i for i, c in enumerate(canvas.layout_cache.columns) if c.key == key)
    return canvas._origin()[0] + (column + 0.5) * canvas._col_w


def test_a_providers_break_is_painted_in_their_column_and_nowhere_else(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    _block(desk, provider_id=desk.injector.id, kind=BlockKind.BREAK, note="Staff lunch")
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 11))
    canvas = view.canvas
    [held] = canvas.layout_cache.held
    rect = canvas.held_rect(held)
    grid = canvas.layout_cache.grid

    assert abs(rect.center().x() - _column_x(view, desk.injector.id)) < 2
    assert abs(rect.height() - (grid.y_at(desk.at(DAY, 13)) - grid.y_at(desk.at(DAY, 12)))) < 1
    image = _painted(canvas)
    inside = rect.center().toPoint()
    other = QPoint(int(_column_x(view, desk.laser_tech.id)), inside.y())
    assert image.pixelColor(inside).name() in ("#e3e6eb", "#9aa3b2")  # the grey band or its hatching
    assert image.pixelColor(other).name() not in ("#e3e6eb", "#9aa3b2")
    assert canvas.text_at(inside).startswith("Break ") and canvas.text_at(inside).endswith("· Staff lunch")


def test_room_maintenance_is_painted_in_the_room_view_only(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    _block(desk, room_id=desk.rooms["room2"].id, kind=BlockKind.MAINTENANCE)
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 11))
    assert view.canvas.layout_cache.held == ()  # provider columns: a room's maintenance is not theirs

    view.set_mode(ColumnMode.ROOMS)
    [held] = view.canvas.layout_cache.held
    rect = view.canvas.held_rect(held)
    assert abs(rect.center().x() - _column_x(view, desk.rooms["room2"].id)) < 2
    assert _painted(view.canvas).pixelColor(rect.center().toPoint()).name() in ("#e3e6eb", "#9aa3b2")
    assert view.canvas.text_at(rect.center().toPoint()).startswith("Maintenance ")


def test_a_freed_block_is_no_longer_painted(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    lunch = _block(desk, provider_id=desk.injector.id, kind=BlockKind.BREAK)
    view = _view(qtbot, desk)
    assert len(view.canvas.layout_cache.held) == 1
    # The front desk frees a break (theirs to block and to free); the grid redraws without it.
    desk.run(lambda store: block_time(store, actor=desk.actor, block=lunch.model_copy(update={"deleted": True})))
    view.reload()
    qtbot.waitUntil(lambda: view.canvas.layout_cache.held == ())

"""The schedule's geometry and colours, without a window."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from medspa_desk.records import AppointmentStatus
from tests.ui.schedule.factory import busy_day
from ui.schedule.colors import STATUS_STYLES, contrast_ratio
from ui.schedule.layout import DayLayout, TimeGrid
from ui.schedule.model import ColumnMode

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 6, 1), 24)])
def test_grid_has_one_row_per_real_hour_on_dst_days(day: date, hours: int) -> None:
    grid = TimeGrid.for_day(day, NEW_YORK, px_per_min=2)
    assert len(grid.hours) == hours
    assert grid.height == hours * 60 * 2


def test_spring_forward_grid_skips_2_am_and_fall_back_grid_shows_1_am_twice() -> None:
    spring = [m.label for m in TimeGrid.for_day(date(2026, 3, 8), NEW_YORK, px_per_min=1).hours]
    autumn = [m.label for m in TimeGrid.for_day(date(2026, 11, 1), NEW_YORK, px_per_min=1).hours]
    assert spring[:3] == ["12 AM", "1 AM", "3 AM"]
    assert autumn[:4] == ["12 AM", "1 AM", "1 AM", "2 AM"]


def test_heights_snap_to_five_minutes_and_stay_inside_the_day() -> None:
    grid = TimeGrid.for_day(date(2026, 6, 1), NEW_YORK, px_per_min=2)
    assert grid.instant_at(2 * 62) == grid.start + timedelta(minutes=60)
    assert grid.instant_at(2 * 63) == grid.start + timedelta(minutes=65)
    assert grid.instant_at(-50) == grid.start
    assert grid.instant_at(grid.height + 500) == grid.end
    assert grid.y_at(grid.instant_at(2 * 600)) == 2 * 600


def test_every_status_colour_keeps_its_text_readable() -> None:
    for status, style in STATUS_STYLES.items():
        assert contrast_ratio(style.text, style.fill) >= 7, status


def test_layout_places_every_visible_appointment_in_its_column() -> None:
    day = busy_day(day=date(2026, 3, 10), providers=5, per_provider=8)
    layout = DayLayout.build(day, mode=ColumnMode.PROVIDERS, px_per_min=2)
    visible = [a for a in day.appointments if a.status is not AppointmentStatus.CANCELLED]
    assert len(layout.blocks) == len(visible)
    for block in layout.blocks:
        appt = day.appointment(block.appointment_id)
        assert layout.columns[block.column].key == appt.provider_id
        assert block.top == layout.grid.y_at(appt.starts_at)


def test_overlapping_blocks_in_one_column_share_it_side_by_side() -> None:
    day = busy_day(day=date(2026, 3, 10), providers=1, per_provider=2)
    first, second = day.appointments
    overlapping = second.model_copy(update={"starts_at": first.starts_at, "ends_at": first.ends_at})
    layout = DayLayout.build(day.with_appointment(overlapping), mode=ColumnMode.PROVIDERS, px_per_min=2)
    lanes = sorted((b.lane, b.lanes) for b in layout.blocks)
    assert lanes == [(0, 2), (1, 2)]


def test_room_mode_makes_a_column_per_room() -> None:
    day = busy_day(day=date(2026, 3, 10), providers=3, per_provider=4)
    layout = DayLayout.build(day, mode=ColumnMode.ROOMS, px_per_min=2)
    assert [c.title for c in layout.columns] == [r.name for r in day.rooms]
    for block in layout.blocks:
        assert layout.columns[block.column].key == day.appointment(block.appointment_id).room_id


def test_arrow_keys_walk_down_a_column_and_across_to_the_nearest_block() -> None:
    day = busy_day(day=date(2026, 3, 10), providers=3, per_provider=4)
    layout = DayLayout.build(day, mode=ColumnMode.PROVIDERS, px_per_min=2)
    first = layout.blocks[0]
    below = layout.neighbour(first.appointment_id, key="down")
    assert layout.block(below).column == first.column and layout.block(below).top > first.top
    right = layout.neighbour(first.appointment_id, key="right")
    assert layout.block(right).column > first.column
    assert layout.neighbour(first.appointment_id, key="up") == first.appointment_id

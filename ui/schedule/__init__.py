"""The day schedule: the grid (one painted widget), the flow board, and the screen that holds them."""

from __future__ import annotations

from ui.schedule.arrivals import ArrivalsBoard, flow_rows
from ui.schedule.canvas import ScheduleCanvas
from ui.schedule.day_view import DayScheduleView
from ui.schedule.model import ClientLabel, ColumnMode, ScheduleDay

__all__ = ["ArrivalsBoard", "ClientLabel", "ColumnMode", "DayScheduleView", "ScheduleCanvas", "ScheduleDay",
           "flow_rows"]

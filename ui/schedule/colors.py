"""Status colours of the day schedule and the legend that explains them.

Kept Qt-free (hex strings) so the contrast of every fill against its text can
be checked in a plain test: a receptionist reads these blocks across a room.
"""

from __future__ import annotations

from dataclasses import dataclass

from medspa_desk.records import AppointmentStatus


@dataclass(frozen=True)
class StatusStyle:
    label: str
    fill: str
    border: str
    text: str = "#16181d"


STATUS_STYLES: dict[AppointmentStatus, StatusStyle] = {
    AppointmentStatus.BOOKED: StatusStyle("Booked", fill="#dce8fb", border="#2f64b9"),
    AppointmentStatus.CONFIRMED: StatusStyle("Confirmed", fill="#d3efe6", border="#17805f"),
    AppointmentStatus.ARRIVED: StatusStyle("Waiting", fill="#ffeebf", border="#a77a00"),
    AppointmentStatus.IN_ROOM: StatusStyle("In room", fill="#e6dbf8", border="#6a42bf"),
    AppointmentStatus.COMPLETED: StatusStyle("Completed", fill="#e4e6ea", border="#6c7584"),
    AppointmentStatus.NO_SHOW: StatusStyle("No-show", fill="#fbdcdc", border="#b5302a"),
    AppointmentStatus.CANCELLED: StatusStyle("Cancelled", fill="#f1f1f1", border="#9a9a9a"),
}

# Blocked time (a break, time off, maintenance): grey, hatched, unlike any visit's status colour.
BLOCKED_FILL = "#e3e6eb"
BLOCKED_HATCH = "#9aa3b2"

# The order the legend reads in: the day's flow, then the exceptions.
LEGEND_ORDER: tuple[AppointmentStatus, ...] = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_ROOM,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
)


def status_label(status: AppointmentStatus) -> str:
    """The one wording of a status, the legend's, wherever a status is written out."""
    return STATUS_STYLES[status].label


SELECTION_COLOR = "#0b57d0"
NOW_LINE_COLOR = "#d93025"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

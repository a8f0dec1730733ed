"""Issue 15, safety first: "Do not treat today" is read first and stays on screen at any scale;
the door card never says "none" in green beside a flag, and flags keep their severity words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.screens import botox_with_health_check, submit_intake_raising_a_block
from ui.checkin import CheckInDialog
from ui.injector.door_card import DoorCardDialog
from ui.layout_check import DISPLAYS, fit_to, larger_font, seen_rect
from ui.qt import QDialog, QLabel
from ui.safety import BLOCK_STYLE, NOTE_STYLE, REVIEW_STYLE
from ui.screen_fit import laptop_work_area

T = TypeVar("T", bound=QDialog)


def _pregnant_client_booked_for_botox(desk: Desk) -> object:  # noqa: F811
    client = desk.add_client("Theodora", "Vanterpool")  # nothing under allergies or alerts
    submit_intake_raising_a_block(desk, client)
    return desk.book(client, day=desk.today, hour=13, service=botox_with_health_check(desk))


def _shown(qtbot: QtBot, dialog: T, ready: Callable[[T], bool]) -> T:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: ready(dialog))
    return dialog


def test_do_not_treat_today_is_a_banner_above_everything_and_on_screen_at_every_scale(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = _pregnant_client_booked_for_botox(desk)
    for display in DISPLAYS:
        with larger_font(display.font_factor), laptop_work_area(display.work_area):
            dialog = CheckInDialog(desk, appointment_id=visit.id)
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitUntil(lambda d=dialog: d.check_in_status is not None)
            fit_to(dialog, display)
            banner = dialog.block_banner
            assert banner.isVisible(), display.name
            assert banner.text().startswith("Do not treat today:") and "pregnan" in banner.text().lower()
            assert seen_rect(banner, dialog) == banner.geometry(), display.name  # whole, never scrolled away
            below = [w for w in dialog.findChildren(QLabel) if w.isVisible() and w is not dialog.heading
                     and w is not banner and w.window() is dialog]
            assert all(banner.mapTo(dialog, banner.rect().topLeft()).y()
                       < w.mapTo(dialog, w.rect().topLeft()).y() for w in below), display.name
            dialog.close()


def test_a_block_looks_unlike_a_missing_form_and_unlike_a_note(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = _pregnant_client_booked_for_botox(desk)
    dialog = _shown(qtbot, CheckInDialog(desk, appointment_id=visit.id), lambda d: d.check_in_status is not None)

    def rows() -> dict[str, str]:
        # Rows added to a shown dialog appear on the next turn of the event loop.
        return {label.text(): label.styleSheet() for label in dialog.findChildren(QLabel)
                if label.isVisible() and label.text().startswith(("Do not treat today.", "Not signed yet"))}

    qtbot.waitUntil(lambda: len(rows()) == 2)
    lines = rows()
    block = next(style for text, style in lines.items() if text.startswith("Do not treat today."))
    missing = next(style for text, style in lines.items() if text.startswith("Not signed yet"))
    assert block == BLOCK_STYLE and missing == REVIEW_STYLE and len({BLOCK_STYLE, REVIEW_STYLE, NOTE_STYLE}) == 3
    # The block comes first in the list too.
    assert next(iter(lines)).startswith("Do not treat today.")


def test_the_door_card_never_says_none_in_green_beside_a_flag(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = _pregnant_client_booked_for_botox(desk)
    card = _shown(qtbot, DoorCardDialog(desk, appointment_id=visit.id), lambda c: c.card is not None)
    assert card.safety.text() != "No allergies or alerts on file."
    assert "#17603a" not in card.safety.styleSheet()  # not the green of "all clear"
    assert card.flags.text().startswith("• Do not treat today.")
    assert card.flags.styleSheet() == BLOCK_STYLE


def test_the_door_card_shows_the_lot_without_scrolling_at_150_percent_and_a_larger_font(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    from tests.ui.injector.clinic import open_clinic

    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    display = DISPLAYS[2]
    with larger_font(1.25), laptop_work_area(display.work_area):
        card = DoorCardDialog(provider, appointment_id=clinic.today.id)
        qtbot.addWidget(card)
        card.show()
        qtbot.waitUntil(lambda: card.card is not None)
        fit_to(card, display)
    header = card.history.headerItem()
    lot = next(c for c in range(card.history.columnCount()) if header.text(c) == "Lot")
    right = card.history.header().sectionViewportPosition(lot) + card.history.columnWidth(lot)
    assert right <= card.history.viewport().width()

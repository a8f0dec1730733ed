"""The signature pad with real Qt input events: mouse drags, pen (tablet) and touch."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QInputDevice, QMouseEvent, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from medspa_desk.documents.consents import SigningRefused, shipped_templates, sign
from medspa_desk.records import Signature
from tests.core.documents.samples import at, client
from ui.signature_pad import SignaturePad


@pytest.fixture
def pad(qtbot: Any) -> SignaturePad:
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.resize(600, 200)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def drag(pad: SignaturePad, points: list[tuple[int, int]]) -> None:
    """A left-button drag through ``points`` (press, moves with the button held, release)."""
    first, *rest = [QPointF(*p) for p in points]
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    QApplication.sendEvent(pad, QMouseEvent(QMouseEvent.Type.MouseButtonPress, first, pad.mapToGlobal(first),
                                            left, left, Qt.KeyboardModifier.NoModifier))
    for point in rest:
        QApplication.sendEvent(pad, QMouseEvent(QMouseEvent.Type.MouseMove, point, pad.mapToGlobal(point),
                                                none, left, Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(pad, QMouseEvent(QMouseEvent.Type.MouseButtonRelease, rest[-1],
                                            pad.mapToGlobal(rest[-1]), left, none,
                                            Qt.KeyboardModifier.NoModifier))


ZIGZAG = [(40, 120), (120, 60), (200, 130), (280, 55), (360, 125), (440, 60), (520, 120)]
CROSS = [(100, 160), (500, 150)]


def test_a_pristine_pad_is_accessible_and_empty(pad: SignaturePad) -> None:
    assert pad.accessibleName() == "Signature pad"
    assert pad.is_empty() and not pad.has_enough_ink()
    assert pad.signature().strokes == ()


def test_mouse_strokes_round_trip_into_the_signature(pad: SignaturePad, qtbot: Any) -> None:
    with qtbot.waitSignal(pad.strokes_did_change):
        drag(pad, ZIGZAG)
    drag(pad, CROSS)
    signature = pad.signature()
    assert (signature.width, signature.height) == (600, 200)
    assert signature.strokes == (tuple((float(x), float(y)) for x, y in ZIGZAG),
                                 tuple((float(x), float(y)) for x, y in CROSS))
    assert pad.has_enough_ink() and pad.ink_problem() == ""
    assert Signature.model_validate_json(signature.model_dump_json()) == signature


def test_qtbot_press_and_release_make_a_dot_which_is_not_enough_ink(pad: SignaturePad, qtbot: Any) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(300, 100))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(300, 100))
    assert pad.signature().strokes == (((300.0, 100.0),),)
    assert not pad.has_enough_ink() and "too small" in pad.ink_problem()


def test_moving_without_a_button_draws_nothing(pad: SignaturePad, qtbot: Any) -> None:
    qtbot.mouseMove(pad, QPoint(50, 50))
    qtbot.mouseMove(pad, QPoint(400, 150))
    assert pad.is_empty()


def test_points_outside_the_pad_are_kept_on_its_edge(pad: SignaturePad) -> None:
    drag(pad, [(300, 100), (700, 250)])
    assert pad.signature().strokes[-1][-1] == (600.0, 200.0)


def test_undo_takes_back_the_last_stroke_and_clear_takes_all(pad: SignaturePad, qtbot: Any) -> None:
    drag(pad, ZIGZAG)
    drag(pad, CROSS)
    pad.undo()
    assert len(pad.signature().strokes) == 1
    drag(pad, CROSS)
    pad.setFocus()
    qtbot.keyClick(pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.signature().strokes) == 1
    pad.clear()
    assert pad.is_empty()


def test_pen_strokes_are_captured(pad: SignaturePad) -> None:
    pen = QPointingDevice("test pen", 7, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def tablet(kind: QTabletEvent.Type, x: float, y: float, button: Qt.MouseButton, buttons: Any) -> None:
        point = QPointF(x, y)
        event = QTabletEvent(kind, pen, point, pad.mapToGlobal(point), 0.6, 0, 0, 0, 0, 0,
                             Qt.KeyboardModifier.NoModifier, button, buttons)
        QApplication.sendEvent(pad, event)

    tablet(QTabletEvent.Type.TabletPress, 50, 100, left, left)
    for x, y in ((150, 60), (250, 140), (350, 60), (450, 140)):
        tablet(QTabletEvent.Type.TabletMove, x, y, none, left)
    tablet(QTabletEvent.Type.TabletRelease, 550, 100, left, none)
    assert pad.signature().strokes == (((50.0, 100.0), (150.0, 60.0), (250.0, 140.0), (350.0, 60.0),
                                        (450.0, 140.0), (550.0, 100.0)),)
    assert pad.has_enough_ink()


def test_finger_strokes_are_captured(pad: SignaturePad) -> None:
    finger = QTest.createTouchDevice()
    QTest.touchEvent(pad, finger).press(0, QPoint(60, 100), pad).commit()
    for x, y in ((160, 50), (260, 150), (360, 50), (460, 150)):
        QTest.touchEvent(pad, finger).move(0, QPoint(x, y), pad).commit()
    QTest.touchEvent(pad, finger).release(0, QPoint(540, 100), pad).commit()
    strokes = pad.signature().strokes
    assert len(strokes) == 1
    assert strokes[0][0] == (60.0, 100.0) and strokes[0][-1] == (540.0, 100.0)
    assert (260.0, 150.0) in strokes[0]


def test_a_drawn_signature_signs_a_consent_and_a_dot_is_refused(pad: SignaturePad) -> None:
    template = shipped_templates()["neurotoxin"]
    pad.clear()
    drag(pad, [(300, 100), (305, 102)])
    with pytest.raises(SigningRefused, match="too small"):
        sign(template, client=client(), signer_name="Zoë", signature=pad.signature(), signed_at=at(2025, 3, 9),
             witness=None)
    pad.clear()
    drag(pad, ZIGZAG)
    consent = sign(template, client=client(), signer_name="Zoë", signature=pad.signature(),
                   signed_at=at(2025, 3, 9), witness=None)
    assert consent.signature.strokes[0][0] == (40.0, 120.0) and consent.is_intact


def test_a_stored_signature_is_shown_scaled_to_the_pad(pad: SignaturePad) -> None:
    stored = Signature(width=300, height=100, strokes=(((20.0, 60.0), (280.0, 40.0)),))
    pad.set_signature(stored)
    assert pad.signature().strokes == (((40.0, 120.0), (560.0, 80.0)),)
    image = pad.grab().toImage()
    assert image.pixelColor(300, 100).name() != "#ffffff"  # ink was painted along the stroke

"""A hand-to-client window left open by a failed test would cover every later one: close it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ui.forms.handoff import HandToClientWindow
from ui.qt import QApplication, is_alive


@pytest.fixture(autouse=True)
def no_hand_to_client_left_open(qapp: Any) -> Iterator[None]:
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, HandToClientWindow) and is_alive(widget):
            widget._may_close = True
            widget.close()

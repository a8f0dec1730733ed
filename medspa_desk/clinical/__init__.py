"""Charting logic for injectors: lots, face chart totals, addenda, compare, recall, PDFs.

Qt-free. The store keeps the records (``medspa_desk.store``); this package
decides what a chart must hold, computes what is never typed (totals and
product uses from the face chart points), and renders the printable forms.
"""

from __future__ import annotations

from medspa_desk.clinical.access import NotPermitted, may_chart, may_read_clinical
from medspa_desk.clinical.addenda import AddendumRefused, addenda_in_order, write_addendum
from medspa_desk.clinical.charting import ChartedVisit, ChartResult, build_treatment
from medspa_desk.clinical.compare import AreaChange, compare_charts, previous_for_same_area
from medspa_desk.clinical.door_card import DoorCard, load_door_card
from medspa_desk.clinical.face_outline import FaceOutline, outline
from medspa_desk.clinical.lots import LotCheck, LotRefused, LotState, check_lot, clean_lot
from medspa_desk.clinical.totals import ChartingError, ChartTotals, chart_totals, product_uses

__all__ = [
    "AddendumRefused",
    "AreaChange",
    "ChartResult",
    "ChartTotals",
    "ChartedVisit",
    "ChartingError",
    "DoorCard",
    "FaceOutline",
    "LotCheck",
    "LotRefused",
    "LotState",
    "NotPermitted",
    "addenda_in_order",
    "build_treatment",
    "chart_totals",
    "check_lot",
    "clean_lot",
    "compare_charts",
    "load_door_card",
    "may_chart",
    "may_read_clinical",
    "outline",
    "previous_for_same_area",
    "product_uses",
    "write_addendum",
]

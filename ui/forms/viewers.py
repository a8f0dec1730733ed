"""Intake and consent screens: the questionnaire, hand-to-client mode, consent templates, PDFs.

Entry points for other screens (the client profile, the main window's menus):

- ``open_consent_pdf(parent, session, consent_id, *, client_id)``
- ``open_intake_pdf(parent, session, intake_id, *, client_id)``
- ``open_treatment_pdf(parent, session, treatment_id)`` (clinicians)
- ``open_day_sheet(parent, session, day, *, privacy)``
- ``template_manager_action(parent, session)`` (None for roles that may not edit consents)

Each ``open_*`` reads and renders on the database worker, then shows a
``PdfViewer``; ``shown`` (optional) receives the viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from medspa_desk.desk.context import SignedIn
from ui.forms.documents import (
    consent_document,
    day_sheet_document,
    intake_document,
    treatment_document,
)
from ui.forms.pdf_view import Document, PdfViewer
from ui.forms.templates import template_manager_action
from ui.operations import QueryOp
from ui.qt import QWidget

Shown = Callable[[PdfViewer], None] | None


def _open(parent: QWidget | None, session: SignedIn, body: Callable[[Any], Document], shown: Shown) -> None:
    def show(document: Document) -> None:
        viewer = PdfViewer(session, document=document, parent=parent)
        viewer.open()
        if shown is not None:
            shown(viewer)

    QueryOp(parent, body=body, success=show).run()


def open_consent_pdf(parent: QWidget | None, session: SignedIn, consent_id: UUID, *, client_id: UUID,
                     shown: Shown = None) -> None:
    actor, location = session.actor, session.location
    _open(parent, session, lambda store: consent_document(store, actor=actor, location=location,
                                                          client_id=client_id, consent_id=consent_id), shown)


def open_intake_pdf(parent: QWidget | None, session: SignedIn, intake_id: UUID, *, client_id: UUID,
                    shown: Shown = None) -> None:
    actor, location = session.actor, session.location
    _open(parent, session, lambda store: intake_document(store, actor=actor, location=location,
                                                         client_id=client_id, intake_id=intake_id), shown)


def open_treatment_pdf(parent: QWidget | None, session: SignedIn, treatment_id: UUID, *, shown: Shown = None) -> None:
    actor, location = session.actor, session.location
    _open(parent, session, lambda store: treatment_document(store, actor=actor, location=location,
                                                            treatment_id=treatment_id), shown)


def open_day_sheet(parent: QWidget | None, session: SignedIn, day: date, *, privacy: bool, shown: Shown = None) -> None:
    actor, location = session.actor, session.location
    _open(parent, session, lambda store: day_sheet_document(store, actor=actor, location=location, day=day,
                                                            privacy=privacy), shown)


__all__ = ["open_consent_pdf", "open_day_sheet", "open_intake_pdf", "open_treatment_pdf",
           "template_manager_action"]

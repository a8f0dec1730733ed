"""A signed form or record leaving the desk: printed, or saved as a copy. Both audited, with ids only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.records import AuditAction, AuditEvent
from medspa_desk.rules import UseCase
from medspa_desk.store import Actor, Store
from medspa_desk.store.files import write_atomic


class CopyNotSaved(DeskRefusal):
    """Saving a copy failed; the message says where and what to do."""


@dataclass(frozen=True)
class PrintedForm:
    """What the audit trail names a rendered form by: ids and a non-PHI detail, never its contents."""

    entity: str
    entity_id: UUID | None
    detail: str


def record_printing(store: Store, *, actor: Actor, form: PrintedForm) -> None:
    store.permit(actor, UseCase.PRINT_OR_SAVE_FORM, entity=form.entity, entity_id=form.entity_id)
    _audit(store, actor, AuditAction.PRINT, form)


def save_form_copy(store: Store, *, actor: Actor, form: PrintedForm, pdf: bytes, path: Path) -> None:
    """Write the PDF where the person chose (atomic, 0600) and audit it; a failed write is audited too."""
    store.permit(actor, UseCase.PRINT_OR_SAVE_FORM, entity=form.entity, entity_id=form.entity_id)
    try:
        write_atomic(path, pdf)
    except OSError as exc:
        _audit(store, actor, AuditAction.EXPORT, form, outcome="failed")
        raise CopyNotSaved(f"The copy could not be saved in {path.parent} "
                           f"({exc.strerror or type(exc).__name__}). Pick another folder.") from None
    _audit(store, actor, AuditAction.EXPORT, form)


def _audit(store: Store, actor: Actor, action: AuditAction, form: PrintedForm, *, outcome: str = "ok") -> None:
    with store.transaction():
        store.audit.record(AuditEvent(actor_user_id=actor.user_id, device_id=actor.device_id, action=action,
                                      entity=form.entity, entity_id=form.entity_id, detail=form.detail,
                                      outcome=outcome))

"""Sealing a signed form with the hash of its content, and checking the seal later.

A form is built with a placeholder hash first, because the record normalises
its fields (times to UTC, names stripped) on construction and the hash must
cover the stored values, not the ones that came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from medspa_desk.records import IntakeForm, SignedConsent, content_hash

UNSEALED = "0" * 64
Form = TypeVar("Form", IntakeForm, SignedConsent)


def seal(form: Form) -> Form:
    return form.model_copy(update={"content_sha256": content_hash(form.signed_content())})


@dataclass(frozen=True)
class TamperCheck:
    intact: bool
    recorded_sha256: str
    actual_sha256: str
    message: str


def verify_signed(form: IntakeForm | SignedConsent) -> TamperCheck:
    """Check a signed form against its recorded hash when it is opened.

    A mismatch means the stored form is not what was signed; the message says
    so plainly and what to do, and never shows the form's contents.
    """
    actual = content_hash(form.signed_content())
    kind = "intake form" if isinstance(form, IntakeForm) else "signed consent"
    if form.is_intact:
        message = f"This {kind} is unchanged since it was signed."
    else:
        message = (f"Warning: this {kind} has been altered since it was signed. Its contents no "
                   "longer match the signature record, so it cannot be relied on. Do not use it; "
                   "tell the practice manager, and have the client complete a new form.")
    return TamperCheck(intact=form.is_intact, recorded_sha256=form.content_sha256,
                       actual_sha256=actual, message=message)

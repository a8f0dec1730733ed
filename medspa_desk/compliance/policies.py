"""The policies and the training each person acknowledges in the app, with their versions.

A new version is a new text here (and a new ``version``): everyone signs again, and the binder shows who
has not. The text's SHA-256 is kept with each acknowledgment, so what was signed can be shown later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from medspa_desk.records import PolicyKind


@dataclass(frozen=True)
class Policy:
    kind: PolicyKind
    title: str
    version: str
    text: str
    every_days: int  # signed again after this many days (training is yearly)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


POLICIES: dict[PolicyKind, Policy] = {
    p.kind: p
    for p in (
        Policy(
            PolicyKind.TRAINING,
            "Security awareness training",
            "2026.1",
            (
                "I took the practice's security awareness training. I know that: my sign-in is mine alone and I "
                "never share it or my authenticator; I lock the workstation (Ctrl+L) whenever I step away; I open a "
                "client's record only when my work needs it, and every opening is recorded; I never send client "
                "information by personal email, text or a USB stick; a phone call or email asking for a client's "
                "information or for my password may be a trick, and I check who is asking; and I tell the manager "
                "at once about anything that looks wrong: a lost device, a letter sent to the wrong person, a "
                "screen someone should not have seen."
            ),
            365,
        ),
        Policy(
            PolicyKind.SECURITY_POLICY,
            "Privacy and security policy",
            "2026.1",
            (
                "I follow the practice's privacy and security policy: clients' information is used for their "
                "treatment, payment and the practice's operations only; anything else is disclosed only as the "
                "manager records it; records are kept in Medspa Desk, not on paper notes or personal devices; "
                "workstations stay locked when unattended and their screens face away from visitors."
            ),
            365,
        ),
        Policy(
            PolicyKind.SANCTION_POLICY,
            "Sanction policy",
            "2026.1",
            (
                "I understand that breaking the practice's privacy or security policies, on purpose or by "
                "carelessness, leads to sanctions in proportion to what happened: retraining, a written warning, "
                "suspension, or dismissal, and that a breach may also have to be reported to the client and to "
                "the authorities."
            ),
            365,
        ),
    )
}

"""A consent signed on the shipped text and saved in the store, as check-in would leave it."""

from __future__ import annotations

from typing import Any

from medspa_desk.documents.consents import shipped_templates, sign
from medspa_desk.records import Signature, SignedConsent, utc_now
from ui.operations import db_worker

SIGNATURE = Signature(width=400, height=120, strokes=(((10, 60), (120, 20), (260, 90), (380, 40)),))


def signed_consent(session: Any, client: Any, key: str = "neurotoxin") -> SignedConsent:
    consent = sign(shipped_templates()[key], client=client, signer_name=client.full_name, signature=SIGNATURE,
                   signed_at=utc_now(), witness=session.user)
    db_worker().run_sync(lambda store: store.sign_consent(consent, actor=session.actor))
    return consent

"""Treatment records as a role may read them: clinical detail withheld from the front desk.

The front desk sees that a treatment happened (date, service, provider,
whether it is signed) but not what was injected, where, which lots, the
laser settings, notes, photos or addenda. The store applies this to every
treatment it hands out, so no view can show what its reader may not see by
forgetting to filter.
"""

from __future__ import annotations

from typing import Any

from medspa_desk.clinical.access import may_read_clinical
from medspa_desk.records import Role, TreatmentRecord

# Every clinical field of a treatment, with the empty value it shows instead.
WITHHELD: dict[str, Any] = {"products": (), "points": (), "laser": (), "clinical_notes": "",
                            "post_care": "", "photo_ids": (), "addenda": ()}


def readable_by(role: Role, treatment: TreatmentRecord) -> TreatmentRecord:
    """``treatment`` itself for a clinical reader, otherwise a copy without its clinical fields."""
    if may_read_clinical(role):
        return treatment
    return treatment.model_copy(update=WITHHELD)


def withholds_from(role: Role) -> bool:
    return not may_read_clinical(role)

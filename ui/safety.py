"""How a safety fact looks (issue 15): a block apart from a warning, a warning apart from a note.

A block ("Do not treat today") is white on dark red, bold, and read first;
what a provider must settle (a review, a missing form) is an amber box; a
note for the provider is plain text with a grey rule. Check-in and the door
card use the same words and looks.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from medspa_desk.documents.gating import CheckInItem
from medspa_desk.documents.rules import Outcome

FINDING_WORDS = {Outcome.BLOCK: "Do not treat today", Outcome.PROVIDER_REVIEW: "A provider must review",
                 Outcome.WARN: "Note for the provider"}
BLOCK_STYLE = ("QLabel { background: #8b0f14; color: #ffffff; font-weight: bold; border: 2px solid #5c0a0d; "
               "border-radius: 4px; padding: 8px; }")
REVIEW_STYLE = ("QLabel { background: #fff4d6; color: #3b2a00; border: 1px solid #c99a00; "
                "border-radius: 4px; padding: 6px; }")
NOTE_STYLE = "QLabel { color: #2f3a45; border-left: 3px solid #8a949e; padding: 2px 6px; }"


class Severity(IntEnum):
    BLOCK = 0
    REVIEW = 1
    NOTE = 2


STYLES = {Severity.BLOCK: BLOCK_STYLE, Severity.REVIEW: REVIEW_STYLE, Severity.NOTE: NOTE_STYLE}


def severity(item: CheckInItem) -> Severity:
    if item.finding is not None and item.finding.outcome is Outcome.BLOCK:
        return Severity.BLOCK
    return Severity.REVIEW if item.blocks else Severity.NOTE


def by_severity(items: Iterable[CheckInItem]) -> list[CheckInItem]:
    """Blocks first, then what stops check-in, then notes (each group in its own order)."""
    return sorted(items, key=severity)


def finding_line(item: CheckInItem) -> str:
    """A contraindication says how serious it is, then its reason."""
    if item.finding is not None:
        return f"{FINDING_WORDS[item.finding.outcome]}. {item.message}"
    return item.message if item.blocks else f"Note: {item.message}"


def blocks_today(items: Iterable[CheckInItem]) -> list[str]:
    """The reasons not to treat today, for the banner read before anything else."""
    return [item.message for item in items if severity(item) is Severity.BLOCK]

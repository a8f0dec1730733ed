"""The minimum-ink check: a signature must be more than a dot or a stray tap."""

from __future__ import annotations

from medspa_desk.records import Signature

# Total stroke length as a share of the pad's width. A short handwritten name
# covers well over half the pad; a tap, a dot or a slip of the finger does not.
MINIMUM_INK_SHARE_OF_WIDTH = 0.4

TOO_LITTLE_INK = ("The signature is too small to count. Please sign your name across the pad; "
                  "use Clear to start again.")


def minimum_ink(signature: Signature) -> float:
    return signature.width * MINIMUM_INK_SHARE_OF_WIDTH


def has_enough_ink(signature: Signature) -> bool:
    return signature.ink_length >= minimum_ink(signature)

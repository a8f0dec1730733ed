"""What a use case says when it will not go ahead: plain sentences a view shows as they are."""

from __future__ import annotations


class DeskRefusal(Exception):
    """Base of the use cases' own refusals; ``str(error)`` never holds a value from a client's record."""


class TimeDoesNotExist(DeskRefusal, ValueError):
    """The wall time falls in the hour skipped when clocks spring forward."""


class NeedsConfirmation(DeskRefusal):
    """The booking looks wrong for the reasons given; book it again with ``confirmed=True`` to go ahead."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        self.reasons = reasons
        super().__init__("Please check before booking: " + " ".join(reasons)
                         + " Press “Book anyway” if it is right.")

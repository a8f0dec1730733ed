"""Products, a charted history and today's visit on the schedule desk (``ui.screen_tour``'s clinic)."""

from __future__ import annotations

from ui.screen_tour import LAST_NOTE, Clinic, open_clinic

__all__ = ["LAST_NOTE", "Clinic", "open_clinic"]

"""Booking and moving a visit, one idea per file.

- ``dialog``: the booking dialog (a new booking, or moving one with ``for_visit``).
- ``choices``: the services, providers, rooms and shifts it chooses from.
- ``new_client``: the compact form for a client not on file yet.
- ``slot``: what the chosen slot holds (clashes, blocked time) in words.
- ``repeat``: "Repeat every [N] week(s), [M] visits in all" and the dates it will book.
"""

from ui.booking.dialog import BookingDialog
from ui.booking.new_client import NewClientForm

__all__ = ["BookingDialog", "NewClientForm"]

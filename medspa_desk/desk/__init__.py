"""What a person does at the desk, in the clinic's words: one function per action.

Each use case takes the acting person, checks the clinic's table
(``medspa_desk.rules``; a refusal is audited), writes in one transaction with
its audit event, and returns the ``Changes`` the open views redraw. Views call
one use case per action and hold no rule of their own.

- ``visits``: book, reschedule, cancel, confirm, check in, send to a room, undo an arrival or a no-show,
  complete, mark no-show (``plausibility`` holds the booking's sanity checks).
- ``series``: book a visit repeated every N weeks, move or cancel a visit with the later ones of its series.
- ``clients``: add, change, export a client's record.
- ``charts``: save, sign, add an addendum.
- ``forms``: submit intake, sign consent, publish a consent version, override
  a missing form at check-in.
- ``practice``: set up the practice's reference data.
"""

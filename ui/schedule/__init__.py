"""The day schedule: the grid (one painted widget), the flow board, and the screen that holds them.

Import the screens from their own modules (``ui.schedule.day_view`` and the rest): this package file
imports nothing, so importing one of them never runs the others.
"""

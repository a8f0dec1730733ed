"""Intake and consent screens: the questionnaire, hand-to-client mode, consent templates, PDFs.

The entry points other screens use are in ``ui.forms.viewers``. This package file imports nothing, so
importing one screen of it never runs the others.
"""

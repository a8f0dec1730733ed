"""Medspa Desk client core. Never imports Qt."""

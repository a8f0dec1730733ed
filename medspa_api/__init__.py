"""Medspa Desk central API (FastAPI)."""

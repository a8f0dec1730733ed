"""Sync test fixtures: the real Secret Service keychain."""

from __future__ import annotations

from tests.support.sync_desks import secret_service

__all__ = ["secret_service"]

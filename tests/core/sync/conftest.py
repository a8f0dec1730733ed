"""Sync test fixtures: the real Secret Service keychain."""

from __future__ import annotations

from tests.core.sync.desks import secret_service

__all__ = ["secret_service"]

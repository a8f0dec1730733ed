"""The production secret check and the development key (no server needed)."""

from __future__ import annotations

import secrets

import pytest

from medspa_api.settings import Settings, SettingsError


@pytest.mark.parametrize("secret", [
    "a" * 32, "ab" * 16, "password" * 4, "Summer2024!" * 3, "a" * 16 + "b" * 16,
    "development-only-key-never-in-production", "short-but-random-8Kq2",
], ids=["one char", "two chars", "a word repeated", "a phrase repeated", "two runs", "old dev key", "short"])
def test_a_weak_or_patterned_secret_is_refused_outside_development(secret: str) -> None:
    with pytest.raises(SettingsError, match="MEDSPA_API_SECRET_KEY"):
        Settings(secret_key=secret)


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(48), lambda: secrets.token_urlsafe(24),
                                  lambda: secrets.token_hex(16)], ids=["urlsafe 48", "urlsafe 24", "hex 16 bytes"])
def test_random_secrets_pass(make) -> None:
    for _ in range(200):
        assert Settings(secret_key=make()).secret_key


def test_development_without_a_key_gets_a_random_one_per_process_not_one_from_the_source() -> None:
    first, second = Settings(environment="development"), Settings(environment="development")
    assert first.secret_key != second.secret_key
    assert len(first.secret_key) >= 32
    with pytest.raises(SettingsError):
        Settings(environment="production", secret_key=first.secret_key[:8])

"""Server settings, read from the environment.

A missing or well-known secret key is refused unless ``MEDSPA_API_ENV`` is
``development``: the key signs audit checkpoints, so a default one would let
anyone forge them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_URL = "sqlite:///medspa-api.db"
KNOWN_WEAK_SECRETS = frozenset({"", "change-me", "changeme", "secret", "development", "dev"})
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting that is missing or unsafe; the message says which and what to do."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str = DEFAULT_SQLITE_URL
    # The owner role's URL for migrations on PostgreSQL; the app URL otherwise.
    migration_url: str = ""
    # PostgreSQL: a role that reads past row-level security (BYPASSRLS) and may create the scratch
    # database restore-check uses; the owner and app roles cannot (RLS is forced on the owner too).
    backup_url: str = ""
    secret_key: str = ""
    environment: str = "production"
    access_token_ttl_s: int = 600
    session_idle_s: int = 30 * 60
    session_absolute_s: int = 12 * 60 * 60
    # A refresh token presented again this soon after its rotation, while the token that rotation
    # issued is still unused, is a retry after a lost answer rather than theft.
    refresh_grace_s: int = 30
    lockout_after_failures: int = 10
    lockout_s: int = 30 * 60
    address_max_failures: int = 50
    address_window_s: int = 15 * 60
    poll_interval_s: float = 0.5
    # Change streams (GET /sync/changes/stream): a comment line at least this often while nothing changes,
    # and how often open streams' sessions are checked for an end made by another server process.
    stream_heartbeat_s: float = 15.0
    stream_check_s: float = 1.0
    # The audit chain's HMAC key (MEDSPA_API_AUDIT_KEY or the first line of MEDSPA_API_AUDIT_KEY_FILE); when
    # unset, a key derived from secret_key. Never stored in the database. Earlier keys, and the secret keys
    # earlier derived keys came from, verify rows chained before a rotation (docs/operations.md).
    audit_key: str = ""
    audit_previous_keys: tuple[str, ...] = ()
    audit_previous_secrets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.environment != "development" and (
            self.secret_key.lower() in KNOWN_WEAK_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH
        ):
            raise SettingsError(
                "MEDSPA_API_SECRET_KEY is missing or too weak: set it to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters (for example `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or set MEDSPA_API_ENV=development on a test machine.")
        if self.environment != "development" and self.audit_key and (
            len(self.audit_key) < MIN_SECRET_LENGTH or self.audit_key == self.secret_key
        ):
            raise SettingsError(
                f"MEDSPA_API_AUDIT_KEY is too short or equals the secret key: set it to a different random value "
                f"of at least {MIN_SECRET_LENGTH} characters, or leave it unset to derive it from the secret key.")
        if self.environment == "development" and not self.secret_key:
            object.__setattr__(self, "secret_key", "development-only-key-never-in-production")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def maintenance_url(self) -> str:
        """The URL backup and restore-check connect with."""
        return self.backup_url or self.owner_url

    @property
    def owner_url(self) -> str:
        return self.migration_url or self.database_url

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        url = env.get("MEDSPA_API_DATABASE_URL", DEFAULT_SQLITE_URL)
        return cls(
            database_url=normalise_database_url(url),
            migration_url=normalise_database_url(env.get("MEDSPA_API_MIGRATION_URL", "")),
            backup_url=normalise_database_url(env.get("MEDSPA_API_BACKUP_URL", "")),
            secret_key=env.get("MEDSPA_API_SECRET_KEY", ""),
            environment=env.get("MEDSPA_API_ENV", "production"),
            **_audit_keys(env),
        )


def normalise_database_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3; a bare path means a SQLite file."""
    if not url:
        return ""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    return url


def _audit_keys(env: dict[str, str] | os._Environ[str]) -> dict[str, object]:
    """The audit chain keys from the environment or a key file (current key first, earlier keys after)."""
    lines: list[str] = []
    if path := env.get("MEDSPA_API_AUDIT_KEY_FILE", ""):
        try:
            lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        except OSError as exc:
            raise SettingsError(f"MEDSPA_API_AUDIT_KEY_FILE {path} cannot be read ({exc.strerror}); check the path "
                                "and that the service's user may read it.") from exc
    named = env.get("MEDSPA_API_AUDIT_KEY", "")
    current = named or (lines[0] if lines else "")
    # With the key named in the environment too, every line of the file is an earlier key.
    previous = [*(lines if named else lines[1:]), *env.get("MEDSPA_API_AUDIT_PREVIOUS_KEYS", "").replace(",", " ").split()]
    secrets = env.get("MEDSPA_API_AUDIT_PREVIOUS_SECRETS", "").replace(",", " ").split()
    return {"audit_key": current, "audit_previous_keys": tuple(previous), "audit_previous_secrets": tuple(secrets)}

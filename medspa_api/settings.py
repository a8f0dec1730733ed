"""Server settings, read from the environment.

A missing, well-known or low-entropy secret key is refused unless
``MEDSPA_API_ENV`` is ``development``: the key signs audit checkpoints, so a
default or guessable one would let anyone forge them. Development without a key
gets a random one per process; no key is written in the source.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_URL = "sqlite:///medspa-api.db"
# The last is the development key earlier versions had in this file: a copied config must not keep it.
KNOWN_WEAK_SECRETS = frozenset({"", "change-me", "changeme", "secret", "development", "dev",
                                "development-only-key-never-in-production"})
MIN_SECRET_LENGTH = 32
POOLERS = frozenset({"", "transaction"})
# Estimated from the characters' frequencies: 32 random URL-safe characters give about 145 bits,
# 32 random hex digits about 115 (never below 90 in 200,000 draws); 32 repeats of one character none.
MIN_SECRET_BITS = 80


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
    # A session's length is the practice's switch window (tenant_policies), not a setting here.
    # A refresh token presented again this soon after its rotation, while the token that rotation
    # issued is still unused, is a retry after a lost answer rather than theft.
    refresh_grace_s: int = 30
    lockout_after_failures: int = 10
    lockout_s: int = 30 * 60
    # Each failure past the lockout count doubles the lock, up to this (per-account backoff).
    lockout_max_s: int = 24 * 60 * 60
    address_max_failures: int = 50
    address_window_s: int = 15 * 60
    poll_interval_s: float = 0.5
    # PostgreSQL: other processes' pushes are heard through LISTEN/NOTIFY; the per-tenant poll then
    # runs only this often, as a safety net. The LISTEN connection needs a direct URL when
    # database_url goes through a transaction-mode pooler (PgBouncer); default: database_url.
    notify_database_url: str = ""
    # "transaction" when database_url goes through a transaction-mode pooler (PgBouncer).
    database_pooler: str = ""
    notify_fallback_poll_s: float = 10.0
    # Change streams (GET /sync/changes/stream): a comment line at least this often while nothing changes,
    # and how often open streams' sessions are checked for an end made by another server process.
    stream_heartbeat_s: float = 15.0
    stream_check_s: float = 1.0
    # Reverse proxies (addresses or networks) whose X-Forwarded-For is believed; none by default, so a
    # client cannot choose the address the audit records and the sign-in limit counts.
    trusted_proxies: tuple[str, ...] = ()
    # The audit chain's HMAC key (MEDSPA_API_AUDIT_KEY or the first line of MEDSPA_API_AUDIT_KEY_FILE); when
    # unset, a key derived from secret_key. Never stored in the database. Earlier keys, and the secret keys
    # earlier derived keys came from, verify rows chained before a rotation (docs/operations.md).
    audit_key: str = ""
    audit_previous_keys: tuple[str, ...] = ()
    audit_previous_secrets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.environment != "development" and (
            self.secret_key.lower() in KNOWN_WEAK_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH
            or not looks_random(self.secret_key)
        ):
            raise SettingsError(
                "MEDSPA_API_SECRET_KEY is missing or too weak: set it to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters, not a word or a pattern (for example `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or set MEDSPA_API_ENV=development on a test machine.")
        if self.database_pooler not in POOLERS:
            raise SettingsError(f"MEDSPA_API_DATABASE_POOLER must be one of {', '.join(sorted(POOLERS - {''}))} "
                                f"or unset, not {self.database_pooler!r}.")
        object.__setattr__(self, "trusted_proxies", tuple(_proxy_network(p) for p in self.trusted_proxies))
        if self.environment != "development" and self.audit_key and (
            len(self.audit_key) < MIN_SECRET_LENGTH or self.audit_key == self.secret_key
        ):
            raise SettingsError(
                f"MEDSPA_API_AUDIT_KEY is too short or equals the secret key: set it to a different random value "
                f"of at least {MIN_SECRET_LENGTH} characters, or leave it unset to derive it from the secret key.")
        if self.environment == "development" and not self.secret_key:
            # Random per process: checkpoints signed in development do not verify after a restart.
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))

    @property
    def behind_pooler(self) -> bool:
        return self.database_pooler == "transaction"

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
            notify_database_url=normalise_database_url(env.get("MEDSPA_API_NOTIFY_DATABASE_URL", "")),
            notify_fallback_poll_s=_seconds(env, "MEDSPA_API_NOTIFY_FALLBACK_POLL_S", 10.0),
            database_pooler=env.get("MEDSPA_API_DATABASE_POOLER", "").strip().lower(),
            trusted_proxies=tuple(p.strip() for p in env.get("MEDSPA_API_TRUSTED_PROXIES", "").split(",") if p.strip()),
            **_audit_keys(env),
        )

    def forwarded_options(self) -> dict[str, object]:
        """uvicorn's settings for X-Forwarded-For: honoured only from ``trusted_proxies``."""
        if not self.trusted_proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": list(self.trusted_proxies)}


def looks_random(secret: str) -> bool:
    """Whether ``secret`` carries at least MIN_SECRET_BITS by its character frequencies and repeats no unit.

    A repeat is a period of at most half the length ("Summer2024!Summer2024!Summer20…"), whose characters
    alone could look varied enough.
    """
    counts = Counter(secret)
    bits = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    repeated = any(secret[period:] == secret[:-period] for period in range(1, len(secret) // 2 + 1))
    return bits >= MIN_SECRET_BITS and not repeated


def _proxy_network(value: str) -> str:
    """A trusted proxy as a canonical address or network; SettingsError for anything else (``*`` too)."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise SettingsError(f"MEDSPA_API_TRUSTED_PROXIES has {value[:60]!r}, which is not an IP address or network. "
                            "List the reverse proxies' addresses, separated by commas (for example "
                            "`10.0.0.5,10.0.1.0/24`), or leave it empty when clients connect directly.") from None
    if network.prefixlen == 0:
        raise SettingsError("MEDSPA_API_TRUSTED_PROXIES must name the reverse proxies, not every address: "
                            f"{value!r} would let any client choose the address it is recorded under.")
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {text!r}.") from None
    if not 0.05 <= value <= 3600:
        raise SettingsError(f"{name} must be between 0.05 and 3600 seconds, not {text!r}.")
    return value


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

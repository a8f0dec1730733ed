"""Opaque bearer tokens.

Tokens are random (256 bits) and stored only as SHA-256 hashes, rather than
signed JWTs: signing-out, disabling a user or revoking a device deletes or
ends rows and takes effect on the very next request, with no key to manage
and no algorithm to get wrong. The tenant id leads the token so the server can
set the tenant for row-level security before it looks the token up.
"""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID


class MalformedToken(ValueError):
    pass


def new_token(tenant_id: UUID) -> str:
    return f"{tenant_id.hex}.{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tenant_of(token: str) -> UUID:
    prefix, _, rest = token.partition(".")
    if len(prefix) != 32 or len(rest) < 20:
        raise MalformedToken("not a Medspa Desk token")
    try:
        return UUID(hex=prefix)
    except ValueError as exc:
        raise MalformedToken("not a Medspa Desk token") from exc

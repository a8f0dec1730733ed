"""Consent templates (shipped and practice-written) and signing them.

Shipped templates are Markdown files in ``resources/consents/`` with a short
header (key, version, title, requires_witness). A manager can import the
practice's own wording; that publishes a new version and never changes an old
one, and every signed consent carries a copy of the exact text it was signed
on, so an old form still reads as it did the day it was signed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from uuid import UUID, uuid5

from pydantic import ValidationError

from medspa_desk.documents.ink import TOO_LITTLE_INK, has_enough_ink
from medspa_desk.documents.resources import CONSENTS_DIR
from medspa_desk.documents.sealing import UNSEALED, seal
from medspa_desk.documents.validity import consent_is_current, latest_consent
from medspa_desk.records import Client, ConsentTemplate, Signature, SignedConsent, User

__all__ = ["ConsentFileError", "SigningRefused", "TemplateRefused", "consent_is_current",
           "import_template_text", "latest_consent", "load_template_file", "shipped_templates", "sign"]

# Shipped templates get the same id on every workstation, so two desks that
# load version 1 of "neurotoxin" sync one record, not two.
SHIPPED_TEMPLATE_NAMESPACE = UUID("6f1d7a52-3c0e-4b8e-9d7e-2a51c0f4e1b3")
SHIPPED_AT = datetime(2025, 1, 1, tzinfo=UTC)
MAX_BODY = 100_000
_KEY = re.compile(r"^[a-z0-9_]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ConsentFileError(ValueError):
    """A shipped consent file that cannot be used; the message names the file."""


class TemplateRefused(ValueError):
    """Imported consent text that cannot be published; the message says what to fix."""


class SigningRefused(ValueError):
    """A signature that cannot be accepted; the message is for the person at the desk."""


def load_template_file(path: Path) -> ConsentTemplate:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConsentFileError(f"the consent file {path.name} is not UTF-8 text; save it as UTF-8 "
                               "(plain text) and try again") from exc
    header, body = _split_front_matter(text, name=path.name)
    for field in ("key", "version", "title"):
        if field not in header:
            raise ConsentFileError(f"the consent file {path.name} has no '{field}:' line in its header")
    if not header["version"].isdigit():
        raise ConsentFileError(f"the consent file {path.name}: version must be a whole number")
    witness = header.get("requires_witness", "false").lower()
    if witness not in {"true", "false"}:
        raise ConsentFileError(f"the consent file {path.name}: requires_witness must be true or false")
    key, version = header["key"], int(header["version"])
    try:
        return ConsentTemplate(id=uuid5(SHIPPED_TEMPLATE_NAMESPACE, f"{key}/{version}"),
                               updated_at=SHIPPED_AT, key=key, template_version=version,
                               title=header["title"], body=_clean_body(body),
                               requires_witness=witness == "true")
    except (ValidationError, TemplateRefused) as exc:
        raise ConsentFileError(f"the consent file {path.name} is not usable: {_first_error(exc)}") from exc


def _split_front_matter(text: str, *, name: str) -> tuple[dict[str, str], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise ConsentFileError(f"the consent file {name} must start with a header between '---' lines")
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    header: dict[str, str] = {}
    for line in lines[1:end]:
        field, sep, value = line.partition(":")
        if not sep:
            raise ConsentFileError(f"the consent file {name}: header line {line!r} should be 'name: value'")
        header[field.strip()] = value.strip()
    return header, "\n".join(lines[end + 1:])


@cache
def shipped_templates(directory: Path = CONSENTS_DIR) -> dict[str, ConsentTemplate]:
    """The shipped templates by key (the newest version of each)."""
    templates: dict[str, ConsentTemplate] = {}
    for path in sorted(directory.glob("*.md")):
        template = load_template_file(path)
        current = templates.get(template.key)
        if current is None or template.template_version > current.template_version:
            templates[template.key] = template
    return templates


def _clean_body(text: str) -> str:
    body = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
    if not body:
        raise TemplateRefused("the consent text is empty; paste the full text of the form")
    if len(body) > MAX_BODY:
        raise TemplateRefused(f"the consent text is {len(body):,} characters; the limit is {MAX_BODY:,}. "
                              "Split it into separate forms")
    if _CONTROL.search(body):
        raise TemplateRefused("the consent text contains invisible control characters, usually from a "
                              "copy and paste; paste it as plain text and try again")
    return body


def import_template_text(key: str, title: str, text: str, *, previous: ConsentTemplate | None,
                         requires_witness: bool | None = None,
                         published_by: UUID | None = None) -> ConsentTemplate:
    """Publish the practice's own wording as the next version of a consent.

    ``previous`` is the newest version of ``key`` (None for a brand-new form).
    The old version stays as it was; forms signed on it keep its text.
    """
    key = key.strip()
    if not _KEY.fullmatch(key) or len(key) > 64:
        raise TemplateRefused("the form key may use only lower-case letters, digits and '_' "
                              "(for example lip_filler), up to 64 characters")
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise TemplateRefused("give the form a title of 1 to 200 characters")
    body = _clean_body(text)
    if previous is not None:
        if previous.key != key:
            raise TemplateRefused(f"this text is being published as {key!r} but the previous version "
                                  f"belongs to {previous.key!r}")
        if previous.body == body and previous.title == title and (
                requires_witness is None or requires_witness == previous.requires_witness):
            raise TemplateRefused("this text is the same as the current version; nothing to publish")
    return ConsentTemplate(key=key, template_version=(previous.template_version + 1) if previous else 1,
                           title=title, body=body, published_by=published_by,
                           requires_witness=(requires_witness if requires_witness is not None
                                             else bool(previous and previous.requires_witness)))


def sign(template: ConsentTemplate, *, client: Client, signer_name: str, signature: Signature,
         signed_at: datetime, witness: User | None, appointment_id: UUID | None = None) -> SignedConsent:
    """A signed consent holding the template's text, sealed with the hash of what was signed."""
    if client.deleted:
        raise SigningRefused("this client's record has been removed; a consent cannot be signed for it")
    name = " ".join(signer_name.split())
    if not name:
        raise SigningRefused("Type your full name above your signature.")
    if len(name) > 200:
        raise SigningRefused("The typed name is too long; type just your full name.")
    if not has_enough_ink(signature):
        raise SigningRefused(TOO_LITTLE_INK)
    if signed_at.tzinfo is None:
        raise SigningRefused("the signing time has no time zone; this is a fault in the app, please report it")
    if template.requires_witness and witness is None:
        raise SigningRefused(f"'{template.title}' needs a staff witness; a member of staff must sign in "
                             "as witness before the client signs")
    if witness is not None and not witness.active:
        raise SigningRefused("the witness's account is not active; another member of staff must witness")
    unsealed = SignedConsent(client_id=client.id, appointment_id=appointment_id, template_id=template.id,
                             template_key=template.key, template_version=template.template_version,
                             title=template.title, body=template.body, signer_name=name,
                             signature=signature, signed_at=signed_at,
                             witness_user_id=witness.id if witness else None,
                             witness_name=witness.display_name if witness else "",
                             content_sha256=UNSEALED)
    return seal(unsealed)


def _first_error(exc: ValidationError | TemplateRefused) -> str:
    if isinstance(exc, TemplateRefused):
        return str(exc)
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def latest_templates(stored: Iterable[ConsentTemplate]) -> dict[str, ConsentTemplate]:
    """The newest version of each consent; the shipped texts fill in any the practice has not published."""
    latest: dict[str, ConsentTemplate] = dict(shipped_templates())
    for template in stored:
        current = latest.get(template.key)
        if current is None or template.template_version >= current.template_version:
            latest[template.key] = template
    return latest

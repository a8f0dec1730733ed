"""Turning what a receptionist types into an FTS5 query.

Every word becomes a prefix term and all must match ("ma 555" = first or last
name starting "ma" AND a phone starting "555"). Phone punctuation is dropped
("(555)" → 555, "555-12" → 55512); dates typed as 3/14/1985 or 1985-03-14
become the compact forms the index holds. Only letters and digits reach the
query, so nothing typed can inject FTS5 syntax.
"""

from __future__ import annotations

import re

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}))?$")
_PHONE_PUNCTUATION = re.compile(r"[()\-.+/]")
_WORD_PIECES = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def search_terms(text: str) -> list[str]:
    """The prefix terms for ``text``: lowercase letters/digits only, at most :data:`MAX_TERMS`."""
    terms: list[str] = []
    for word in text.split():
        terms.extend(_terms_of(word))
    return terms[:MAX_TERMS]


def _terms_of(word: str) -> list[str]:
    iso = _ISO_DATE.match(word)
    if iso:
        year, month, day = iso.groups()
        return [f"{year}{int(month):02d}{int(day):02d}"]
    us = _US_DATE.match(word)
    if us:
        month, day, year = us.groups()
        return [f"{int(month):02d}{int(day):02d}{year or ''}"]
    digits = _PHONE_PUNCTUATION.sub("", word)
    if digits.isdigit():
        return [digits]
    return [piece.lower() for piece in _WORD_PIECES.findall(word) if piece != "_"]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression, or ``None`` when nothing searchable was typed."""
    terms = search_terms(text)
    if not terms:
        return None
    return " ".join(f'"{term}"*' for term in terms)

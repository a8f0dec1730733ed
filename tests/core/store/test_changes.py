"""Changes: what views redraw; a long pull combines hundreds of pages' worth at its end."""

from __future__ import annotations

from datetime import date
from functools import reduce
from operator import or_
from uuid import uuid4

from medspa_desk.store.changes import Changes


def test_combining_many_pages_gives_what_folding_them_one_by_one_gives() -> None:
    location = uuid4()
    parts = [Changes(days=frozenset({(location, date(2026, 11, 1 + n % 20))}),
                     clients=frozenset({uuid4() for _ in range(5)}),
                     reference=n == 7, conflicts=n == 11) for n in range(40)]

    combined = Changes.combined(parts)

    assert combined == reduce(or_, parts)
    assert len(combined.clients) == 200 and len(combined.days) == 20
    assert combined.reference and combined.conflicts
    assert Changes.combined(parts[:1]) is parts[0]
    assert not Changes.combined([Changes(), Changes()]).reference

"""Changes: what views redraw; a long pull combines hundreds of pages' worth at its end."""

from __future__ import annotations

from datetime import date
from functools import reduce
from operator import or_
from uuid import uuid4

from medspa_desk.store.changes import MOST_CLIENTS_NAMED, Changes


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


def test_past_the_named_limit_a_combination_says_everything_changed_instead_of_naming_clients() -> None:
    pages = [Changes(clients=frozenset({uuid4() for _ in range(1000)})) for _ in range(MOST_CLIENTS_NAMED // 1000 + 1)]

    combined = Changes.combined(pages)

    assert combined.everything and not combined.clients and not combined.empty
    assert (combined | Changes(clients=frozenset({uuid4()}))).everything
    assert not Changes.combined(pages[:2]).everything

"""Retries back off exponentially, with jitter, up to a ceiling."""

from __future__ import annotations

import random

from medspa_desk.sync.backoff import Backoff


def test_delays_double_within_jitter_and_stop_growing_at_the_ceiling() -> None:
    backoff = Backoff(first_s=1.0, longest_s=16.0, rng=random.Random(4))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [1, 2, 4, 8, 16, 16, 16, 16]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_two_workstations_do_not_retry_in_lockstep() -> None:
    first = Backoff(rng=random.Random(1))
    second = Backoff(rng=random.Random(2))
    assert [first.next_delay() for _ in range(5)] != [second.next_delay() for _ in range(5)]


def test_a_success_starts_the_backoff_over() -> None:
    backoff = Backoff(first_s=1.0, longest_s=60.0, rng=random.Random(3))
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 1.0

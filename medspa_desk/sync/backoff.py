"""When to try again after a failure: exponential backoff with jitter.

Jitter keeps a clinic's workstations from all knocking at once when the line
comes back. The delay is drawn between half and all of the capped exponential.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    first_s: float = 1.0
    longest_s: float = 60.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        ceiling = min(self.longest_s, self.first_s * 2 ** self.failures)
        self.failures += 1
        return self.rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0

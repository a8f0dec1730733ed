"""Started by every Python process of a date-shifted test run (tests/support/shifted_clock.py).

Self-contained: a child process may start in any folder, where ``tests`` is not importable.
"""

import os

if os.environ.get("MEDSPA_TEST_CLOCK_SHIFT_S"):
    import time

    import time_machine

    time_machine.travel(time.time() + float(os.environ["MEDSPA_TEST_CLOCK_SHIFT_S"]), tick=True).start()

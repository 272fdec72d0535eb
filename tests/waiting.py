"""Waiting for a condition in another process, rather than for a guess at how long it takes."""

import time

# Generous for a loaded CI machine (two cores shared by several suites): what the tests wait
# for takes a second or two here; a condition that never comes still fails, with what was seen.
DEADLINE_SECONDS = 120


def eventually(observe, until=bool, *, what: str, seconds: float = DEADLINE_SECONDS, every: float = 0.2):
    """observe() again and again until `until` holds for what it returns; returns that value."""
    deadline = time.monotonic() + seconds
    while True:
        seen = observe()
        if until(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}; last seen: {seen!r}"[:3000])
        time.sleep(every)

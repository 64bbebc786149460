"""Hypothesis profile of the property tests: deterministic (derandomised, no
example database, no deadline), so a CI run draws the same examples every time.

The per-test ``max_examples`` keep the whole folder small (a few seconds each).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "gvc-property",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=(HealthCheck.too_slow,),
)
settings.load_profile("gvc-property")

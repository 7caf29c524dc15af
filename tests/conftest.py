"""Settings every test package shares.

Hypothesis: CI runs on a 2-core machine shared with other work, so example generation can be slow
for reasons that say nothing about the code; a per-example deadline or the too_slow health check
would then fail a correct test. Properties still run their full number of examples."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared-machine")

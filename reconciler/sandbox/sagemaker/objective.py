"""The objective metric a simulated training job reports: a documented, deterministic function.

Contract (tests rely on it to predict the best training job):

    loss  = mean over the tuned ranges r of penalty_r          (0 when nothing is tuned)
    penalty_r = (position_r(value) - optimum_r) ** 2  for Integer/Continuous ranges
              = rank_r(value) / len(values) * 0.25     for Categorical ranges
    optimum_r = a fixed point in [0, 1] derived from the hyperparameter name (`optimum(name)`)
    rank_r    = the value's rank when the range's values are ordered by `_unit(name + "=" + value)`
    noise     = uniform in [-NOISE, +NOISE], seeded by (seed, tuning job name, training job index)
    Minimize objectives: value = 0.05 + 0.5 * loss + noise
    Maximize objectives: value = 0.95 - 0.5 * loss + noise
rounded to 6 decimals. So with the same seed a run is reproducible, and the best job is the one
whose hyperparameters sit closest to the optima (ties broken by noise).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from reconciler.sandbox.sagemaker.ranges import ParamRange

NOISE = 0.005


def _unit(text: str) -> float:
    """A stable pseudo-random number in [0, 1) for `text`."""
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def optimum(name: str) -> float:
    """Where in its range (as a position in [0, 1]) hyperparameter `name` is best."""
    return 0.15 + 0.7 * _unit("optimum:" + name)


def penalty(r: ParamRange, *, value: str) -> float:
    if r.kind == "Categorical":
        ranked = sorted(r.values, key=lambda v: _unit(r.name + "=" + v))
        return (ranked.index(value) / len(ranked)) * 0.25 if value in ranked else 0.25
    return (r.position(value) - optimum(r.name)) ** 2


def loss(ranges: Sequence[ParamRange], *, tuned: Mapping[str, str]) -> float:
    scored = [penalty(r, value=tuned[r.name]) for r in ranges if r.name in tuned]
    return sum(scored) / len(scored) if scored else 0.0


def objective_value(
    *,
    ranges: Sequence[ParamRange],
    tuned: Mapping[str, str],
    objective_type: str,
    seed: int,
    tuning_job_name: str,
    index: int,
) -> float:
    noise = (2 * _unit(f"noise:{seed}:{tuning_job_name.lower()}:{index}") - 1) * NOISE
    base = loss(ranges, tuned=tuned)
    value = 0.95 - 0.5 * base + noise if objective_type == "Maximize" else 0.05 + 0.5 * base + noise
    return round(value, 6)


def is_better(a: float, b: float, *, objective_type: str) -> bool:
    return a > b if objective_type == "Maximize" else a < b


def round_metric(final: float, *, round_index: int, rounds_total: int, objective_type: str) -> float:
    """The objective as logged after round `round_index` (0-based); the last round logs `final`."""
    gap = 0.1 * (rounds_total - 1 - round_index) / max(1, rounds_total)
    return round(final - gap if objective_type == "Maximize" else final + gap, 6)


# BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving counts "training jobs that have
# failed to improve model performance by 1% or greater over prior training jobs" (SageMaker API
# reference, BestObjectiveNotImproving; the same text ships in botocore's model).
SIGNIFICANT_IMPROVEMENT = 0.01


def improves_significantly(new: float, best: float, *, objective_type: str) -> bool:
    """`new` beats `best` by 1% of |best| or more (any strict improvement when best is 0)."""
    gain = new - best if objective_type == "Maximize" else best - new
    return gain > 0 and gain >= SIGNIFICANT_IMPROVEMENT * abs(best)

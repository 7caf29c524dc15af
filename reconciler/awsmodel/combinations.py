"""How many distinct hyperparameter combinations a search space holds, and SageMaker's rules on that count.

Contract (pure, API form: the PascalCase `ParameterRanges` / `HyperParameterRanges` structure of a
CreateHyperParameterTuningJob request; values as the API carries them, strings):
- `combinations(ranges)` is the number of distinct combinations, or None when a continuous range
  makes it unbounded; an empty search space has 1 (the one job with only static hyperparameters).
  An integer range [a, b] holds b - a + 1 values, a categorical range its distinct values.
- `grid_max_jobs_problem(ranges, max_jobs)` is the message SageMaker's Grid rule gives, or None.
- `not_enough_combinations_problem(ranges, max_jobs)` is the message of the rule for the other
  strategies, or None.
One implementation for every caller: the simulator's create-time checks
(`reconciler.sandbox.sagemaker.semantic`), the reconciler's request builder (`reconciler.spec.desired`)
and, later, `validate`.
Raises nothing for ranges that passed the API model check; a MinValue or MaxValue that does not
parse as an integer makes the count unknown (None), since another rule reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GRID_STRATEGY = "Grid"


def combinations(ranges: Mapping[str, Any] | None) -> int | None:
    ranges = ranges or {}
    if ranges.get("ContinuousParameterRanges"):
        return None
    count = 1
    for r in ranges.get("IntegerParameterRanges") or []:
        try:
            low, high = int(r["MinValue"]), int(r["MaxValue"])
        except (KeyError, TypeError, ValueError):
            return None
        count *= max(0, high - low + 1)
    for r in ranges.get("CategoricalParameterRanges") or []:
        count *= len(set(r.get("Values") or []))
    return count


def grid_max_jobs_problem(ranges: Mapping[str, Any] | None, max_jobs: int | None) -> str | None:
    """Grid's rule on ResourceLimits.MaxNumberOfTrainingJobs.

    Source: SageMaker developer guide, "How hyperparameter tuning works" (automatic-model-tuning-
    how-it-works.html, Grid search): for Grid you do not need to specify MaxNumberOfTrainingJobs;
    the number of training jobs is the number of distinct categorical combinations, and if
    MaxNumberOfTrainingJobs is specified it should equal that number. The guide does not say how
    SageMaker answers a mismatch; the stricter behaviour is chosen here: reject it (a shortened or
    padded grid is never run silently).
    """
    if max_jobs is None:
        return None
    count = combinations(ranges)
    if count is None or count == max_jobs:
        return None
    return (
        f"For the Grid strategy, MaxNumberOfTrainingJobs ({max_jobs}) must equal the number of distinct "
        f"combinations of the categorical parameter ranges ({count}). Set it to {count}, or leave it "
        "out to run the whole grid."
    )


def not_enough_combinations_problem(ranges: Mapping[str, Any] | None, max_jobs: int | None) -> str | None:
    """The rule for Random, Bayesian and Hyperband: a finite search space covers MaxNumberOfTrainingJobs.

    The wording is SageMaker's own ValidationException text (it names the limit MaxNumberOfJobs and
    prints the count as a float), as issue reports of real responses quote it.
    """
    ranges = ranges or {}
    kinds = ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges")
    if max_jobs is None or not any(ranges.get(kind) for kind in kinds):
        return None
    count = combinations(ranges)
    if count is None or count >= max_jobs:
        return None
    return (
        "You don't have enough combinations of hyperparameter ranges. The total number of "
        f"hyperparameter combinations for the provided ranges [{float(count)}] must be equal or "
        f"greater than the value of MaxNumberOfJobs, [{max_jobs}]. Provide additional ranges."
    )

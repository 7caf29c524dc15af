"""Hyperparameter values for the next training job of a tuning job, per the tuning strategy.

Contract: `draw(...)` returns {name: value-string} for every declared range, values inside the
range and on its scaling. Strategies:
- Random and Hyperband: each position uniform in [0, 1] (Hyperband's early stops live in lifecycle).
- Bayesian: the first 3 jobs as Random; after that, 70% of draws perturb the best job so far
  (Gaussian, sigma 0.1 in position space), 30% explore at random -- enough to make later jobs
  tend to improve, as a Bayesian tuner does.
- Grid: job i takes the i-th combination of the categorical values (itertools.product order);
  `grid_size` is how many combinations there are.
All randomness comes from the `rng` the caller seeds, so runs are reproducible.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence

from reconciler.sandbox.sagemaker.ranges import ParamRange

BAYESIAN_WARMUP = 3


def grid_size(ranges: Sequence[ParamRange]) -> int:
    return math.prod(len(r.values) for r in ranges if r.kind == "Categorical")


def draw(
    *,
    strategy: str,
    ranges: Sequence[ParamRange],
    index: int,
    rng: random.Random,
    best_so_far: Mapping[str, str] | None,
    launched: int,
) -> dict[str, str]:
    if strategy == "Grid":
        combos = itertools.product(*(r.values for r in ranges))
        combo = next(itertools.islice(combos, index, None))
        return {r.name: v for r, v in zip(ranges, combo, strict=True)}
    if strategy == "Bayesian" and best_so_far and launched >= BAYESIAN_WARMUP and rng.random() < 0.7:
        return {
            r.name: r.value_at(r.position(best_so_far[r.name]) + rng.gauss(0.0, 0.1))
            if r.name in best_so_far
            else r.value_at(rng.random())
            for r in ranges
        }
    return {r.name: r.value_at(rng.random()) for r in ranges}

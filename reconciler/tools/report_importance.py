"""Hyperparameter importance for the report: rank association between each hyperparameter and the objective.

Contract (pure): `importance(report)` returns one `Importance` per tuned hyperparameter that at least
`MIN_RUNS` scored training jobs (this job's and warm-start parents') carry, most important first.
The measure is chosen to be defensible on the few dozen training jobs a tuning job has, without
fitting a model:
- numeric hyperparameters (continuous, integer): |Spearman's rho| between the value and the
  objective -- monotone association, unaffected by log or linear scaling of the range;
- categorical ones: the correlation ratio eta = sqrt(SS_between / SS_total) of the objective's
  ranks grouped by value (the effect size behind Kruskal-Wallis).
Both lie in [0, 1] (0: no association). Ties get average ranks. A hyperparameter with fewer than
`MIN_RUNS` scored values, or whose values or objectives are all equal, has no score (None) and is
listed last. This is not fANOVA: it misses interactions and non-monotone effects of numeric values;
the report says so next to the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.tools.report_model import Report

MIN_RUNS = 3
METHOD = (
    "rank association with the objective: |Spearman's rho| for numeric hyperparameters, the "
    "correlation ratio of objective ranks for categorical ones (0 = none, 1 = perfect; no interactions)"
)


@dataclass(frozen=True)
class Importance:
    name: str
    score: float | None
    runs: int  # scored training jobs the score is computed from


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks with ties averaged."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho (Pearson correlation of the ranks); None when either side is constant."""
    return _pearson(ranks(x), ranks(y))


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def correlation_ratio(groups: Sequence[str], y: Sequence[float]) -> float | None:
    """eta of the ranks of `y` grouped by `groups`; None with one group or constant `y`."""
    r = ranks(y)
    mean = sum(r) / len(r)
    total = sum((v - mean) ** 2 for v in r)
    by_group: dict[str, list[float]] = {}
    for group, value in zip(groups, r, strict=True):
        by_group.setdefault(group, []).append(value)
    if total == 0 or len(by_group) < 2:
        return None
    between = sum(len(v) * (sum(v) / len(v) - mean) ** 2 for v in by_group.values())
    return math.sqrt(between / total)


def importance(report: Report) -> list[Importance]:
    """Every tuned hyperparameter's score (see module doc), most important first, unscored last."""
    out: list[Importance] = []
    for hp in report.ranges:
        runs = [r for r in report.scored if hp.name in r.hyperparameters]
        objectives = [r.objective for r in runs if r.objective is not None]
        score: float | None = None
        if hp.kind == "categorical":
            if len(runs) >= MIN_RUNS:
                score = correlation_ratio([r.hyperparameters[hp.name] for r in runs], objectives)
        else:
            pairs = [
                (v, r.objective)
                for r in runs
                if (v := r.numeric(hp.name)) is not None and r.objective is not None
            ]
            if len(pairs) >= MIN_RUNS:
                rho = spearman([p[0] for p in pairs], [p[1] for p in pairs])
                score = abs(rho) if rho is not None else None
            runs = [r for r in runs if r.numeric(hp.name) is not None]
        out.append(Importance(name=hp.name, score=score, runs=len(runs)))
    return sorted(out, key=lambda i: (i.score is None, -(i.score or 0.0), i.name))

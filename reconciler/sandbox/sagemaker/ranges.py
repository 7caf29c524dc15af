"""Hyperparameter ranges of a tuning request, and the map between a value and its position in [0, 1].

Contract: `parse_ranges(ParameterRanges)` gives one `ParamRange` per declared range (in request
order: integer, continuous, categorical). For numeric ranges the position is measured on the
range's scaling (Logarithmic: on log(value); ReverseLogarithmic: on log(1 - value); Linear and Auto:
on the value itself); for categorical ranges it is the value's index / (number of values - 1).
`value_at(position)` is the inverse and renders values the way SageMaker's tuner passes them
(integers as "12", floats with up to 10 significant digits).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ParamRange:
    name: str
    kind: str  # "Integer" | "Continuous" | "Categorical"
    low: float = 0.0
    high: float = 0.0
    scaling: str = "Auto"
    values: tuple[str, ...] = ()

    def position(self, value: str) -> float:
        if self.kind == "Categorical":
            if len(self.values) <= 1:
                return 0.0
            return self.values.index(value) / (len(self.values) - 1) if value in self.values else 0.0
        lo, hi, v = self._scaled(self.low), self._scaled(self.high), self._scaled(float(value))
        if hi == lo:
            return 0.0
        return min(1.0, max(0.0, (v - lo) / (hi - lo)))

    def value_at(self, position: float) -> str:
        position = min(1.0, max(0.0, position))
        if self.kind == "Categorical":
            index = min(len(self.values) - 1, int(position * len(self.values)))
            return self.values[index]
        lo, hi = self._scaled(self.low), self._scaled(self.high)
        raw = self._unscaled(lo + (hi - lo) * position)
        if self.kind == "Integer":
            return str(int(min(self.high, max(self.low, round(raw)))))
        return f"{min(self.high, max(self.low, raw)):.10g}"

    def _scaled(self, v: float) -> float:
        if self.scaling == "Logarithmic" and v > 0:
            return math.log(v)
        if self.scaling == "ReverseLogarithmic" and v < 1:
            return -math.log(1.0 - v)
        return v

    def _unscaled(self, s: float) -> float:
        if self.scaling == "Logarithmic" and self.low > 0:
            return math.exp(s)
        if self.scaling == "ReverseLogarithmic" and self.high < 1:
            return 1.0 - math.exp(-s)
        return s


def parse_ranges(parameter_ranges: Mapping[str, Any] | None) -> list[ParamRange]:
    """The declared ranges; values are assumed already checked (see semantic_checks)."""
    if not parameter_ranges:
        return []
    out: list[ParamRange] = []
    for key, kind in (("IntegerParameterRanges", "Integer"), ("ContinuousParameterRanges", "Continuous")):
        for r in parameter_ranges.get(key) or []:
            out.append(
                ParamRange(
                    name=r["Name"],
                    kind=kind,
                    low=float(r["MinValue"]),
                    high=float(r["MaxValue"]),
                    scaling=r.get("ScalingType", "Auto"),
                )
            )
    for r in parameter_ranges.get("CategoricalParameterRanges") or []:
        out.append(ParamRange(name=r["Name"], kind="Categorical", values=tuple(r["Values"])))
    return out

"""The data of `hpo-reconciler report`: SageMaker's responses about one tuning job -> a typed report.

Contract (pure: no I/O, no client; the renderers and the command build on it):
- `build_report(describe, training_jobs, parents=(), resource=None)` takes the
  DescribeHyperParameterTuningJob response of the job, its ListTrainingJobsForHyperParameterTuningJob
  summaries (every page), and for each warm-start parent the same pair; boto3's shapes as they come
  (PascalCase keys, timestamps as datetimes; epoch seconds are accepted too).
- Tuned hyperparameters come from the tuning job's configuration: `ParameterRanges` of
  HyperParameterTuningJobConfig, or each TrainingJobDefinitions[i].HyperParameterRanges (a name tuned
  by several definitions gets the union of their bounds). Their kind (continuous, integer,
  categorical), scaling type and bounds are kept. A hyperparameter that appears in training jobs'
  TunedHyperParameters without a declared range (Autotune chooses ranges itself) is categorical when
  some value is not a number, else continuous with the observed bounds and scaling "Auto".
- Every training job becomes a `Run` (`runs`: the parents' first, each group in launch order): its
  definition name ("" for single-definition jobs), status,
  times, objective value (None unless SageMaker reported a final objective metric), tuned values,
  failure reason, and `prior=True` for the training jobs of warm-start parents. `early_stopped` is
  True for a Stopped training job of a tuning job with early stopping (TrainingJobEarlyStoppingType
  Auto, or the Hyperband strategy, which stops weak jobs itself) that was not itself stopped; once
  the tuning job is Stopping or Stopped nobody can tell from the API which of its stopped training
  jobs early stopping stopped, so they count as plainly stopped.
- `failures` groups the reasons of Failed training jobs (same text, most frequent first).
- `best` is the training job SageMaker names as BestTrainingJob; `best_so_far` walks the runs in the
  order they ended and keeps the best objective seen so far (Minimize or Maximize).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["continuous", "integer", "categorical"]
_RANGE_KINDS: tuple[tuple[str, Kind], ...] = (
    ("ContinuousParameterRanges", "continuous"),
    ("IntegerParameterRanges", "integer"),
    ("CategoricalParameterRanges", "categorical"),
)
NO_REASON = "(SageMaker gave no reason)"


@dataclass(frozen=True)
class Range:
    """One tuned hyperparameter as the tuning job declares it."""

    name: str
    kind: Kind
    scaling: str = "Auto"  # Auto, Linear, Logarithmic or ReverseLogarithmic (numeric kinds only)
    low: float | None = None
    high: float | None = None
    values: tuple[str, ...] = ()  # categorical values, in the declared order
    definitions: tuple[str, ...] = ()  # definition names tuning it ("" = the only definition)
    declared: bool = True  # False: only seen in training jobs (Autotune chose the range)

    @property
    def log_scale(self) -> bool:
        """Whether plots should use a log axis (the search itself sampled on a log scale)."""
        return self.kind != "categorical" and self.scaling == "Logarithmic" and (self.low or 0) > 0


@dataclass(frozen=True)
class Run:
    """One training job of the tuning job (or of a warm-start parent, `prior`)."""

    name: str
    tuning_job: str
    definition: str
    status: str
    created: dt.datetime | None
    started: dt.datetime | None
    ended: dt.datetime | None
    objective: float | None
    objective_status: str
    hyperparameters: Mapping[str, str]
    failure_reason: str | None = None
    early_stopped: bool = False
    prior: bool = False

    def numeric(self, name: str) -> float | None:
        """The tuned value of `name` as a number; None when absent or not a number."""
        return as_number(self.hyperparameters.get(name))


@dataclass(frozen=True)
class FailureGroup:
    reason: str
    count: int
    training_jobs: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything the terminal summary, the HTML report and the image show."""

    tuning_job: str
    status: str
    strategy: str
    objective_type: str  # Minimize or Maximize
    objective_metric: str
    early_stopping: str  # Off or Auto (Hyperband: built in)
    created: dt.datetime | None
    ended: dt.datetime | None
    counters: Mapping[str, int]
    failure_reason: str | None
    ranges: tuple[Range, ...]
    definitions: tuple[str, ...]
    runs: tuple[Run, ...]
    best: Run | None
    failures: tuple[FailureGroup, ...]
    parents: tuple[str, ...] = ()
    warm_start_type: str | None = None
    resource: str | None = None  # namespace/name of the HyperparameterTuningJob, when known
    max_training_jobs: int | None = None

    @property
    def maximize(self) -> bool:
        return self.objective_type == "Maximize"

    @property
    def current(self) -> tuple[Run, ...]:
        return tuple(r for r in self.runs if not r.prior)

    @property
    def prior(self) -> tuple[Run, ...]:
        return tuple(r for r in self.runs if r.prior)

    @property
    def scored(self) -> tuple[Run, ...]:
        """Runs (this job's and the parents') with an objective value."""
        return tuple(r for r in self.runs if r.objective is not None)

    def top(self, n: int = 5) -> list[Run]:
        """This tuning job's `n` best runs by objective, best first."""
        scored = [r for r in self.current if r.objective is not None]
        return sorted(scored, key=lambda r: _key(r, self.maximize))[:n]

    def best_so_far(self) -> list[tuple[Run, float]]:
        """(run, best objective up to and including it) for scored runs in the order they ended."""
        ordered = sorted(self.scored, key=lambda r: (_when(r), r.name))
        out: list[tuple[Run, float]] = []
        best: float | None = None
        for run in ordered:
            assert run.objective is not None
            if best is None or (run.objective > best if self.maximize else run.objective < best):
                best = run.objective
            out.append((run, best))
        return out


def _key(run: Run, maximize: bool) -> tuple[float, str]:
    value = run.objective if run.objective is not None else math.inf
    return (-value if maximize else value, run.name)


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _when(run: Run) -> dt.datetime:
    """When the run produced its result (for the best-so-far walk)."""
    return run.ended or run.started or run.created or _NEVER


def _launched(run: Run) -> dt.datetime:
    return run.created or run.started or run.ended or _NEVER


def as_number(value: object) -> float | None:
    """A hyperparameter value (a string in the API) as a finite float; None when it is not one."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def timestamp(value: object) -> dt.datetime | None:
    """boto3 parses timestamps to aware datetimes; epoch seconds (the wire form) are accepted too."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _config(describe: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(describe.get("HyperParameterTuningJobConfig"))


def definition_names(describe: Mapping[str, Any]) -> tuple[str, ...]:
    """Definition names of a multi-definition job, in order; ("",) for a single-definition one."""
    definitions = _list(describe.get("TrainingJobDefinitions"))
    if not definitions:
        return ("",)
    return tuple(
        _text(_mapping(d).get("DefinitionName")) or f"definition-{i + 1}" for i, d in enumerate(definitions)
    )


def declared_ranges(describe: Mapping[str, Any]) -> list[Range]:
    """The ranges the tuning job searches, merged by hyperparameter name (see module doc)."""
    sources: list[tuple[str, Mapping[str, Any]]] = []
    shared = _mapping(_config(describe).get("ParameterRanges"))
    if shared:
        sources.append(("", shared))
    for name, definition in zip(
        definition_names(describe), _list(describe.get("TrainingJobDefinitions")), strict=False
    ):
        ranges = _mapping(_mapping(definition).get("HyperParameterRanges"))
        if ranges:
            sources.append((name, ranges))
    merged: dict[str, Range] = {}
    for definition, ranges in sources:
        for member, kind in _RANGE_KINDS:
            for item in _list(ranges.get(member)):
                found = _range(_mapping(item), kind, definition)
                if found is not None:
                    merged[found.name] = _merge(merged.get(found.name), found)
    return list(merged.values())


def _range(item: Mapping[str, Any], kind: Kind, definition: str) -> Range | None:
    name = _text(item.get("Name"))
    if not name:
        return None
    if kind == "categorical":
        values = tuple(str(v) for v in _list(item.get("Values")))
        return Range(name=name, kind=kind, values=values, definitions=(definition,))
    return Range(
        name=name,
        kind=kind,
        scaling=_text(item.get("ScalingType")) or "Auto",
        low=as_number(item.get("MinValue")),
        high=as_number(item.get("MaxValue")),
        definitions=(definition,),
    )


def _merge(old: Range | None, new: Range) -> Range:
    if old is None:
        return new
    definitions = (*old.definitions, *(d for d in new.definitions if d not in old.definitions))
    if old.kind == "categorical" or new.kind == "categorical":
        values = (*old.values, *(v for v in new.values if v not in old.values))
        return Range(name=old.name, kind="categorical", values=values, definitions=definitions)
    lows = [v for v in (old.low, new.low) if v is not None]
    highs = [v for v in (old.high, new.high) if v is not None]
    return Range(
        name=old.name,
        kind="integer" if old.kind == new.kind == "integer" else "continuous",
        scaling=old.scaling if old.scaling == new.scaling else "Auto",
        low=min(lows) if lows else None,
        high=max(highs) if highs else None,
        definitions=definitions,
    )


def _observed_ranges(declared: Sequence[Range], runs: Iterable[Run]) -> list[Range]:
    """Ranges for hyperparameters seen in training jobs but declared nowhere (Autotune)."""
    known = {r.name for r in declared}
    seen: dict[str, list[str]] = {}
    for run in runs:
        for name, value in run.hyperparameters.items():
            if name not in known:
                seen.setdefault(name, []).append(value)
    out: list[Range] = []
    for name, values in sorted(seen.items()):
        numbers = [as_number(v) for v in values]
        if all(n is not None for n in numbers):
            present = [n for n in numbers if n is not None]
            out.append(
                Range(name=name, kind="continuous", low=min(present), high=max(present), declared=False)
            )
        else:
            out.append(
                Range(name=name, kind="categorical", values=tuple(dict.fromkeys(values)), declared=False)
            )
    return out


def _early_stopping(describe: Mapping[str, Any]) -> str:
    config = _config(describe)
    if _text(config.get("Strategy")) == "Hyperband":
        return "Hyperband"
    return _text(config.get("TrainingJobEarlyStoppingType")) or "Off"


def _runs(describe: Mapping[str, Any], summaries: Iterable[Mapping[str, Any]], *, prior: bool) -> list[Run]:
    tuning_job = _text(describe.get("HyperParameterTuningJobName"))
    stops_early = _early_stopping(describe) != "Off"
    stopped_by_user = _text(describe.get("HyperParameterTuningJobStatus")) in ("Stopping", "Stopped")
    names = definition_names(describe)
    single = names == ("",)
    runs = []
    for summary in summaries:
        status = _text(summary.get("TrainingJobStatus"))
        metric = _mapping(summary.get("FinalHyperParameterTuningJobObjectiveMetric"))
        tuned = _mapping(summary.get("TunedHyperParameters"))
        runs.append(
            Run(
                name=_text(summary.get("TrainingJobName")),
                tuning_job=_text(summary.get("TuningJobName")) or tuning_job,
                definition="" if single else _text(summary.get("TrainingJobDefinitionName")),
                status=status,
                created=timestamp(summary.get("CreationTime")),
                started=timestamp(summary.get("TrainingStartTime")),
                ended=timestamp(summary.get("TrainingEndTime")),
                objective=as_number(metric.get("Value")),
                objective_status=_text(summary.get("ObjectiveStatus")),
                hyperparameters={str(k): str(v) for k, v in tuned.items()},
                failure_reason=_text(summary.get("FailureReason")) or None,
                early_stopped=status == "Stopped" and stops_early and not stopped_by_user,
                prior=prior,
            )
        )
    return runs


def _failures(runs: Iterable[Run]) -> tuple[FailureGroup, ...]:
    groups: dict[str, list[str]] = {}
    for run in runs:
        if run.status == "Failed":
            groups.setdefault(run.failure_reason or NO_REASON, []).append(run.name)
    counts = Counter({reason: len(names) for reason, names in groups.items()})
    return tuple(
        FailureGroup(reason=reason, count=count, training_jobs=tuple(sorted(groups[reason])))
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )


def build_report(
    describe: Mapping[str, Any],
    training_jobs: Iterable[Mapping[str, Any]],
    *,
    parents: Sequence[tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]] = (),
    resource: str | None = None,
) -> Report:
    """The report of one tuning job (see the module docstring)."""
    config = _config(describe)
    objective = _mapping(config.get("HyperParameterTuningJobObjective"))
    current = sorted(_runs(describe, training_jobs, prior=False), key=lambda r: (_launched(r), r.name))
    prior: list[Run] = []
    for parent_describe, parent_jobs in parents:
        prior.extend(_runs(parent_describe, parent_jobs, prior=True))
    prior.sort(key=lambda r: (_launched(r), r.name))
    declared = declared_ranges(describe)
    ranges = (*declared, *_observed_ranges(declared, (*prior, *current)))
    best_name = _text(_mapping(describe.get("BestTrainingJob")).get("TrainingJobName"))
    best = next((r for r in current if r.name == best_name), None)
    counters = {str(k): int(v) for k, v in _mapping(describe.get("TrainingJobStatusCounters")).items()}
    warm = _mapping(describe.get("WarmStartConfig"))
    parent_names = tuple(
        _text(_mapping(p).get("HyperParameterTuningJobName"))
        for p in _list(warm.get("ParentHyperParameterTuningJobs"))
    )
    limits = _mapping(config.get("ResourceLimits"))
    max_jobs = limits.get("MaxNumberOfTrainingJobs")
    return Report(
        tuning_job=_text(describe.get("HyperParameterTuningJobName")),
        status=_text(describe.get("HyperParameterTuningJobStatus")),
        strategy=_text(config.get("Strategy")),
        objective_type=_text(objective.get("Type")) or "Minimize",
        objective_metric=_text(objective.get("MetricName")),
        early_stopping=_early_stopping(describe),
        created=timestamp(describe.get("CreationTime")),
        ended=timestamp(describe.get("HyperParameterTuningEndTime")),
        counters=counters,
        failure_reason=_text(describe.get("FailureReason")) or None,
        ranges=tuple(ranges),
        definitions=definition_names(describe),
        runs=(*prior, *current),
        best=best,
        failures=_failures(current),
        parents=tuple(n for n in parent_names if n),
        warm_start_type=_text(warm.get("WarmStartType")) or None,
        resource=resource,
        max_training_jobs=max_jobs if isinstance(max_jobs, int) else None,
    )

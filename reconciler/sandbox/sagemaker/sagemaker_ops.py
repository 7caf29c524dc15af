"""Handlers of the SageMaker operations the simulator serves.

Contract: each handler takes (simulator, validated params, region) and returns the response dict
of botocore's output shape, or raises `ApiError` worded as SageMaker words it. They run under the
store lock, at one simulated instant `now`. `HANDLERS` maps operation names to handlers;
`KNOWN_BUT_NOT_SIMULATED` lists the other operations of the real API (answered as unknown).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import botocore.loaders

from reconciler.sandbox.sagemaker import errors, interventions, lifecycle, render
from reconciler.sandbox.sagemaker.builtin_metrics import fill_builtin_metric_definitions
from reconciler.sandbox.sagemaker.defaults import with_defaults
from reconciler.sandbox.sagemaker.model import TrainingRun, TuningJob
from reconciler.sandbox.sagemaker.paging import page
from reconciler.sandbox.sagemaker.semantic import reserved_tag_problems

if TYPE_CHECKING:
    from reconciler.sandbox.sagemaker.state import SimulatorState

Params = Mapping[str, Any]
T = TypeVar("T")
MAX_TAGS = 50


def create_tuning_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    name = params["HyperParameterTuningJobName"]
    if sim.store.find_job(name, now=now) is not None:
        raise errors.tuning_job_name_in_use(name)
    _check_warm_start_parents(sim, params, now=now)
    running = sim.store.running_count(now=now)
    if running >= sim.max_running_tuning_jobs:
        raise errors.tuning_job_limit_exceeded(limit=sim.max_running_tuning_jobs, running=running)
    _check_instance_quotas(sim, params, now=now)
    request = with_defaults(params, shape_name="CreateHyperParameterTuningJobRequest")
    add_static_hyperparameters(request)
    fill_builtin_metric_definitions(request)
    job = lifecycle.new_tuning_job(request, region=region, created=now, seed=sim.seed, knobs=sim.knobs)
    sim.store.add(job)
    return {"HyperParameterTuningJobArn": job.arn}


def _check_warm_start_parents(sim: SimulatorState, params: Params, *, now: float) -> None:
    """A warm start needs parents that exist and have finished, which only the service can know."""
    warm = params.get("WarmStartConfig") or {}
    for parent in warm.get("ParentHyperParameterTuningJobs") or []:
        name = parent.get("HyperParameterTuningJobName", "")
        job = sim.store.find_job(name, now=now)
        if job is None:
            raise errors.validation_error(f"The parent hyperparameter tuning job {name} does not exist.")
        status = job.status(now)
        if status in ("InProgress", "Stopping"):
            raise errors.validation_error(
                f"The parent hyperparameter tuning job {name} is in status {status}; "
                "a warm start needs parents that have finished."
            )


def _instances(definition: Mapping[str, Any]) -> tuple[str, int] | None:
    """(instance type, instances) one training job of `definition` asks for."""
    resources = definition.get("ResourceConfig") or {}
    if resources.get("InstanceType"):
        return str(resources["InstanceType"]), int(resources.get("InstanceCount") or 1)
    flexible = (definition.get("HyperParameterTuningResourceConfig") or {}).get("InstanceConfigs") or []
    if flexible:
        return str(flexible[0]["InstanceType"]), int(flexible[0].get("InstanceCount") or 1)
    return None


def _check_instance_quotas(sim: SimulatorState, params: Params, *, now: float) -> None:
    """The account-level quota "<type> for training job usage" (Service Quotas), when one is set.

    The request delta is the instances one training job asks for; current utilization counts the
    instances of running training jobs. SageMaker's exact accounting for tuning jobs is not
    documented; checking one job's instances at create time is what makes a quota of 0 -- the
    case recorded real responses show -- refuse the create.
    """
    quotas = sim.knobs.instance_quotas
    if not quotas:
        return
    single = params.get("TrainingJobDefinition")
    for definition in [single] if single else list(params.get("TrainingJobDefinitions") or []):
        asked = _instances(definition)
        if asked is None or asked[0] not in quotas:
            continue
        instance_type, delta = asked
        used = 0
        for job, run in sim.store.all_runs(now=now):
            running = _instances(job.definition(run.definition_index))
            if running is not None and running[0] == instance_type and run.status(now) != run.outcome:
                used += running[1]
        if used + delta > quotas[instance_type]:
            raise errors.instance_quota_exceeded(
                instance_type=instance_type, limit=quotas[instance_type], used=used, delta=delta
            )


def add_static_hyperparameters(request: dict[str, Any]) -> None:
    """SageMaker passes the objective to every training job as `_tuning_objective_metric`."""
    config = request["HyperParameterTuningJobConfig"]
    definitions = (
        [request["TrainingJobDefinition"]]
        if request.get("TrainingJobDefinition")
        else (request.get("TrainingJobDefinitions") or [])
    )
    for definition in definitions:
        objective = definition.get("TuningObjective") or config.get("HyperParameterTuningJobObjective") or {}
        statics = dict(definition.get("StaticHyperParameters") or {})
        statics["_tuning_objective_metric"] = objective.get("MetricName", "")
        definition["StaticHyperParameters"] = statics


def describe_tuning_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    return render.describe_tuning_job(sim.store.job(params["HyperParameterTuningJobName"], now=now), now)


def _timestamp(value: Any) -> float:
    """A JSON-protocol timestamp: epoch seconds, or text (epoch seconds or ISO 8601)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise errors.ApiError("SerializationException", f"Cannot parse {text!r} as a timestamp.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


_TIME_BOUNDS = ("CreationTimeAfter", "CreationTimeBefore", "LastModifiedTimeAfter", "LastModifiedTimeBefore")


def _time_bounds(params: Params) -> dict[str, float]:
    """The time filters of a List request, parsed once (a bad one fails even when nothing matches)."""
    return {key: _timestamp(params[key]) for key in _TIME_BOUNDS if params.get(key) is not None}


def _within(bounds: Mapping[str, float], *, created: float, modified: float) -> bool:
    checks = (
        ("CreationTimeAfter", created, 1),
        ("CreationTimeBefore", created, -1),
        ("LastModifiedTimeAfter", modified, 1),
        ("LastModifiedTimeBefore", modified, -1),
    )
    return all(key not in bounds or (value - bounds[key]) * sign > 0 for key, value, sign in checks)


def _sorted(items: list[Any], *, key: Callable[[Any], Any], params: Params, default_order: str) -> list[Any]:
    return sorted(items, key=key, reverse=params.get("SortOrder", default_order) == "Descending")


def _page_of(
    items: list[T],
    *,
    params: Params,
    member: str,
    summary: Callable[[T], Any],
    max_results: int = 10,
) -> dict[str, Any]:
    """A List* response: `member` holds one page of summaries, `NextToken` is set while more remain."""
    chosen, token = page(
        items, next_token=params.get("NextToken"), max_results=params.get("MaxResults", max_results)
    )
    out: dict[str, Any] = {member: [summary(i) for i in chosen]}
    if token:
        out["NextToken"] = token
    return out


def list_tuning_jobs(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    bounds = _time_bounds(params)
    jobs = [
        j
        for j in sim.store.all_jobs(now=now)
        if params.get("NameContains", "").lower() in j.name.lower()
        and (params.get("StatusEquals") is None or j.status(now) == params["StatusEquals"])
        and _within(bounds, created=j.created, modified=j.last_modified)
    ]
    sort_key: Callable[[TuningJob], Any] = {
        "Name": lambda j: j.name,
        "Status": lambda j: (j.status(now), j.name),
        "CreationTime": lambda j: (j.created, j.name),
    }[params.get("SortBy", "Name")]
    jobs = _sorted(jobs, key=sort_key, params=params, default_order="Ascending")
    return _page_of(
        jobs,
        params=params,
        member="HyperParameterTuningJobSummaries",
        summary=lambda j: render.tuning_job_summary(j, now),
    )


def stop_tuning_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    job = sim.store.job(params["HyperParameterTuningJobName"], now=now)
    status = job.status(now)
    if status != "InProgress":
        raise errors.validation_error(
            f"The request was rejected because the hyperparameter tuning job is in status {status}."
        )
    interventions.stop_tuning_job(job, at=now, knobs=sim.knobs)
    return {}


def delete_tuning_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    job = sim.store.job(params["HyperParameterTuningJobName"], now=now)
    status = job.status(now)
    if status in ("InProgress", "Stopping", "Deleting"):
        raise errors.validation_error(
            f"The hyperparameter tuning job {job.name} is in status {status}; "
            "only a job that has Completed, Stopped or Failed can be deleted."
        )
    sim.store.delete(job)
    return {}


_TRAINING_SORT: dict[str, Callable[[float, TrainingRun], Any]] = {
    "Name": lambda now, r: r.name,
    "CreationTime": lambda now, r: (r.created, r.name),
    "Status": lambda now, r: (r.status(now), r.name),
    "FinalObjectiveMetricValue": lambda now, r: (r.final_metric, r.name),
}


def _training_page(
    runs: list[TrainingRun],
    *,
    params: Params,
    now: float,
    sort_by: str,
    summary: Callable[[TrainingRun], dict[str, Any]],
) -> dict[str, Any]:
    """One page of training job summaries, sorted as both training job list operations sort them."""
    runs = _sorted(
        runs, key=functools.partial(_TRAINING_SORT[sort_by], now), params=params, default_order="Ascending"
    )
    return _page_of(runs, params=params, member="TrainingJobSummaries", summary=summary)


def list_training_jobs_for_tuning_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    job = sim.store.job(params["HyperParameterTuningJobName"], now=now)
    sort_by = params.get("SortBy", "Name")
    runs = [
        r
        for r in job.runs
        if (params.get("StatusEquals") is None or r.status(now) == params["StatusEquals"])
        # SageMaker leaves out jobs without an objective metric when sorting by it.
        and (sort_by != "FinalObjectiveMetricValue" or (r.final_metric is not None and now >= r.ended_at))
    ]
    return _training_page(
        runs, params=params, now=now, sort_by=sort_by, summary=lambda r: render.training_summary(job, r, now)
    )


def describe_training_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    job, run = sim.store.run(params["TrainingJobName"], now=now)
    return render.describe_training_job(job, run, now)


def list_training_jobs(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    bounds = _time_bounds(params)
    runs = [
        r
        for _, r in sim.store.all_runs(now=now)
        if params.get("NameContains", "").lower() in r.name.lower()
        and (params.get("StatusEquals") is None or r.status(now) == params["StatusEquals"])
        and _within(bounds, created=r.created, modified=min(now, r.ended_at))
    ]
    sort_by = params.get("SortBy", "CreationTime")
    return _training_page(
        runs, params=params, now=now, sort_by=sort_by, summary=lambda r: render.training_job_summary(r, now)
    )


def stop_training_job(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    now = sim.now()
    job, run = sim.store.run(params["TrainingJobName"], now=now)
    status = run.status(now)
    if status != "InProgress":
        raise errors.validation_error(
            f"The request was rejected because the training job is in status {status}."
        )
    interventions.stop_training_run(job, run, at=now, knobs=sim.knobs)
    return {}


def _tags(sim: SimulatorState, resource_arn: str) -> list[dict[str, str]]:
    tags = sim.store.tags_for_arn(resource_arn, now=sim.now())
    if tags is None:
        raise errors.validation_error(f"Resource {resource_arn} does not exist.")
    return tags


def add_tags(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    tags = _tags(sim, params["ResourceArn"])
    reserved = reserved_tag_problems(params["Tags"])
    if reserved:
        raise errors.validation_error(reserved[0])
    merged = {t["Key"]: t.get("Value", "") for t in tags}
    for tag in params["Tags"]:
        merged[tag["Key"]] = tag.get("Value", "")
    if len(merged) > MAX_TAGS:
        raise errors.ApiError(
            "ResourceLimitExceeded",
            f"A resource can have at most {MAX_TAGS} tags; this request would make {len(merged)}.",
        )
    tags[:] = [{"Key": k, "Value": v} for k, v in merged.items()]
    return {"Tags": [dict(t) for t in params["Tags"]]}


def delete_tags(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    """DeleteTags (SageMaker API reference): removes the keys given; a key the resource does not
    have is no error; the answer is empty."""
    tags = _tags(sim, params["ResourceArn"])
    drop = set(params["TagKeys"])
    tags[:] = [t for t in tags if t["Key"] not in drop]
    return {}


def list_tags(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    tags = _tags(sim, params["ResourceArn"])
    return _page_of(tags, params=params, member="Tags", summary=dict, max_results=50)


# The name bench/benchlib.py imported before `add_static_hyperparameters` was public.
_add_static_hyperparameters = add_static_hyperparameters

HANDLERS: dict[str, Callable[[SimulatorState, Params, str], dict[str, Any]]] = {
    "CreateHyperParameterTuningJob": create_tuning_job,
    "DescribeHyperParameterTuningJob": describe_tuning_job,
    "ListHyperParameterTuningJobs": list_tuning_jobs,
    "StopHyperParameterTuningJob": stop_tuning_job,
    "DeleteHyperParameterTuningJob": delete_tuning_job,
    "ListTrainingJobsForHyperParameterTuningJob": list_training_jobs_for_tuning_job,
    "DescribeTrainingJob": describe_training_job,
    "ListTrainingJobs": list_training_jobs,
    "StopTrainingJob": stop_training_job,
    "AddTags": add_tags,
    "DeleteTags": delete_tags,
    "ListTags": list_tags,
}


@functools.cache
def _all_operations() -> frozenset[str]:
    model = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    return frozenset(model["operations"])


class _KnownButNotSimulated:
    def __contains__(self, operation: object) -> bool:
        return operation in _all_operations() and operation not in HANDLERS


KNOWN_BUT_NOT_SIMULATED = _KnownButNotSimulated()

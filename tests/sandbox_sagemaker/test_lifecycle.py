"""The tuning lifecycle over simulated time: launches, counters, best job, completion, failures, stop."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.sandbox.sagemaker import SageMakerSandbox, objective_value
from reconciler.sandbox.sagemaker.clock import SimClock
from reconciler.sandbox.sagemaker.ranges import parse_ranges
from tests.sandbox_sagemaker.conftest import client_at

JOB = "xgboost-mnist-hpo"


def _describe(sm: Any, name: str = JOB) -> dict[str, Any]:
    result: dict[str, Any] = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    return result


def _children(sm: Any, name: str = JOB) -> list[dict[str, Any]]:
    paginator = sm.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    return [
        s
        for page in paginator.paginate(HyperParameterTuningJobName=name)
        for s in page["TrainingJobSummaries"]
    ]


def _run_to_end(sm: Any, sandbox: SageMakerSandbox, *, name: str = JOB, step: float = 10.0) -> dict[str, Any]:
    for _ in range(2000):
        d = _describe(sm, name)
        if d["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
            return d
        sandbox.advance(step)
    raise AssertionError("the tuning job never finished")


def _run_sample(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> dict[str, Any]:
    """Create the sample tuning job as it is and run it to its end (10-second steps)."""
    sm.create_hyper_parameter_tuning_job(**sample_request())
    return _run_to_end(sm, sandbox)


RunWide = Callable[..., dict[str, Any]]


@pytest.fixture
def run_wide(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> RunWide:
    """Create the wide sample with (max jobs, max parallel) `limits` and `config`; run it to its end."""

    def run(limits: tuple[int, int], *, step: float, **config: Any) -> dict[str, Any]:
        max_jobs, parallel = limits
        limit_config = {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": parallel}
        sm.create_hyper_parameter_tuning_job(
            **sample_request(wide=True, ResourceLimits=limit_config, **config)
        )
        return _run_to_end(sm, sandbox, step=step)

    return run


def test_sample_runs_to_completed_with_counters_that_add_up_and_a_findable_best_job(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    request = sample_request()
    sm.create_hyper_parameter_tuning_job(**request)
    saw_best_absent_while_running = False
    for _ in range(100):
        d = _describe(sm)
        children = _children(sm)
        counters, objectives = d["TrainingJobStatusCounters"], d["ObjectiveStatusCounters"]
        assert sum(counters.values()) == len(children) == sum(objectives.values())
        assert (
            counters["InProgress"]
            == objectives["Pending"]
            == sum(c["TrainingJobStatus"] == "InProgress" for c in children)
        )
        assert counters["Completed"] == sum(c["TrainingJobStatus"] == "Completed" for c in children)
        if objectives["Succeeded"] == 0:
            assert "BestTrainingJob" not in d
            saw_best_absent_while_running = True
        else:
            assert "BestTrainingJob" in d
        if d["HyperParameterTuningJobStatus"] != "InProgress":
            break
        sandbox.advance(10)
    assert saw_best_absent_while_running
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Completed"] == 10
    assert len(children) == 10
    # time_scale=1 means real time: the 10-job sample takes a few simulated minutes.
    duration = (d["HyperParameterTuningEndTime"] - d["CreationTime"]).total_seconds()
    assert 120 <= duration <= 400
    metrics = {
        c["TrainingJobName"]: c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for c in children
    }
    best = d["BestTrainingJob"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == min(metrics.values())
    assert metrics[best["TrainingJobName"]] == min(metrics.values())
    described = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert described["TrainingJobStatus"] == "Completed"
    assert described["FinalMetricDataList"][0]["Value"] == min(metrics.values())
    # The documented objective function predicts every reported metric.
    ranges = parse_ranges(request["HyperParameterTuningJobConfig"]["ParameterRanges"])
    for child in children:
        index = int(child["TrainingJobName"].split("-")[3])
        predicted = objective_value(
            ranges=ranges,
            tuned=child["TunedHyperParameters"],
            objective_type="Minimize",
            seed=7,
            tuning_job_name=JOB,
            index=index,
        )
        assert metrics[child["TrainingJobName"]] == predicted


def test_time_scale_maps_real_seconds_to_simulated_ones() -> None:
    real = [1000.0]
    clock = SimClock(time_scale=60.0, start_epoch=0.0, monotonic=lambda: real[0])
    real[0] += 1.0
    assert clock.now() == 60.0  # one real second is one simulated minute
    clock.advance(5)
    assert clock.now() == 65.0


def test_parallelism_is_respected_and_jobs_launch_as_slots_free(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(
        **sample_request(ResourceLimits={"MaxNumberOfTrainingJobs": 7, "MaxParallelTrainingJobs": 3})
    )
    peak = 0
    for _ in range(300):
        d = _describe(sm)
        peak = max(peak, d["TrainingJobStatusCounters"]["InProgress"])
        assert d["TrainingJobStatusCounters"]["InProgress"] <= 3
        if d["HyperParameterTuningJobStatus"] == "Completed":
            break
        sandbox.advance(10)
    assert peak == 3
    assert d["TrainingJobStatusCounters"]["Completed"] == 7


def test_target_objective_metric_value_ends_the_search_early(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(
        **sample_request(
            ResourceLimits={"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 1},
            TuningJobCompletionCriteria={"TargetObjectiveMetricValue": 0.9},
        )
    )
    d = _run_to_end(sm, sandbox)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Completed"] == 1  # every metric beats 0.9 on a Minimize objective


def test_best_objective_not_improving_ends_the_search(sm: Any, run_wide: RunWide) -> None:
    criteria = {"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}}
    d = run_wide((50, 1), step=30, TuningJobCompletionCriteria=criteria)
    children = sorted(_children(sm), key=lambda c: c["CreationTime"])
    assert len(children) < 50
    values = [c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for c in children]
    assert min(values[:-3]) <= min(values[-3:])  # the last three did not improve on the best
    assert d["TuningJobCompletionDetails"]["NumberOfTrainingJobsObjectiveNotImproving"] >= 3


def test_all_training_jobs_failing_fails_the_tuning_job(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sandbox.set_failure_rates(non_retryable=1.0)
    d = _run_sample(sm, sandbox, sample_request)
    assert d["HyperParameterTuningJobStatus"] == "Failed"
    assert d["FailureReason"].startswith("No training job succeeded after 10 attempts.")
    assert d["TrainingJobStatusCounters"]["NonRetryableError"] == 10
    assert d["ObjectiveStatusCounters"]["Failed"] == 10
    assert "BestTrainingJob" not in d
    child = sm.describe_training_job(TrainingJobName=_children(sm)[0]["TrainingJobName"])
    assert child["TrainingJobStatus"] == "Failed"
    assert child["FailureReason"].startswith("AlgorithmError")
    assert "FinalMetricDataList" not in child


def test_retryable_failures_are_counted_apart(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sandbox.set_failure_rates(retryable=0.5)
    d = _run_sample(sm, sandbox, sample_request)
    counters = d["TrainingJobStatusCounters"]
    assert counters["RetryableError"] > 0 and counters["Completed"] > 0
    assert counters["RetryableError"] + counters["Completed"] == 10
    assert d["HyperParameterTuningJobStatus"] == "Completed"


def test_auto_early_stopping_stops_some_jobs_with_a_metric(sm: Any, run_wide: RunWide) -> None:
    d = run_wide((20, 2), step=30, TrainingJobEarlyStoppingType="Auto", Strategy="Random")
    stopped = [c for c in _children(sm) if c["TrainingJobStatus"] == "Stopped"]
    assert stopped and d["TrainingJobStatusCounters"]["Stopped"] == len(stopped)
    assert all(c["ObjectiveStatus"] == "Succeeded" for c in stopped)
    assert d["TrainingJobStatusCounters"]["Completed"] + len(stopped) == 20


def test_grid_enumerates_every_categorical_combination(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    ranges = {
        "CategoricalParameterRanges": [
            {"Name": "booster_kind", "Values": ["gbtree", "dart"]},
            {"Name": "depth", "Values": ["2", "4", "8"]},
        ]
    }
    sm.create_hyper_parameter_tuning_job(
        **sample_request(
            Strategy="Grid", ParameterRanges=ranges, ResourceLimits={"MaxParallelTrainingJobs": 2}
        )
    )
    d = _run_to_end(sm, sandbox, step=30)
    combos = {
        (c["TunedHyperParameters"]["booster_kind"], c["TunedHyperParameters"]["depth"]) for c in _children(sm)
    }
    assert combos == set(itertools.product(["gbtree", "dart"], ["2", "4", "8"]))
    assert d["TrainingJobStatusCounters"]["Completed"] == 6


def test_random_sampling_honours_logarithmic_scaling(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    ranges = {
        "ContinuousParameterRanges": [
            {"Name": "eta", "MinValue": "0.0001", "MaxValue": "1", "ScalingType": "Logarithmic"}
        ]
    }
    sm.create_hyper_parameter_tuning_job(
        **sample_request(
            Strategy="Random",
            ParameterRanges=ranges,
            ResourceLimits={"MaxNumberOfTrainingJobs": 40, "MaxParallelTrainingJobs": 40},
        )
    )
    values = [float(c["TunedHyperParameters"]["eta"]) for c in _children(sm)]
    assert all(0.0001 <= v <= 1 for v in values)
    # On a log scale half the draws fall below the geometric midpoint 0.01 (linear would put ~1% there).
    below = sum(v < math.sqrt(0.0001 * 1) for v in values)
    assert 8 <= below <= 32


def test_max_runtime_stops_the_running_jobs(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    sm.create_hyper_parameter_tuning_job(
        **sample_request(
            ResourceLimits={
                "MaxNumberOfTrainingJobs": 10,
                "MaxParallelTrainingJobs": 2,
                "MaxRuntimeInSeconds": 300,
            }
        )
    )
    d = _run_to_end(sm, sandbox)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Stopped"] >= 1
    assert sum(d["TrainingJobStatusCounters"].values()) < 10


def test_forced_outcomes(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _children(sm)[0]["TrainingJobName"]
    sandbox.force_outcome(child, status="Failed", failure_reason="AlgorithmError: out of memory")
    described = sm.describe_training_job(TrainingJobName=child)
    assert (described["TrainingJobStatus"], described["FailureReason"]) == (
        "Failed",
        "AlgorithmError: out of memory",
    )
    assert _describe(sm)["TrainingJobStatusCounters"]["NonRetryableError"] == 1
    sandbox.force_outcome(
        JOB, status="Failed", failure_reason="ResourceLimitExceeded: no ml.m4.xlarge capacity"
    )
    d = _describe(sm)
    assert d["HyperParameterTuningJobStatus"] == "Failed"
    assert d["FailureReason"] == "ResourceLimitExceeded: no ml.m4.xlarge capacity"
    assert d["TrainingJobStatusCounters"]["InProgress"] == 0
    assert d["TrainingJobStatusCounters"]["Stopped"] == 9


def test_hyperband_stops_weak_jobs_early_on_its_own(sm: Any, run_wide: RunWide) -> None:
    hyperband = {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 20}}
    d = run_wide((20, 2), step=30, Strategy="Hyperband", StrategyConfig=hyperband)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Stopped"] > 0
    assert d["ObjectiveStatusCounters"]["Succeeded"] == 20
    # A weak job stops at the first rung, MinResource / MaxResource = 1/20 of its training.
    by_status = {c["TrainingJobStatus"]: c["TrainingJobName"] for c in _children(sm)}
    stopped = sm.describe_training_job(TrainingJobName=by_status["Stopped"])
    completed = sm.describe_training_job(TrainingJobName=by_status["Completed"])
    assert stopped["TrainingTimeInSeconds"] < completed["TrainingTimeInSeconds"] - 60


def test_random_seed_makes_the_draws_repeatable(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    def tuned(name: str, seed: int) -> list[str]:
        sm.create_hyper_parameter_tuning_job(**sample_request(name, RandomSeed=seed, Strategy="Random"))
        children = sorted(_children(sm, name), key=lambda c: c["TrainingJobName"])
        return [c["TunedHyperParameters"]["num_round"] for c in children]

    first, again, other = tuned("seeded-a", 42), tuned("seeded-b", 42), tuned("seeded-c", 43)
    assert first == again
    assert first != other


def test_bayesian_search_beats_its_own_warm_up_on_average(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    ranges = {
        "ContinuousParameterRanges": [
            {"Name": "eta", "MinValue": "0", "MaxValue": "1"},
            {"Name": "gamma", "MinValue": "0", "MaxValue": "5"},
        ]
    }
    sm.create_hyper_parameter_tuning_job(
        **sample_request(
            ParameterRanges=ranges,
            ResourceLimits={"MaxNumberOfTrainingJobs": 30, "MaxParallelTrainingJobs": 1},
        )
    )
    _run_to_end(sm, sandbox, step=60)
    values = [
        c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        for c in sorted(_children(sm), key=lambda c: c["CreationTime"])
    ]
    assert sum(values[-10:]) / 10 < sum(values[:3]) / 3


def test_convergence_detection_completes_the_search(run_wide: RunWide) -> None:
    criteria = {"ConvergenceDetected": {"CompleteOnConvergence": "Enabled"}}
    d = run_wide((200, 1), step=120, TuningJobCompletionCriteria=criteria)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Completed"] < 200
    assert d["TuningJobCompletionDetails"]["ConvergenceDetectedTime"] <= d["HyperParameterTuningEndTime"]


def test_warm_start_needs_finished_parents(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    warm = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}],
        "WarmStartType": "TransferLearning",
    }
    child = sample_request("child")
    child["WarmStartConfig"] = warm
    for setup, expected in ((None, "does not exist"), ("create", "is in status InProgress")):
        if setup:
            sm.create_hyper_parameter_tuning_job(**sample_request("parent"))
        try:
            sm.create_hyper_parameter_tuning_job(**child)
            raise AssertionError("accepted a warm start from an unusable parent")
        except sm.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] == "ValidationException"
            assert expected in exc.response["Error"]["Message"]
    _run_to_end(sm, sandbox, name="parent")
    sm.create_hyper_parameter_tuning_job(**child)
    assert _describe(sm, "child")["WarmStartConfig"] == warm


def test_maximize_objective_and_several_training_job_definitions(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    request = sample_request()
    config = request["HyperParameterTuningJobConfig"]
    ranges = config.pop("ParameterRanges")
    del config["HyperParameterTuningJobObjective"]
    base = request.pop("TrainingJobDefinition")
    objective = {"Type": "Maximize", "MetricName": "validation:auc"}
    request["TrainingJobDefinitions"] = [
        {**base, "DefinitionName": name, "TuningObjective": objective, "HyperParameterRanges": ranges}
        for name in ("small", "large")
    ]
    sm.create_hyper_parameter_tuning_job(**request)
    d = _run_to_end(sm, sandbox)
    children = _children(sm)
    assert {c["TrainingJobDefinitionName"] for c in children} == {"small", "large"}
    values = [c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for c in children]
    assert d["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == max(values)
    # MetricName and Value only, as recorded real outputs have it (no Type).
    assert set(d["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]) == {"MetricName", "Value"}
    assert all(
        definition["StaticHyperParameters"]["_tuning_objective_metric"] == "validation:auc"
        for definition in d["TrainingJobDefinitions"]
    )


def test_forcing_completed_reports_the_objective(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sandbox.set_failure_rates(non_retryable=1.0)  # every run was going to fail
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _children(sm)[0]["TrainingJobName"]
    sandbox.force_outcome(child, status="Completed")
    described = sm.describe_training_job(TrainingJobName=child)
    assert described["TrainingJobStatus"] == "Completed"
    assert described["FinalMetricDataList"][0]["MetricName"] == "validation:error"
    d = _run_to_end(sm, sandbox)
    assert d["HyperParameterTuningJobStatus"] == "Completed"  # one success is enough
    assert d["BestTrainingJob"]["TrainingJobName"] == child


def test_time_scale_drives_the_lifecycle_from_the_real_clock(sample_request: Any) -> None:
    import time

    # 3600 simulated seconds per real second: 0.2 real seconds are >= 720 simulated ones, more
    # than the ~4 minutes the sample needs however slow this machine is (a lower bound, not a timing).
    with SageMakerSandbox(time_scale=3600.0) as sb:
        client = client_at(sb.url)
        client.create_hyper_parameter_tuning_job(**sample_request())
        time.sleep(0.2)
        d = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB)
        assert d["HyperParameterTuningJobStatus"] == "Completed"
        assert d["TrainingJobStatusCounters"]["Completed"] == 10


GRID = {
    "CategoricalParameterRanges": [
        {"Name": "booster_kind", "Values": ["gbtree", "dart"]},
        {"Name": "depth", "Values": ["2", "4", "8"]},
    ]
}


def test_grid_with_max_jobs_equal_to_its_size_runs_the_whole_grid(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    # Developer guide (tuning "how it works", grid search): MaxNumberOfTrainingJobs is optional
    # for Grid and, if specified, equals the number of distinct combinations.
    limits = {"MaxNumberOfTrainingJobs": 6, "MaxParallelTrainingJobs": 3}
    sm.create_hyper_parameter_tuning_job(
        **sample_request(Strategy="Grid", ParameterRanges=GRID, ResourceLimits=limits)
    )
    d = _run_to_end(sm, sandbox, step=30)
    assert d["TrainingJobStatusCounters"]["Completed"] == 6
    assert len({tuple(sorted(c["TunedHyperParameters"].items())) for c in _children(sm)}) == 6


@pytest.mark.parametrize("max_jobs", [4, 7])
def test_grid_with_max_jobs_other_than_its_size_is_refused_not_shortened(
    sm: Any, sample_request: Any, max_jobs: int
) -> None:
    limits = {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": 2}
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(
            **sample_request(Strategy="Grid", ParameterRanges=GRID, ResourceLimits=limits)
        )
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": f"For the Grid strategy, MaxNumberOfTrainingJobs ({max_jobs}) must equal the number of "
        "distinct combinations of the categorical parameter ranges (6). Set it to 6, or leave it out to "
        "run the whole grid.",
    }
    assert sm.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []

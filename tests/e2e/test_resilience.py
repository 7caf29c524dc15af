"""Conflicts are re-read and retried, failures are reported as such, the heartbeat rewrites running jobs."""

from __future__ import annotations

import boto3

from tests.e2e.e2e_world import World

NAME = "xgboost-mnist-hpo"


def test_conflict_on_the_finalizer_patch_is_reread_and_retried(world: World) -> None:
    world.create_sample()
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs", status=409, times=1)
    result = world.run()
    assert result.code == 0
    assert "outcome=created" in result.stdout
    assert world.kube.stats()["GET hyperparametertuningjobs"] >= 1  # the re-read
    assert len(world.sagemaker.tuning_job_names()) == 1


def test_failed_job_is_ready_false_stalled_job_failed(world: World) -> None:
    world.create_sample()
    world.run()
    job = world.get(NAME)["status"]["sageMakerHyperParameterTuningJobName"]
    world.sagemaker.force_outcome(
        job, status="Failed", failure_reason="ClientError: no data in s3://my-bucket"
    )
    assert world.run().code == 0
    status = world.get(NAME)["status"]
    assert status["hyperParameterTuningJobStatus"] == "Failed"
    assert "no data" in status["failureReason"]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Ready"]["status"] == "False" and conditions["Stalled"]["reason"] == "JobFailed"
    assert "no data" in conditions["Stalled"]["message"]
    assert "Reconciling" not in conditions
    assert world.run("--fail-on-error").code == 1


def test_heartbeat_rewrites_a_running_jobs_last_check_time(world: World) -> None:
    world.create_sample()
    world.run()
    world.run()
    world.reset_stats()
    world.run()  # default heartbeat (10 min) not due: nothing written
    assert world.kube_writes() == {}
    before = world.get(NAME)["status"]["lastCheckTime"]
    import time

    time.sleep(1.1)  # lastCheckTime has one-second resolution
    world.run("--heartbeat-seconds", "0")
    writes = world.kube_writes()
    assert writes.pop("PATCH hyperparametertuningjobs/status") == 1
    # At the heartbeat the running children are described again too (core.refresh: their
    # SECONDARY-STATUS), one status write each at most; nothing else is written.
    running = sum(c["status"].get("trainingJobStatus") == "InProgress" for c in world.children(NAME))
    assert (
        set(writes) <= {"PATCH trainingjobs/status"} and writes.get("PATCH trainingjobs/status", 0) <= running
    )
    assert world.get(NAME)["status"]["lastCheckTime"] > before


def test_unexpected_error_leaves_the_resource_and_exits_one(world: World) -> None:
    world.create_sample("first")
    world.create_sample("second")
    world.kube.inject_fault(
        verb="PATCH", resource="hyperparametertuningjobs", name="first", status=403, times=1
    )
    result = world.run()
    assert result.code == 1
    assert "default/first" in result.stderr and "outcome=failed" in result.stderr
    assert "failed=1" in result.summary and "created=1" in result.summary
    # The next pass repairs it.
    assert world.run().code == 0
    assert len(world.sagemaker.tuning_job_names()) == 2


def test_create_rejected_by_sagemaker_is_stalled_with_its_message(world: World) -> None:
    world.create_sample()
    world.sagemaker.inject_fault(
        operation="CreateHyperParameterTuningJob", error="ValidationException", times=1
    )
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "RejectedBySageMaker"
    assert "SageMaker rejected" in stalled["message"] and "fix the spec" in stalled["message"]
    assert world.sagemaker.tuning_job_names() == []


def test_account_limit_is_transient_not_stalled(world: World) -> None:
    world.create_sample()
    world.sagemaker.inject_fault(
        operation="CreateHyperParameterTuningJob", error="ResourceLimitExceeded", times=1
    )
    first = world.run()
    assert first.code == 0 and "outcome=retry" in first.stdout
    assert world.condition(NAME, "Stalled") is None
    reconciling = world.condition(NAME, "Reconciling")
    assert reconciling is not None and reconciling["reason"] == "WaitingForJobLimit"
    assert "outcome=created" in world.run("--retry-backoff-seconds", "0").stdout


def test_stop_refused_because_the_job_just_ended_is_retried(world: World) -> None:
    world.create_sample()
    world.run()
    world.run()
    world.kubectl("delete", "hpo", NAME, "--wait=false")
    world.sagemaker.inject_fault(
        operation="StopHyperParameterTuningJob", error="ValidationException", times=1
    )
    refused = world.run()
    assert refused.code == 0 and "outcome=retry" in refused.stdout
    assert world.exists(NAME)
    assert "outcome=stopping" in world.run().stdout
    world.sagemaker.advance(600)
    assert "outcome=deleted" in world.run().stdout
    assert not world.exists(NAME)


def test_stalled_resource_whose_pass_hits_a_transient_error_still_counts_as_stalled(world: World) -> None:
    world.create_sample()
    assert world.run().code == 0
    world.patch_spec(
        NAME, {"hyperParameterTuningJobConfig": {"resourceLimits": {"maxNumberOfTrainingJobs": 11}}}
    )
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"
    # Every retry of the next pass's Describe is throttled: the pass is cut short, the resource is
    # still Stalled.
    world.sagemaker.inject_fault(operation="DescribeHyperParameterTuningJob", times=5)
    result = world.run("--fail-on-error")
    assert "outcome=retry" in result.stdout, result.stdout
    assert "stalled=1" in result.summary, result.summary
    assert result.code == 1


def test_status_rejected_warning_is_emitted_once_not_on_every_pass(world: World) -> None:
    world.create_sample()
    assert world.run().code == 0
    assert world.run().code == 0
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "InProgress"
    world.sagemaker.force_outcome(world.sagemaker.tuning_job_names()[0], status="Completed")
    # The API server refuses every status write from now on (as for an object stored before its CRD
    # had a schema, on a server without validation ratcheting).
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs/status", status=422, times=100)
    for _ in range(3):
        assert world.run().code == 0
    reasons = [event.reason for event in world.core.list_namespaced_event("default").items]
    assert reasons.count("StatusRejected") == 1, reasons
    # A changed object (here: a spec edit) is reported again.
    world.patch_spec(
        NAME, {"hyperParameterTuningJobConfig": {"resourceLimits": {"maxNumberOfTrainingJobs": 11}}}
    )
    assert world.run().code == 0
    reasons = [event.reason for event in world.core.list_namespaced_event("default").items]
    assert reasons.count("StatusRejected") == 2, reasons


def test_refused_child_is_retried_on_the_next_pass(world: World) -> None:
    world.create_sample()
    assert "outcome=created" in world.run().stdout
    # The first TrainingJob child create is refused (422); its siblings are mirrored.
    world.kube.inject_fault(verb="CREATE", resource="trainingjobs", status=422, times=1)
    assert world.run().code == 0
    mirrored = len(world.children(NAME))
    [job] = world.sagemaker.tuning_job_names()
    summaries = boto3.client("sagemaker").list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=job
    )["TrainingJobSummaries"]
    assert mirrored == len(summaries) - 1 > 0
    assert "ChildRejected" in world.kubectl("get", "events", "--field-selector", "type=Warning").stdout
    # The next pass lists the children again and creates the missing one.
    assert world.run().code == 0
    assert len(world.children(NAME)) >= len(summaries)
    assert world.get(NAME)["status"]["trainingJobStatusCounters"]["inProgress"] >= 1


def test_child_refused_as_the_job_ends_is_retried_although_the_job_is_terminal(world: World) -> None:
    world.create_sample()
    assert world.run().code == 0
    assert world.run().code == 0
    counters = world.get(NAME)["status"]["trainingJobStatusCounters"]
    assert counters["inProgress"] >= 1
    [job] = world.sagemaker.tuning_job_names()
    world.sagemaker.force_outcome(job, status="Completed")
    # The pass that sees the job end cannot record one child's new status.
    world.kube.inject_fault(verb="PATCH", resource="trainingjobs/status", status=422, times=1)
    assert world.run().code == 0
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "Completed"
    stale = [c for c in world.children(NAME) if c["status"].get("trainingJobStatus") == "InProgress"]
    assert len(stale) == 1
    # The next pass looks the terminal job up again and mirrors the child.
    assert world.run().code == 0
    assert [c for c in world.children(NAME) if c["status"].get("trainingJobStatus") == "InProgress"] == []
    assert world.get(NAME)["status"]["trainingJobStatusCounters"]["inProgress"] == 0


def test_an_instance_quota_too_small_for_the_job_stalls_and_heals_at_the_heartbeat(world: World) -> None:
    """The simulator's quota control gives SageMaker's instance-quota ResourceLimitExceeded: waiting for
    other jobs cannot help, so the resource is Stalled/QuotaTooLow saying what to do; once the quota is
    raised, the create is tried again at the heartbeat and succeeds."""
    world.sagemaker.set_instance_quota("ml.m4.xlarge", 0)
    world.create_sample()
    first = world.run()
    assert first.code == 0 and "outcome=stalled" in first.stdout
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "QuotaTooLow"
    assert "is 0 Instances" in stalled["message"] and "AWS Service Quotas" in stalled["message"]
    world.sagemaker.set_instance_quota("ml.m4.xlarge", None)  # raised (no limit)
    assert "outcome=created" in world.run("--heartbeat-seconds", "0").stdout
    assert world.condition(NAME, "Stalled") is None

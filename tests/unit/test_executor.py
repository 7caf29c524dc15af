"""The executor (engine.reconcile) over fake gateways: action -> the calls made and the status recorded.

As the ACK runtime tests its Sync: the decisions are table-tested in the core (test_decide, test_rules);
these tests check that each action is carried out with the right calls, in the right order, and
recorded once, with the events of transitions only. The fakes (tests/unit/fakes.py) implement the
Protocols the engine depends on (engine.ports) and raise the real gateways' error classes.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.core.model import FINALIZER
from reconciler.core.naming import derived_job_name
from reconciler.core.outcomes import Outcome, Result
from reconciler.core.settings import Settings
from reconciler.engine.reconcile import Context, NamespacePolicies, reconcile
from reconciler.gateways import kube, sagemaker
from tests.unit.fakes import FakeKube, FakeSageMaker

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml"
UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"
JOB = derived_job_name(resource_name="xgboost-mnist-hpo", uid=UID)
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def sample(**metadata: Any) -> dict[str, Any]:
    obj: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    obj["metadata"].update(namespace="ml", uid=UID, generation=1, **metadata)
    return obj


class World:
    def __init__(self, obj: dict[str, Any], **settings: Any) -> None:
        self.kube = FakeKube(obj)
        self.sagemaker = FakeSageMaker()
        self.settings = Settings(**settings)
        self.now = NOW

    def run(self) -> Result:
        ctx = Context(
            kube=self.kube,
            sagemaker=self.sagemaker,
            settings=self.settings,
            namespaces=NamespacePolicies(self.kube),
            clock=lambda: self.now,
        )
        return reconcile(copy.deepcopy(self.kube.obj), ctx)

    def stalled(self) -> str | None:
        for condition in self.kube.obj.get("status", {}).get("conditions", []):
            if condition["type"] == "Stalled":
                return str(condition["reason"])
        return None


def test_create_adds_the_finalizer_first_then_creates_then_records() -> None:
    world = World(sample())
    result = world.run()
    assert result.outcome is Outcome.CREATED and result.job == JOB
    assert world.kube.writes() == [
        ("PATCH", "hyperparametertuningjobs"),  # the finalizer, before the create
        ("PATCH", "hyperparametertuningjobs/status"),
        ("CREATE", "events"),
    ]
    assert [c[0] for c in world.sagemaker.calls] == ["CreateHyperParameterTuningJob"]
    assert FINALIZER in world.kube.obj["metadata"]["finalizers"]
    status = world.kube.obj["status"]
    assert status["hyperParameterTuningJobArn"] == world.sagemaker.jobs[JOB]["HyperParameterTuningJobArn"]
    assert status["sageMakerHyperParameterTuningJobName"] == JOB
    assert world.kube.events == [("Normal", "Created")]


def test_invalid_spec_stalls_without_naming_a_job_and_warns_once() -> None:
    obj = sample()
    del obj["spec"]["trainingJobDefinition"]["roleArn"]
    world = World(obj)
    first = world.run()
    assert first.outcome is Outcome.STALLED and first.stalled_reason == "InvalidSpec"
    assert world.sagemaker.calls == []  # refused before any call
    assert "sageMakerHyperParameterTuningJobName" not in world.kube.obj["status"]
    world.kube.obj["metadata"]["generation"] = 2  # an edit that does not fix it
    second = world.run()
    assert second.outcome is Outcome.STALLED
    assert world.kube.events == [("Warning", "InvalidSpec")]  # the transition, not the repeat


def test_a_rejected_create_stalls_and_is_reported_once_while_it_stays_rejected() -> None:
    world = World(sample())
    rejected = sagemaker.RejectedError("1 validation error", code="ValidationException", operation="Create")
    world.sagemaker.fail["CreateHyperParameterTuningJob"] = [rejected, copy.copy(rejected)]
    first = world.run()
    assert first.outcome is Outcome.STALLED and first.stalled_reason == "RejectedBySageMaker"
    assert world.stalled() == "RejectedBySageMaker"
    # No job of this resource's exists under that name: the status names none.
    assert "sageMakerHyperParameterTuningJobName" not in world.kube.obj["status"]
    writes = world.kube.writes()
    second = world.run()  # Stalled, nothing changed: no call, no write, no event until it does
    assert second.outcome is Outcome.UNCHANGED and second.stalled_reason == "RejectedBySageMaker"
    assert [c[0] for c in world.sagemaker.calls] == ["CreateHyperParameterTuningJob"]
    assert world.kube.writes() == writes
    assert world.kube.events == [("Warning", "RejectedBySageMaker")]
    world.kube.obj["metadata"]["generation"] = 2  # the user edits the spec: tried again at once
    third = world.run()
    assert third.outcome is Outcome.STALLED
    assert [c[0] for c in world.sagemaker.calls] == ["CreateHyperParameterTuningJob"] * 2
    # Events on transitions only: the second rejection is not a second Warning.
    assert world.kube.events == [("Warning", "RejectedBySageMaker")]


def test_a_quota_smaller_than_the_job_stalls_with_what_to_do_and_heals_once_raised() -> None:
    world = World(sample())
    quota = sagemaker.QuotaTooLowError(
        "SageMaker refused the tuning job: The account-level service limit 'ml.m4.xlarge for training job "
        "usage' is 0 Instances, ... request an increase of that quota in AWS Service Quotas",
        code="ResourceLimitExceeded",
        operation="CreateHyperParameterTuningJob",
    )
    world.sagemaker.fail["CreateHyperParameterTuningJob"] = [quota]
    first = world.run()
    assert first.outcome is Outcome.STALLED and first.stalled_reason == "QuotaTooLow"
    message = world.kube.obj["status"]["additional"]
    assert "is 0 Instances" in message and "AWS Service Quotas" in message
    assert world.kube.events == [("Warning", "QuotaTooLow")]
    creates = len(world.sagemaker.calls)
    # Stalled costs nothing until the spec changes or the heartbeat passes: no create at once...
    assert world.run().outcome is Outcome.UNCHANGED and len(world.sagemaker.calls) == creates
    # ...and at the heartbeat the create is tried again: the quota was raised meanwhile.
    world.now = NOW + dt.timedelta(seconds=world.settings.heartbeat_seconds + 1)
    second = world.run()
    assert second.outcome is Outcome.CREATED
    assert world.stalled() is None


def test_name_taken_with_no_job_visible_is_retried_without_any_write() -> None:
    world = World(sample(finalizers=[FINALIZER]))
    world.sagemaker.fail["CreateHyperParameterTuningJob"] = [
        sagemaker.ResourceInUseError("taken", code="ResourceInUse", operation="CreateHyperParameterTuningJob")
    ]
    result = world.run()
    assert result.outcome is Outcome.RETRY and result.action == "create"
    assert result.message == "CreateHyperParameterTuningJob: ResourceInUse"
    assert [c[0] for c in world.sagemaker.calls] == [
        "CreateHyperParameterTuningJob",
        "DescribeHyperParameterTuningJob",
    ]
    # The finalizer was already there; the job's identity is recorded before the create. No status.
    assert world.kube.writes() == [("PATCH", "hyperparametertuningjobs")]
    assert world.stalled() is None


def test_name_taken_by_our_own_job_that_differs_is_adopted_and_refused() -> None:
    world = World(sample())
    world.sagemaker.add_job(JOB, uid=UID)  # a crash lost the status write; the description differs
    result = world.run()
    assert result.outcome is Outcome.STALLED and result.stalled_reason == "SpecUpdateRefused"
    assert world.kube.events[:2] == [("Normal", "Adopted"), ("Warning", "SpecUpdateRefused")]
    assert world.kube.obj["status"]["hyperParameterTuningJobArn"].endswith(JOB)


def test_name_taken_by_our_own_job_in_sync_is_adopted_once() -> None:
    world = World(sample())
    assert world.run().outcome is Outcome.CREATED
    world.kube.obj["status"] = {}  # as if the status write after the create had been lost
    result = world.run()
    assert result.outcome is Outcome.ADOPTED and result.action == "adopt"
    assert world.kube.obj["status"]["hyperParameterTuningJobArn"].endswith(JOB)
    assert world.stalled() is None
    # The adoption is the transition: one Adopted event, no StatusChanged beside it.
    assert world.kube.events == [("Normal", "Created"), ("Normal", "Adopted")]
    assert world.run().outcome is Outcome.UNCHANGED  # tracked from now on


def test_name_taken_by_a_foreign_job_stalls_and_records_nothing_of_it() -> None:
    world = World(sample())
    world.sagemaker.add_job(JOB, uid="someone-else")
    result = world.run()
    assert result.outcome is Outcome.STALLED and result.stalled_reason == "JobNameInUse"
    # Not this resource's job: the status names nothing of it.
    assert "sageMakerHyperParameterTuningJobName" not in world.kube.obj["status"]
    assert "hyperParameterTuningJobArn" not in world.kube.obj["status"]
    world.run()
    assert world.kube.events == [("Warning", "JobNameInUse")]
    assert ("StopHyperParameterTuningJob", JOB) not in world.sagemaker.calls


def deleting_world(**job: Any) -> World:
    world = World(sample(finalizers=[FINALIZER], deletionTimestamp="2026-12-01T11:00:00Z"))
    arn = world.sagemaker.add_job(JOB, uid=UID, **job)
    world.kube.obj["status"] = {
        "hyperParameterTuningJobArn": arn,
        "sageMakerHyperParameterTuningJobName": JOB,
    }
    return world


STOP = "StopHyperParameterTuningJob"


def test_stop_of_a_job_already_gone_finalizes() -> None:
    world = deleting_world()
    world.sagemaker.fail[STOP] = [sagemaker.ResourceNotFoundError("gone", code="NotFound", operation=STOP)]
    result = world.run()
    assert result.outcome is Outcome.DELETED and result.action == "finalize"
    assert world.kube.obj["metadata"]["finalizers"] == []
    assert world.kube.events == [("Normal", "Deleted")]


def test_stop_rejected_because_the_job_just_ended_is_retried_without_any_write() -> None:
    world = deleting_world()
    world.sagemaker.fail[STOP] = [sagemaker.RejectedError("job is Completed", code="Invalid", operation=STOP)]
    result = world.run()
    assert result.outcome is Outcome.RETRY and result.action == "stop"
    assert result.message == "StopHyperParameterTuningJob: job is Completed"
    assert world.kube.writes() == []
    assert FINALIZER in world.kube.obj["metadata"]["finalizers"]


def test_a_running_job_is_stopped_and_recorded_stopping() -> None:
    world = deleting_world()
    result = world.run()
    assert result.outcome is Outcome.STOPPING
    assert world.kube.obj["status"]["hyperParameterTuningJobStatus"] == "Stopping"
    assert world.kube.events == [("Normal", "Stopping")]


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (sagemaker.TransientError("throttled", code="ThrottlingException"), Outcome.RETRY),
        (kube.TransientError("503", status=503), Outcome.RETRY),
        (sagemaker.UnexpectedError("AccessDenied", code="AccessDeniedException"), Outcome.FAILED),
        (kube.ForbiddenError("403", status=403), Outcome.FAILED),
    ],
)
def test_one_class_per_kind_retryable_or_fatal(error: Exception, outcome: Outcome) -> None:
    world = World(sample())
    if isinstance(error, sagemaker.SageMakerError):
        world.sagemaker.fail["CreateHyperParameterTuningJob"] = [error]
    else:
        world.kube.fail["PATCH"] = [error]  # the finalizer patch, before the create
    assert world.run().outcome is outcome


def test_no_credentials_ends_the_pass() -> None:
    world = World(sample())
    world.sagemaker.fail["CreateHyperParameterTuningJob"] = [sagemaker.CredentialsError("no credentials")]
    with pytest.raises(sagemaker.CredentialsError):
        world.run()


def test_a_conflict_rereads_the_resource_and_starts_over() -> None:
    world = World(sample())
    world.kube.fail["PATCH"] = [kube.ConflictError("409", status=409)]
    result = world.run()
    assert result.outcome is Outcome.CREATED
    calls = [c for c in world.kube.calls if c[1] == "hyperparametertuningjobs"]
    assert calls == [
        ("PATCH", "hyperparametertuningjobs"),  # the finalizer: 409
        ("GET", "hyperparametertuningjobs"),  # re-read, then the pass starts over
        ("PATCH", "hyperparametertuningjobs"),
    ]


@pytest.mark.parametrize(
    "case",
    ["create", "invalid", "foreign name", "stop", "finalize"],
)
def test_a_dry_run_only_reads(case: str) -> None:
    """Why the executor needs no dry-run branch for 409s: a dry run returns its plan before acting,
    and only writes are answered 409 (API conventions: Conflict/AlreadyExists answer writes)."""
    if case in ("stop", "finalize"):
        world = deleting_world(
            **({"HyperParameterTuningJobStatus": "Completed"} if case == "finalize" else {})
        )
        world.settings = Settings(dry_run=True)
    else:
        obj = sample()
        if case == "invalid":
            del obj["spec"]["trainingJobDefinition"]["roleArn"]
        world = World(obj, dry_run=True)
        if case == "foreign name":
            world.sagemaker.add_job(JOB, uid="someone-else")
    result = world.run()
    assert result.outcome is Outcome.PLANNED
    assert world.kube.writes() == []
    assert all(op.startswith(("Describe", "List")) for op, _ in world.sagemaker.calls)
